// History seek and window benchmarks against a real influxd: a 50-printer site with 7 days
// written by a synthetic writer (one point per printer every `everySeconds`, a machine-state
// change every 20 minutes, an alarm a day), then
// - seek: GET /api/history/at for random instants, against its floor: the single InfluxDB
//   query for the device values alone, timed the same way side by side;
// - a 24-hour window for playback: /api/history/changes (stepped) against the naive floor,
//   `SELECT *` over the window, in bytes and time.
// The written history is shared: the viewer's replay benchmark (bench/replay/) seeks in the
// same database when both run.
import { pino } from 'pino';
import type { SiteModel } from '../../device-profiles/schema/load.ts';
import { gatewayConfig } from '../../gateway/src/config.ts';
import type { Point } from '../../gateway/src/core/reading.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { InfluxHistory } from '../../gateway/src/history/influx-history.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { startInfluxd } from '../../gateway/src/services/influxd.ts';
import { InfluxDbSink } from '../../gateway/src/sinks/influxdb/influxdb-sink.ts';
import { seriesFor } from '../../gateway/src/state/device-state.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printFarm } from '../support/print-farm.ts';

export interface SeekResult {
  readonly devices: number;
  readonly days: number;
  readonly points: number;
  readonly writeSeconds: number;
  readonly seeks: number;
  readonly seekP50Ms: number;
  readonly seekP95Ms: number;
  readonly floorP50Ms: number;
  readonly floorP95Ms: number;
  readonly window: { readonly apiBytes: number; readonly apiMs: number; readonly naiveBytes: number; readonly naiveMs: number; readonly step: number | null };
}

export interface HistoryOptions {
  readonly devices?: number;
  readonly days?: number;
  readonly everySeconds?: number;
}

/** A synthetic history written into a running influxd: its site, database, span and cost. */
export interface SyntheticHistory {
  readonly site: SiteModel;
  readonly influxUrl: string;
  readonly database: string;
  /** Scratch space for whoever uses it (spools, site files); removed with the history. */
  readonly dir: string;
  readonly devices: number;
  readonly days: number;
  readonly start: number;
  readonly end: number;
  readonly points: number;
  readonly writeSeconds: number;
}

const DAY = 86_400_000;
const STATES = ['RUNNING', 'FINISH', 'IDLE', 'PREPARE'];

export const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

/** Starts an influxd in a temp folder, writes the synthetic history, hands it to `use`, and removes it all, also on failure. */
export async function withSyntheticHistory<T>(options: HistoryOptions, use: (h: SyntheticHistory) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'fieldlab-bench-history-'));
  try {
    const influxd = await startInfluxd({ dataDir: join(dir, 'influx') });
    try {
      return await use(await writeSyntheticHistory(influxd.url, dir, options));
    } finally {
      await influxd.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes `days` of a `devices`-printer farm, ending now, into database `bench_history` at `influxUrl`. */
export async function writeSyntheticHistory(influxUrl: string, dir: string, options: HistoryOptions = {}): Promise<SyntheticHistory> {
  const devices = options.devices ?? 50;
  const days = options.days ?? 7;
  const every = (options.everySeconds ?? 30) * 1000;
  const database = 'bench_history';
  const site = printFarm(join(dir, 'site'), 'history', { printers: devices, profiles: ['bambu-lab-fdm'], topicId: (i) => `H${i}` });
  const sink = new InfluxDbSink({ url: influxUrl, database, batchSize: 10_000 });
  await sink.start();
  const end = Date.now();
  const start = end - days * DAY;
  let points = 0;
  const t0 = performance.now();
  let batch = sink.newBatch();
  const flush = async () => {
    if (batch.count === 0) return;
    await sink.write(batch.seal());
    batch = sink.newBatch();
  };
  const add = async (p: Point) => {
    batch.add(p);
    points++;
    if (batch.count >= 10_000) await flush();
  };
  const series = site.devices.map((d) => seriesFor(site, d));
  const stateSeries = site.devices.map((d) => ({ measurement: 'machine_state', tags: { site: site.site.id, line: d.line, station: d.station, device: d.id, kind: d.profileDef.kind }, fieldTypes: { state: 'string', previous: 'string', previous_s: 'float', reason: 'string' } as const }));
  for (let t = start; t < end; t += every) {
    for (let i = 0; i < devices; i++) {
      const phase = Math.floor((t + i * 60_000) / 1_200_000);
      await add({ series: series[i]!, time: t + i, fields: { nozzle_temp: 200 + ((t / 1000 + i) % 40), bed_temp: 60, progress: (t / 10_000 + i) % 100, layer: Math.floor(t / 60_000) % 300, job_state: STATES[phase % STATES.length]!, print_error: 0 } });
      if ((t + i * 60_000) % 1_200_000 < every) await add({ series: stateSeries[i]!, time: t + i, fields: { state: phase % 2 ? 'idle' : 'producing', previous: phase % 2 ? 'producing' : 'idle', previous_s: 1200, reason: 'synthetic' } });
    }
  }
  await flush();
  await sink.stop();
  return { site, influxUrl, database, dir, devices, days, start, end, points, writeSeconds: (performance.now() - t0) / 1000 };
}

/** A random instant at least an hour into the history, so every device has a past to show. */
export function randomInstant(h: SyntheticHistory): number {
  return h.start + DAY / 24 + Math.floor(Math.random() * (h.end - h.start - DAY / 24));
}

/** The seek's floor: the one InfluxDB query for every device's values at `t`, timed alone (ms). */
export async function timeFloorQuery(h: SyntheticHistory, t: number): Promise<number> {
  const s = performance.now();
  const q = new URL('/query', h.influxUrl);
  q.searchParams.set('db', h.database);
  q.searchParams.set('epoch', 'ms');
  q.searchParams.set('q', `SELECT * FROM "fdm_printer" WHERE time <= ${t}ms AND time > ${t - 30 * DAY}ms GROUP BY "device" ORDER BY time DESC LIMIT 1`);
  await (await fetch(q)).arrayBuffer();
  return performance.now() - s;
}

/** A gateway with HTTP and no sources or sinks, answering history from the synthetic database. */
export async function historyGateway(h: SyntheticHistory, spoolName: string): Promise<Gateway> {
  const history = new InfluxHistory(h.site, { url: h.influxUrl, database: h.database });
  const gateway = new Gateway(h.site, gatewayConfig({ http: { host: '127.0.0.1', port: 0 }, spool: { enabled: false, dir: join(h.dir, spoolName) }, log: { level: 'warn' } }), new Telemetry(pino({ level: 'warn' })), {
    sources: [],
    sinks: [],
    history,
  });
  await gateway.start();
  return gateway;
}

export async function benchHistorySeek(h: SyntheticHistory, options: { seeks?: number } = {}): Promise<SeekResult> {
  const gateway = await historyGateway(h, 'spool');
  try {
    const seekMs: number[] = [];
    const floorMs: number[] = [];
    const seeks = options.seeks ?? 40;
    for (let k = 0; k < seeks; k++) {
      const t = randomInstant(h);
      // Side by side: the API's answer (devices, states, alarms, series) and the one query for the values.
      const s = performance.now();
      const res = await fetch(`${gateway.httpAddress()}/api/history/at?t=${t}`);
      await res.arrayBuffer();
      seekMs.push(performance.now() - s);
      floorMs.push(await timeFloorQuery(h, t));
    }
    const device = h.site.devices[0]!.id;
    const from = h.end - DAY;
    let s = performance.now();
    const api = await (await fetch(`${gateway.httpAddress()}/api/history/changes?from=${from}&to=${h.end}&device=${device}`)).text();
    const apiMs = performance.now() - s;
    const step = (JSON.parse(api) as { step: number | null }).step;
    s = performance.now();
    const naive = new URL('/query', h.influxUrl);
    naive.searchParams.set('db', h.database);
    naive.searchParams.set('epoch', 'ms');
    naive.searchParams.set('q', `SELECT * FROM "fdm_printer" WHERE "device" = '${device}' AND time >= ${from}ms AND time <= ${h.end}ms`);
    const naiveText = await (await fetch(naive)).text();
    const naiveMs = performance.now() - s;
    return {
      devices: h.devices,
      days: h.days,
      points: h.points,
      writeSeconds: h.writeSeconds,
      seeks,
      seekP50Ms: pct(seekMs, 50),
      seekP95Ms: pct(seekMs, 95),
      floorP50Ms: pct(floorMs, 50),
      floorP95Ms: pct(floorMs, 95),
      window: { apiBytes: api.length, apiMs, naiveBytes: naiveText.length, naiveMs, step },
    };
  } finally {
    await gateway.stop();
  }
}
