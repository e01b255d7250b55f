// History seek and window benchmarks against a real influxd: a 50-printer site with 7 days
// written by a synthetic writer (one point per printer every `everySeconds`, a machine-state
// change every 20 minutes, an alarm a day), then
// - seek: GET /api/history/at for random instants, against its floor: the single InfluxDB
//   query for the device values alone, timed the same way side by side;
// - a 24-hour window for playback: /api/history/changes (stepped) against the naive floor,
//   `SELECT *` over the window, in bytes and time.
import { pino } from 'pino';
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

const DAY = 86_400_000;
const STATES = ['RUNNING', 'FINISH', 'IDLE', 'PREPARE'];

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

export async function benchHistorySeek(options: { devices?: number; days?: number; everySeconds?: number; seeks?: number } = {}): Promise<SeekResult> {
  const devices = options.devices ?? 50;
  const days = options.days ?? 7;
  const every = (options.everySeconds ?? 30) * 1000;
  const dir = mkdtempSync(join(tmpdir(), 'fieldlab-bench-history-'));
  const influxd = await startInfluxd({ dataDir: join(dir, 'influx') });
  const database = 'bench_history';
  const site = printFarm(join(dir, 'site'), 'history', { printers: devices, profiles: ['bambu-lab-fdm'], topicId: (i) => `H${i}` });
  const sink = new InfluxDbSink({ url: influxd.url, database, batchSize: 10_000 });
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
  const writeSeconds = (performance.now() - t0) / 1000;

  const history = new InfluxHistory(site, { url: influxd.url, database });
  const gateway = new Gateway(site, gatewayConfig({ http: { host: '127.0.0.1', port: 0 }, spool: { enabled: false, dir: join(dir, 'spool') }, log: { level: 'warn' } }), new Telemetry(pino({ level: 'warn' })), {
    sources: [],
    sinks: [],
    history,
  });
  await gateway.start();
  const seekMs: number[] = [];
  const floorMs: number[] = [];
  const seeks = options.seeks ?? 40;
  for (let k = 0; k < seeks; k++) {
    const t = start + DAY / 24 + Math.floor(Math.random() * (end - start - DAY / 24));
    // Side by side: the API's answer (devices, states, alarms, series) and the one query for the values.
    let s = performance.now();
    const res = await fetch(`${gateway.httpAddress()}/api/history/at?t=${t}`);
    await res.arrayBuffer();
    seekMs.push(performance.now() - s);
    s = performance.now();
    const q = new URL('/query', influxd.url);
    q.searchParams.set('db', database);
    q.searchParams.set('epoch', 'ms');
    q.searchParams.set('q', `SELECT * FROM "fdm_printer" WHERE time <= ${t}ms AND time > ${t - 30 * DAY}ms GROUP BY "device" ORDER BY time DESC LIMIT 1`);
    await (await fetch(q)).arrayBuffer();
    floorMs.push(performance.now() - s);
  }
  const from = end - DAY;
  let s = performance.now();
  const api = await (await fetch(`${gateway.httpAddress()}/api/history/changes?from=${from}&to=${end}&device=${site.devices[0]!.id}`)).text();
  const apiMs = performance.now() - s;
  const step = (JSON.parse(api) as { step: number | null }).step;
  s = performance.now();
  const naive = new URL('/query', influxd.url);
  naive.searchParams.set('db', database);
  naive.searchParams.set('epoch', 'ms');
  naive.searchParams.set('q', `SELECT * FROM "fdm_printer" WHERE "device" = '${site.devices[0]!.id}' AND time >= ${from}ms AND time <= ${end}ms`);
  const naiveText = await (await fetch(naive)).text();
  const naiveMs = performance.now() - s;
  await gateway.stop();
  await influxd.stop();
  rmSync(dir, { recursive: true, force: true });
  return {
    devices,
    days,
    points,
    writeSeconds,
    seeks,
    seekP50Ms: pct(seekMs, 50),
    seekP95Ms: pct(seekMs, 95),
    floorP50Ms: pct(floorMs, 50),
    floorP95Ms: pct(floorMs, 95),
    window: { apiBytes: api.length, apiMs, naiveBytes: naiveText.length, naiveMs, step },
  };
}
