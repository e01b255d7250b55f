// A simulated replication played in the scene: the demo line's 2 h past recorded through a
// gateway's path into a real influxd, one experiment (+1 printer, 24 h, the real engine in its
// worker), and headless Chromium on `?experiment=<id>` at 1280×720, software WebGL.
//
// Frame time, side by side in one run: the scene drawn 20 times back to back (`measure`) with
// the live state on show, then with the scenario playing at 60×, alternated over several
// rounds; the ratio is scenario/live. Beside it the frames drawn per second in each, the
// scenario's playback step included (live draws on demand, when something changed). Then the whole
// simulated day at 3,600× (24 s): the longest gap between animation frames (a stall is one
// longer than 2 s) and whether the playhead reached the end.
import { join } from 'node:path';
import { pino } from 'pino';
import { loadSite } from '../../device-profiles/schema/load.ts';
import type { ExperimentDetail } from '../../gateway/src/core/experiments.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { ensureViewerBuilt } from '../../gateway/src/http/viewer.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { freePort } from '../../gateway/src/services/free-port.ts';
import { startInfluxd } from '../../gateway/src/services/influxd.ts';
import { demoSiteFile } from '../../test/support/fixtures.ts';
import { recordDemoPast } from '../../test/support/recorded-demo.ts';
import { sleep, tempDir } from '../../test/support/services.ts';
import { load, onHook, withChromium } from '../replay/viewer.ts';
import type { TwinTestHook } from '../../twin-viewer/src/test-hook.ts';

export interface ScenarioPlayResult {
  readonly rounds: number;
  readonly framesPerMeasure: number;
  /** Mean ms per forced frame, per round. */
  readonly liveMs: readonly number[];
  readonly scenarioMs: readonly number[];
  readonly medianRatio: number;
  readonly drawCalls: { readonly live: number; readonly scenario: number };
  /** Frames the scene drew per second over 3 s, live (on demand: little changes) and while the scenario plays at 60×, per round. */
  readonly liveFps: readonly number[];
  readonly scenarioFps: readonly number[];
  readonly day: { readonly simulatedHours: number; readonly speed: number; readonly wallS: number; readonly longestGapMs: number; readonly stalls: number; readonly reachedEnd: boolean; readonly frames: number };
  readonly load: { readonly before: readonly number[]; readonly after: readonly number[] };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchScenarioPlay(options: { rounds?: number } = {}): Promise<ScenarioPlayResult> {
  const before = load();
  const rounds = options.rounds ?? 5;
  const framesPerMeasure = 20;
  const log = pino({ level: 'silent' });
  await ensureViewerBuilt(log);
  const dir = tempDir('bench-scenario');
  const influxd = await startInfluxd({ dataDir: join(dir.path, 'influx') });
  try {
    const site = loadSite(demoSiteFile(dir.path, [await freePort(), await freePort()]));
    const { config } = await recordDemoPast(site, log, { influxUrl: influxd.url, database: 'scenario', dir: dir.path, hours: 2 });
    const gateway = new Gateway(site, config, new Telemetry(log), { sources: [] });
    await gateway.start();
    try {
      const submitted = await gateway.experiments.submit({ line: 'streetlight', changes: [{ station: 'printing', add: 1, like: 'printer-04' }], horizon: { hours: 24 }, replications: 3, seed: 7 });
      let detail: ExperimentDetail | undefined;
      for (let i = 0; i < 600 && detail?.status !== 'done'; i++) {
        await sleep(100);
        detail = await gateway.experiments.get(submitted.id);
        if (detail?.status === 'failed') throw new Error(`experiment failed: ${detail.error?.message}`);
      }
      if (detail?.status !== 'done') throw new Error('experiment not done in 60 s');
      return await withChromium(async (browser) => {
        const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
        await page.goto(`${gateway.httpAddress()}/?experiment=${submitted.id}`);
        await page.waitForFunction((x) => (window as unknown as { fieldlabTwin: TwinTestHook }).fieldlabTwin?.experiments()?.shown?.id === x, submitted.id, { timeout: 60_000 });
        await onHook(page, (h) => h.overview());
        const liveMs: number[] = [];
        const scenarioMs: number[] = [];
        const drawCalls = { live: 0, scenario: 0 };
        const liveFps: number[] = [];
        const scenarioFps: number[] = [];
        const fps = async () => {
          const f0 = await onHook(page, (h) => h.frames());
          await sleep(3000);
          return ((await onHook(page, (h) => h.frames())) - f0) / 3;
        };
        await page.selectOption('#experiments [name=playspeed]', '60');
        for (let r = 0; r < rounds + 1; r++) {
          // Round 0 warms both up (shaders, traces fetched); it is not counted.
          await onHook(page, (h) => h.goLive());
          await sleep(300);
          const live = await onHook(page, (h, n) => h.measureFrames(n), framesPerMeasure);
          const liveRate = await fps();
          await onHook(page, (h) => h.playExperiment());
          await sleep(1000);
          const scen = await onHook(page, (h, n) => h.measureFrames(n), framesPerMeasure);
          const scenRate = await fps();
          if (r === 0) continue;
          liveFps.push(liveRate);
          scenarioFps.push(scenRate);
          liveMs.push(live.meanMs);
          scenarioMs.push(scen.meanMs);
          drawCalls.live = live.drawCalls;
          drawCalls.scenario = scen.drawCalls;
        }
        const ratios = liveMs.map((l, i) => scenarioMs[i]! / l);
        // The whole simulated day at 3,600×, from its start: animation frame gaps until it ends.
        await onHook(page, (h) => h.goLive());
        await page.selectOption('#experiments [name=playspeed]', '3600');
        const day = (await page.evaluate(`(async () => {
          const h = window.fieldlabTwin;
          await h.playExperiment();
          const start = performance.now();
          let last = start, longest = 0, stalls = 0, frames = 0;
          while (h.playback().playing && performance.now() - start < 120000) {
            await new Promise((r) => requestAnimationFrame(r));
            const now = performance.now();
            const gap = now - last;
            if (gap > longest) longest = gap;
            if (gap > 2000) stalls++;
            last = now;
            frames++;
          }
          const p = h.experiments().playing;
          return { wallS: (performance.now() - start) / 1000, longestGapMs: longest, stalls, frames, seconds: p ? p.seconds : 0 };
        })()`)) as { wallS: number; longestGapMs: number; stalls: number; frames: number; seconds: number };
        return {
          rounds,
          framesPerMeasure,
          liveMs,
          scenarioMs,
          medianRatio: median(ratios),
          drawCalls,
          liveFps,
          scenarioFps,
          day: { simulatedHours: 24, speed: 3600, wallS: day.wallS, longestGapMs: day.longestGapMs, stalls: day.stalls, reachedEnd: day.seconds >= 24 * 3600 - 1, frames: day.frames },
          load: { before, after: load() },
        };
      });
    } finally {
      await gateway.stop();
    }
  } finally {
    await influxd.stop();
    dir.remove();
  }
}
