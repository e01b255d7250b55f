// Playback in the viewer: the demo site's recorded past (the line's own models through a
// gateway's path into InfluxDB, as `npm run demo` writes its previous shift), replayed in
// headless Chromium from `?at=<its start>&speed=60` until the playhead reaches its end.
// Reported: stalls after the seek landed (count, total, and where), the history API's bytes
// per replayed minute, and the gateway's CPU while a viewer replays, beside its floor: the
// same gateway for the same wall time with the viewer open live, so the replay's cost is the
// difference. The gateway runs in this process (no sources, no sinks: replay reads InfluxDB),
// so its CPU is this process's, the page polling included on both sides; influxd's is its own.
import { join } from 'node:path';
import type { Page, Response } from 'playwright-core';
import { pino } from 'pino';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { writePreviousShift } from '../../gateway/src/cli/demo-past.ts';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { InfluxHistory } from '../../gateway/src/history/influx-history.ts';
import { ensureViewerBuilt } from '../../gateway/src/http/viewer.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { freePort } from '../../gateway/src/services/free-port.ts';
import { startInfluxd } from '../../gateway/src/services/influxd.ts';
import { planFor } from '../../twin-viewer/src/replay/replay.ts';
import { demoSiteFile } from '../../test/support/fixtures.ts';
import { sleep, tempDir } from '../../test/support/services.ts';
import { load, onHook, ownCpuSeconds, processCpuSeconds, sceneReady, withChromium } from './viewer.ts';

export interface StallEpisode {
  /** Seconds after the seek landed. */
  readonly wallS: number;
  /** Where the playhead stood, minutes into the past. */
  readonly atMinute: number;
  readonly ms: number;
}

export interface CpuShare {
  readonly wallS: number;
  /** Share of one core: the bench process, which holds the gateway. */
  readonly gateway: number;
  readonly influxd: number;
}

export interface PlaybackResult {
  readonly hours: number;
  readonly speed: number;
  readonly devices: number;
  readonly pointsWritten: number;
  readonly writeSeconds: number;
  /** From opening the link to the first instant shown. */
  readonly landedMs: number;
  /** Whether the playhead reached the end of the past within the time allowed. */
  readonly finished: boolean;
  readonly replayedMinutes: number;
  /** Replayed time over wall time from the landing to the end (60 when it kept pace). */
  readonly effectiveSpeed: number;
  readonly stalls: number;
  readonly stalledMs: number;
  readonly stallEpisodes: readonly StallEpisode[];
  readonly bytes: number;
  readonly requests: number;
  readonly bytesPerReplayedMinute: number;
  /** The history API's answers during the replay by endpoint, as the browser received them. */
  readonly byEndpoint: Readonly<Record<string, { requests: number; bytes: number }>>;
  /** The landing seek's two answers: the instant and the first window. */
  readonly seekBytes: number;
  /** One window as the viewer asks for it at this speed (stepped), beside the same window raw. */
  readonly window: { readonly minutes: number; readonly step: number; readonly steppedBytes: number; readonly rawBytes: number };
  /** Seek paused at 1×, then play at 60× for a few seconds: the stalls after that speed change. */
  readonly speedChange: { readonly wallS: number; readonly stalls: number; readonly stalledMs: number; readonly episodes: readonly StallEpisode[] };
  readonly replay: CpuShare;
  readonly idle: CpuShare;
  readonly load: { readonly before: readonly number[]; readonly after: readonly number[] };
}

interface Poll {
  wall: number;
  mode: string;
  at: number;
  playing: boolean;
  ready: boolean;
  error: string | undefined;
  stalls: number;
  stalledMs: number;
  bytes: number;
  requests: number;
}

const POLL_MS = 250;
const SPEED = 60;
const SPEED_CHANGE_S = 10;

export async function benchPlayback(options: { hours?: number } = {}): Promise<PlaybackResult> {
  const before = load();
  const hours = options.hours ?? 1;
  const log = pino({ level: 'silent' });
  await ensureViewerBuilt(log);
  const dir = tempDir('bench-replay');
  try {
    const influxd = await startInfluxd({ dataDir: join(dir.path, 'influx') });
    try {
      // Robot ports nobody listens on: the robots have a past here, not a present.
      const site = loadSite(demoSiteFile(dir.path, [await freePort(), await freePort()]));
      const database = 'replay';
      const config = gatewayConfig({
        influx: { url: influxd.url, database },
        http: { host: '127.0.0.1', port: 0 },
        opcua: { pkiDir: join(dir.path, 'gw-pki') },
        spool: { enabled: false, dir: join(dir.path, 'spool') },
        production: { journal: join(dir.path, 'journal.jsonl') },
        log: { level: 'warn' },
      });
      // Ends 20 minutes ago: the two windows fetched ahead of the playhead (16 min at 60×) stay
      // clear of the live edge, where the viewer asks again as soon as the present moves on.
      const until = Date.now() - 20 * 60_000;
      const from = until - hours * 3_600_000;
      const written = await writePreviousShift({ site, config, log, influx: true, dataDir: dir.path, hours, until, signal: new AbortController().signal });
      const gateway = new Gateway(site, config, new Telemetry(log), { sources: [], sinks: [], history: new InfluxHistory(site, { url: influxd.url, database }) });
      await gateway.start();
      try {
        return await withChromium(async (browser) => {
          const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
          const base = gateway.httpAddress()!;
          const pid = influxd.process.pid!;
          const answers: { endpoint: string; bytes: number }[] = [];
          const onResponse = (r: Response) => {
            const endpoint = /\/api\/history\/(\w+)/.exec(r.url())?.[1];
            if (endpoint) void r.body().then((b) => answers.push({ endpoint, bytes: b.length }), () => undefined);
          };
          page.on('response', onResponse);
          const started = measure(pid);
          await page.goto(`${base}/?at=${new Date(from).toISOString()}&speed=${SPEED}`);
          await sceneReady(page, site.devices.length);
          const allowedMs = ((hours * 3_600_000) / SPEED) * 3 + 60_000;
          // Playback counts stalls only once a seek has landed: its totals are all "after the landing".
          const { first: landed, last, episodes } = await watch(page, from, (p) => p.at >= until, Date.now() + allowedMs);
          await onHook(page, (h) => h.pause());
          const replay = started.stop();
          page.off('response', onResponse);
          const finished = last.at >= until;
          const replayedMinutes = (last.at - from) / 60_000;
          // A speed change: landed paused at 1× (a seek's first window is then a raw minute), then
          // played at 60×, which needs stepped windows of 8 minutes from the first second on.
          await onHook(page, (h) => {
            h.play(1);
            h.pause();
          });
          await onHook(page, (h, t) => h.seek(t), from);
          await onHook(page, (h, speed) => h.play(speed), SPEED);
          const changed = await watch(page, from, (p, start) => p.wall - start.wall >= SPEED_CHANGE_S * 1000, Date.now() + 60_000);
          await onHook(page, (h) => h.pause());
          // The floor: the same gateway and page, live, for the same wall time.
          const idleStarted = measure(pid);
          await page.goto(`${base}/`);
          await sceneReady(page, site.devices.length);
          const idleEnd = Date.now() + replay.wallS * 1000 - (performance.now() - idleStarted.t0);
          while (Date.now() < idleEnd) {
            await sleep(POLL_MS);
            const p = await poll(page);
            if (p.mode !== 'live') throw new Error(`the floor's viewer is not live but ${p.mode}`);
          }
          const idle = idleStarted.stop();
          const byEndpoint: Record<string, { requests: number; bytes: number }> = {};
          for (const a of answers) {
            const e = (byEndpoint[a.endpoint] ??= { requests: 0, bytes: 0 });
            e.requests++;
            e.bytes += a.bytes;
          }
          const firstOf = (endpoint: string) => answers.find((a) => a.endpoint === endpoint)?.bytes ?? 0;
          const plan = planFor(SPEED);
          const mid = Math.round(from + (until - from) / 2 - plan.windowMs / 2);
          const windowBytes = async (step: string) => (await (await fetch(`${base}/api/history/changes?from=${mid}&to=${mid + plan.windowMs}${step}`)).arrayBuffer()).byteLength;
          return {
            hours,
            speed: SPEED,
            devices: site.devices.length,
            pointsWritten: written.points,
            writeSeconds: written.seconds,
            landedMs: landed.wall,
            finished,
            replayedMinutes,
            effectiveSpeed: (last.at - landed.at) / (last.wall - landed.wall),
            stalls: last.stalls,
            stalledMs: last.stalledMs,
            stallEpisodes: episodes,
            bytes: last.bytes,
            requests: last.requests,
            bytesPerReplayedMinute: last.bytes / replayedMinutes,
            byEndpoint,
            seekBytes: firstOf('at') + firstOf('changes'),
            window: { minutes: plan.windowMs / 60_000, step: plan.stepSeconds ?? 0, steppedBytes: await windowBytes(`&step=${plan.stepSeconds}`), rawBytes: await windowBytes('') },
            speedChange: { wallS: (changed.last.wall - changed.first.wall) / 1000, stalls: changed.last.stalls - changed.first.stalls, stalledMs: changed.last.stalledMs - changed.first.stalledMs, episodes: changed.episodes },
            replay,
            idle,
            load: { before, after: load() },
          };
        });
      } finally {
        await gateway.stop();
      }
    } finally {
      await influxd.stop();
    }
  } finally {
    dir.remove();
  }
}

/**
 * Polls the page until `done` (or the deadline), from its first poll showing a landed replay;
 * returns that poll, the last, and each stall: when (after the landing), where (minutes after
 * `from`) and how long.
 */
async function watch(page: Page, from: number, done: (p: Poll, first: Poll) => boolean, deadline: number): Promise<{ first: Poll; last: Poll; episodes: StallEpisode[] }> {
  let first: Poll | undefined;
  while (!first) {
    const p = await poll(page);
    if (p.error) throw new Error(`the replay failed: ${p.error}`);
    if (p.mode === 'replay' && p.ready) first = p;
    else if (Date.now() > deadline) throw new Error('the replay never landed on its first instant');
    else await sleep(POLL_MS);
  }
  const episodes: StallEpisode[] = [];
  let last = first;
  while (!done(last, first) && Date.now() < deadline) {
    await sleep(POLL_MS);
    const p = await poll(page);
    if (p.error) throw new Error(`the replay failed: ${p.error}`);
    if (p.stalledMs > last.stalledMs) {
      const ms = Math.round(p.stalledMs - last.stalledMs);
      const e = episodes.at(-1);
      if (p.stalls > last.stalls || !e) episodes.push({ wallS: (p.wall - first.wall) / 1000, atMinute: (p.at - from) / 60_000, ms });
      else episodes[episodes.length - 1] = { ...e, ms: e.ms + ms };
    }
    last = p;
  }
  return { first, last, episodes };
}

/** The page's playback figures, with the page's clock (ms since it opened). */
function poll(page: Page): Promise<Poll> {
  return onHook(page, (h) => ({ ...h.playback(), wall: performance.now() }));
}

/** CPU of this process and of influxd from now until `stop`, as shares of one core. */
function measure(influxdPid: number): { t0: number; stop(): CpuShare } {
  const t0 = performance.now();
  const own = ownCpuSeconds();
  const influx = processCpuSeconds(influxdPid);
  return {
    t0,
    stop: () => {
      const wallS = (performance.now() - t0) / 1000;
      return { wallS, gateway: (ownCpuSeconds() - own) / wallS, influxd: (processCpuSeconds(influxdPid) - influx) / wallS };
    },
  };
}
