// Frame time and draw calls of the viewer in headless Chromium (software WebGL): the demo site
// and a site with 10× its devices, each drawn by the viewer as built from a git ref (`before`,
// default main) and by the working tree's viewer (`after`), in the same browser, side by side.
// The gateway serves the working tree's build; for `before` the page's own files are answered
// from the other build (socket.io still reaches the gateway), so both see the same snapshot.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Page } from 'playwright-core';
import { pino } from 'pino';
import { parse, stringify } from 'yaml';
import { DEFAULT_PROFILES_DIR, DEFAULT_SITE_FILE, loadSite } from '../../device-profiles/schema/load.ts';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { ensureViewerBuilt, VIEWER_DIST } from '../../gateway/src/http/viewer.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { tempDir } from '../../test/support/services.ts';
import { launchChromium } from '../../test/support/chromium.ts';

export interface FrameResult {
  site: string;
  devices: number;
  /** Which viewer drew it: `before` (the git ref's) or `after` (the working tree's). */
  viewer: 'before' | 'after';
  ref: string;
  meanMs: number;
  drawCalls: number;
  triangles: number;
}

const ROOT = resolve(import.meta.dirname, '..', '..');

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

/** The viewer as it is at `ref`, built into `dir` (its own copy of the tree, sharing node_modules). */
async function buildAt(ref: string, dir: string): Promise<string> {
  const tree = join(dir, 'tree');
  execFileSync('bash', ['-c', `mkdir -p '${tree}' && git -C '${ROOT}' archive '${ref}' | tar -x -C '${tree}'`]);
  if (!existsSync(join(tree, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'));
  const vite = await import('vite');
  await vite.build({ configFile: join(tree, 'twin-viewer', 'vite.config.ts'), logLevel: 'warn' });
  return join(tree, 'twin-viewer', 'dist');
}

/** Answers the page's own files from `dist` instead of the gateway's build. */
async function serveFrom(page: Page, dist: string): Promise<void> {
  await page.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    const file = join(dist, url.pathname === '/' ? 'index.html' : url.pathname);
    if (url.pathname.startsWith('/socket.io') || !file.startsWith(dist) || !existsSync(file) || url.pathname.startsWith('/models/')) return route.continue();
    return route.fulfill({ path: file });
  });
}

export async function benchFrames(frames = 30, before = 'main'): Promise<FrameResult[]> {
  const log = pino({ level: 'silent' });
  await ensureViewerBuilt(log);
  const dir = tempDir('bench-frames');
  const beforeDist = await buildAt(before, dir.path);
  const browser = await launchChromium();
  const results: FrameResult[] = [];
  try {
    for (const [name, file] of [['demo site', multiplied(dir.path, 1)], ['10× devices', multiplied(dir.path, 10)]] as const) {
      const site = loadSite(file);
      const gateway = new Gateway(site, gatewayConfig({ http: { host: '127.0.0.1', port: 0 }, spool: { dir: join(dir.path, 'spool') } }), new Telemetry(log), { sources: [], sinks: [] });
      await gateway.start();
      for (const [viewer, dist, ref] of [['before', beforeDist, before], ['after', VIEWER_DIST, 'working tree']] as const) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
        if (viewer === 'before') await serveFrom(page, dist);
        await page.goto(`${gateway.httpAddress()}/`);
        await page.waitForFunction((n) => (window as unknown as { fieldlabTwin?: { devices(): string[] } }).fieldlabTwin?.devices().length === n, site.devices.length, { timeout: 30_000 });
        await page.evaluate(() => (window as unknown as { fieldlabTwin: { measureFrames(n: number): unknown } }).fieldlabTwin.measureFrames(5));
        const r = await page.evaluate((n) => (window as unknown as { fieldlabTwin: { measureFrames(n: number): { meanMs: number; drawCalls: number; triangles: number } } }).fieldlabTwin.measureFrames(n), frames);
        results.push({ site: name, devices: site.devices.length, viewer, ref, ...r });
        await page.close();
      }
      await gateway.stop();
    }
  } finally {
    await browser.close();
    dir.remove();
  }
  return results;
}
