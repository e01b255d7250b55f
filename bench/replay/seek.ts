// Seek in the viewer, request → scene updated: the synthetic 50-printer history of
// bench/history/seek.ts behind a gateway, the viewer in headless Chromium, and for random
// instants `await fieldlabTwin.seek(t)` timed inside the page. `seek` is the viewer's own
// path: /api/history/at, the replayed state built from it, then one frame drawn (software
// WebGL); the first /changes window is asked for after that and waited for before anything
// else is timed, so it competes with nothing. Side by side, in the same loop: the API alone
// (the same /at from Node) and the floor, the one InfluxDB query for the devices' values,
// timed alone as the history benchmark does.
import type { Page } from 'playwright-core';
import { pino } from 'pino';
import { ensureViewerBuilt } from '../../gateway/src/http/viewer.ts';
import { historyGateway, pct, randomInstant, timeFloorQuery, type SyntheticHistory } from '../history/seek.ts';
import { load, onHook, sceneReady, withChromium } from './viewer.ts';
import type { TwinTestHook } from '../../twin-viewer/src/test-hook.ts';

export interface ViewerSeekResult {
  readonly devices: number;
  readonly days: number;
  readonly points: number;
  readonly writeSeconds: number;
  readonly seeks: number;
  readonly viewerP50Ms: number;
  readonly viewerP95Ms: number;
  readonly apiP50Ms: number;
  readonly apiP95Ms: number;
  readonly floorP50Ms: number;
  readonly floorP95Ms: number;
  /** Mean time of one frame of this scene, drawn back to back: what a seek's last step costs. */
  readonly frameMs: number;
  readonly targetP95Ms: number;
  readonly pass: boolean;
  readonly load: { readonly before: readonly number[]; readonly after: readonly number[] };
}

export const SEEK_TARGET_P95_MS = 300;

export async function benchViewerSeek(h: SyntheticHistory, options: { seeks?: number } = {}): Promise<ViewerSeekResult> {
  const before = load();
  const seeks = options.seeks ?? 40;
  await ensureViewerBuilt(pino({ level: 'silent' }));
  const gateway = await historyGateway(h, 'spool-replay');
  try {
    const base = gateway.httpAddress()!;
    return await withChromium(async (browser) => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      await page.goto(`${base}/`);
      await sceneReady(page, h.devices);
      // The first seek goes from live into replay and warms the page's code up: not counted.
      await seekIn(page, randomInstant(h));
      const viewerMs: number[] = [];
      const apiMs: number[] = [];
      const floorMs: number[] = [];
      for (let k = 0; k < seeks; k++) {
        const t = randomInstant(h);
        viewerMs.push(await seekIn(page, t));
        await page.waitForFunction((x) => (window as unknown as { fieldlabTwin: TwinTestHook }).fieldlabTwin.playback().loadedTo > x, t, { timeout: 30_000 });
        const s = performance.now();
        await fetch(`${base}/api/history/at?t=${t}`).then((r) => r.arrayBuffer());
        apiMs.push(performance.now() - s);
        floorMs.push(await timeFloorQuery(h, t));
      }
      const frameMs = (await onHook(page, (hook) => hook.measureFrames(5))).meanMs;
      const viewerP95Ms = pct(viewerMs, 95);
      return {
        devices: h.devices,
        days: h.days,
        points: h.points,
        writeSeconds: h.writeSeconds,
        seeks,
        viewerP50Ms: pct(viewerMs, 50),
        viewerP95Ms,
        apiP50Ms: pct(apiMs, 50),
        apiP95Ms: pct(apiMs, 95),
        floorP50Ms: pct(floorMs, 50),
        floorP95Ms: pct(floorMs, 95),
        frameMs,
        targetP95Ms: SEEK_TARGET_P95_MS,
        pass: viewerP95Ms < SEEK_TARGET_P95_MS,
        load: { before, after: load() },
      };
    });
  } finally {
    await gateway.stop();
  }
}

/** One seek timed in the page, from the request to the frame drawn with the instant; checks it landed there. */
async function seekIn(page: Page, t: number): Promise<number> {
  const r = await onHook(
    page,
    async (hook, at) => {
      const s = performance.now();
      await hook.seek(at);
      const ms = performance.now() - s;
      const p = hook.playback();
      return { ms, mode: p.mode, at: p.at, ready: p.ready, error: p.error };
    },
    t,
  );
  if (r.mode !== 'replay' || !r.ready || r.at !== t || r.error) throw new Error(`the viewer's seek to ${new Date(t).toISOString()} did not land: ${JSON.stringify(r)}`);
  return r.ms;
}
