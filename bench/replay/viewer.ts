// Headless Chromium on the twin viewer for the replay benchmarks, and the bits they share:
// the page's test hook (window.fieldlabTwin), the machine's load, and CPU time read from /proc.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { type Browser, type Page } from 'playwright-core';
import type { TwinTestHook } from '../../twin-viewer/src/test-hook.ts';
import { launchChromium } from '../../test/support/chromium.ts';


/** Runs `use` with a browser that is closed afterwards, also on failure. */
export async function withChromium<T>(use: (browser: Browser) => Promise<T>): Promise<T> {
  const browser = await launchChromium();
  try {
    return await use(browser);
  } finally {
    await browser.close();
  }
}

/** Runs `f` on the page's test hook; `f` travels as source, so it uses nothing but its arguments. */
export function onHook<T, A = null>(page: Page, f: (h: TwinTestHook, arg: A) => T | Promise<T>, arg?: A): Promise<T> {
  return page.evaluate(`(${f.toString()})(window.fieldlabTwin, ${JSON.stringify(arg ?? null)})`) as Promise<T>;
}

/** Waits until the viewer has built the site's `devices` machines and drawn a frame. */
export async function sceneReady(page: Page, devices: number): Promise<void> {
  await page.waitForFunction((n) => (window as unknown as { fieldlabTwin: TwinTestHook }).fieldlabTwin?.devices().length === n && (window as unknown as { fieldlabTwin: TwinTestHook }).fieldlabTwin.frames() > 0, devices, { timeout: 60_000 });
}

/** The 1-, 5- and 15-minute load averages, rounded: others share this machine's two cores. */
export function load(): [number, number, number] {
  const [a, b, c] = loadavg().map((x) => Math.round(x * 100) / 100);
  return [a!, b!, c!];
}

let ticksPerSecond: number | undefined;

/** CPU seconds (user + system) `pid` has used so far, from /proc (Linux, where the benchmarks run). */
export function processCpuSeconds(pid: number): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  // The command name is in parentheses and may hold spaces: count fields after its end.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** CPU seconds of this process so far (the gateway runs in it). */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
