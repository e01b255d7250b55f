// Frame time of the viewer in headless Chromium (software WebGL): the demo site against a
// site with 10× its devices, in the same browser, one after the other.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { pino } from 'pino';
import { parse, stringify } from 'yaml';
import { DEFAULT_PROFILES_DIR, DEFAULT_SITE_FILE, loadSite } from '../../device-profiles/schema/load.ts';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { ensureViewerBuilt } from '../../gateway/src/http/viewer.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { tempDir } from '../../test/support/services.ts';

export interface FrameResult { site: string; devices: number; meanMs: number; drawCalls: number; triangles: number }

const ARGS = ['--headless', '--no-sandbox', '--enable-unsafe-swiftshader', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The demo site with every device repeated `times` times, shifted along the floor. */
function multiplied(dir: string, times: number): string {
  const site = parse(readFileSync(DEFAULT_SITE_FILE, 'utf8')) as { devices: { id: string; position: { x: number; y: number }; connection?: unknown }[]; site: { floor: { width: number; depth: number } }; profiles?: string };
  const base = site.devices;
  site.devices = Array.from({ length: times }, (_, k) =>
    base.map((d) => ({ ...d, id: `${d.id}-${k}`, position: { x: d.position.x, y: (d.position.y + k * 2.2) % site.site.floor.depth }, connection: undefined })),
  ).flat();
  site.profiles = DEFAULT_PROFILES_DIR;
  const file = join(dir, `site-x${times}.yaml`);
  writeFileSync(file, stringify(site).replace(/\$\{FIELDLAB_ROBOT_HOST:-127\.0\.0\.1\}/g, '127.0.0.1'));
  return file;
}

export async function benchFrames(frames = 30): Promise<FrameResult[]> {
  const log = pino({ level: 'silent' });
  await ensureViewerBuilt(log);
  const dir = tempDir('bench-frames');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
  const results: FrameResult[] = [];
  try {
    for (const [name, file] of [['demo site', multiplied(dir.path, 1)], ['10× devices', multiplied(dir.path, 10)]] as const) {
      const site = loadSite(file);
      const gateway = new Gateway(site, gatewayConfig({ http: { host: '127.0.0.1', port: 0 }, spool: { dir: join(dir.path, 'spool') } }), new Telemetry(log), { sources: [], sinks: [] });
      await gateway.start();
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      await page.goto(`${gateway.httpAddress()}/`);
      await page.waitForFunction((n) => (window as unknown as { fieldlabTwin?: { devices(): string[] } }).fieldlabTwin?.devices().length === n, site.devices.length, { timeout: 30_000 });
      await page.evaluate(() => (window as unknown as { fieldlabTwin: { measureFrames(n: number): unknown } }).fieldlabTwin.measureFrames(5));
      const r = await page.evaluate((n) => (window as unknown as { fieldlabTwin: { measureFrames(n: number): { meanMs: number; drawCalls: number; triangles: number } } }).fieldlabTwin.measureFrames(n), frames);
      results.push({ site: name, devices: site.devices.length, ...r });
      await page.close();
      await gateway.stop();
    }
  } finally {
    await browser.close();
    dir.remove();
  }
  return results;
}
