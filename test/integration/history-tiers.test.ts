// The history's retention tiers against a real influxd, where they fall short of the plain
// path: points the spool delivers long after their time, a gap of several days filled in at
// start, and an InfluxDB whose user may not set up retention at all.
import { isDeepStrictEqual } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayConfig } from '../../gateway/src/config.ts';
import type { HistoryAt, HistoryChanges } from '../../gateway/src/core/history.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { InfluxHistory } from '../../gateway/src/history/influx-history.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { startInfluxd, type RunningInfluxd } from '../../gateway/src/services/influxd.ts';
import { testSite } from '../support/fixtures.ts';
import { eventually, spoolDir, startTestInflux, tempDir, type TestInflux } from '../support/services.ts';

const site = testSite([{ id: 'bambu', profile: 'bambu-lab-fdm', topicId: 'S1' }]);
const MINUTE = 60_000;
const DAY = 86_400_000;
const ROLLUP = 'fieldlab_rollup';

type Row = Record<string, unknown> & { time: number };

/** InfluxQL over HTTP, times in ms; one statement's rows, each with its series' tags. */
async function query(url: string, database: string, q: string): Promise<Row[]> {
  const res = await fetch(`${url}/query?db=${database}&epoch=ms`, { method: 'POST', body: new URLSearchParams({ q }) });
  const body = (await res.json()) as { results: { series?: { tags?: Record<string, string>; columns: string[]; values: unknown[][] }[]; error?: string }[] };
  const result = body.results[0]!;
  if (result.error) throw new Error(result.error);
  return (result.series ?? []).flatMap((s) => s.values.map((v) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) }) as Row));
}

/** Per minute of the raw points, the rollup a correct 1-minute rollup holds for these fields. */
function minutesOf(raw: readonly Row[], fields: readonly string[]): Record<number, Record<string, unknown>> {
  const out: Record<number, Record<string, unknown>> = {};
  for (const r of [...raw].sort((a, b) => a.time - b.time)) {
    const m = (out[Math.floor(r.time / MINUTE) * MINUTE] ??= {});
    for (const f of fields) {
      const v = r[f] as number;
      m[`min_${f}`] = Math.min((m[`min_${f}`] as number | undefined) ?? Infinity, v);
      m[`max_${f}`] = Math.max((m[`max_${f}`] as number | undefined) ?? -Infinity, v);
      m[`last_${f}`] = v;
    }
  }
  return out;
}

function rollupMinutes(rows: readonly Row[], fields: readonly string[]): Record<number, Record<string, unknown>> {
  return Object.fromEntries(rows.map((r) => [r.time, Object.fromEntries(fields.flatMap((f) => ['min', 'max', 'last'].map((a) => [`${a}_${f}`, r[`${a}_${f}`]])))]));
}

describe('history tiers: what the continuous queries do not see', () => {
  const database = 'tiers';
  const dir = tempDir('influx');
  let influxd: RunningInfluxd;
  let gateway: Gateway;
  // The shop floor's clock: set to the past for the messages that arrive while InfluxDB is down.
  let clock = Date.now();
  const days: number[] = [];

  beforeAll(async () => {
    influxd = await startInfluxd({ dataDir: dir.path });
    // Raw points of three past days that no continuous query has rolled up, as in a database the gateway takes over.
    await query(influxd.url, database, `CREATE DATABASE ${database}`);
    const now = Date.now();
    const lines: string[] = [];
    for (const back of [3, 2, 1]) {
      const t0 = Math.floor((now - back * DAY) / MINUTE) * MINUTE + 7_000;
      days.push(t0);
      for (let i = 0; i < 6; i++) lines.push(`fdm_printer,device=bambu,line=line-a nozzle_temp=${200 + ((i * 37 + back * 11) % 50)},layer=${back * 100 + i}i ${t0 + i * 20_000}`);
      lines.push(`machine_state,device=bambu state="producing",reason="day ${back}" ${t0 + 1}`);
    }
    const res = await fetch(`${influxd.url}/write?db=${database}&precision=ms`, { method: 'POST', body: lines.join('\n') });
    expect(res.status).toBe(204);
    gateway = new Gateway(
      site,
      gatewayConfig({ influx: { url: influxd.url, database, flushIntervalMs: 50 }, spool: { dir: spoolDir() } }),
      new Telemetry(pino({ level: 'silent' })),
      { sources: [], http: false, clock: () => clock },
    );
    await gateway.start();
    // The rollup tier answers a long window only once the start's backfill is done.
    const history = gateway.historyStore!;
    await eventually(async () => (await history.changes(now - 4 * DAY, now, { devices: ['bambu'] }, 60)).tier === 'rollup', 60_000, 'retention set up and backfilled');
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await influxd?.stop();
    dir.remove();
  });

  it('sets up continuous queries that look back for late points, once: a second start changes nothing', async () => {
    const cqs = await query(influxd.url, database, 'SHOW CONTINUOUS QUERIES');
    expect(cqs.filter((c) => c.name === 'fieldlab_rollup_fdm_printer').map((c) => c.query)).toEqual([expect.stringContaining(' RESAMPLE FOR 10m BEGIN ')]);
    const logged: string[] = [];
    const again = new InfluxHistory(site, { url: influxd.url, database, retention: { ...gatewayConfig().history, manage: true, database } }, pino({ level: 'info' }, { write: (l: string) => void logged.push(l) }));
    await again.prepare();
    again.stop();
    expect(logged).toEqual([]); // nothing set up, nothing refused
  });

  it('fills in at start the rollups and event copies of past days that have none', async () => {
    const fields = ['nozzle_temp', 'layer'];
    for (const t0 of days) {
      const window = `time >= ${t0 - MINUTE}ms AND time < ${t0 + 5 * MINUTE}ms`;
      const raw = await query(influxd.url, database, `SELECT * FROM autogen.fdm_printer WHERE ${window}`);
      const rolled = await query(influxd.url, database, `SELECT * FROM ${ROLLUP}.fdm_printer WHERE ${window}`);
      expect(raw).toHaveLength(6);
      expect(rollupMinutes(rolled, fields), `rollups of the day at ${new Date(t0).toISOString()}`).toEqual(minutesOf(raw, fields));
      const events = await query(influxd.url, database, `SELECT * FROM ${ROLLUP}.machine_state WHERE ${window}`);
      expect(events.map((e) => [e.time, e.reason])).toEqual([[t0 + 1, expect.stringMatching(/^day \d$/)]]);
    }
  });

  it('rolls up points the spool delivered after InfluxDB was down, long after their time, and copies their events', async () => {
    await influxd.stop();
    // 40 minutes ago: older than the continuous queries and the event copies look back.
    const from = Date.now() - 40 * MINUTE;
    clock = from;
    const temps = [180, 215.5, 233.1, 199.9, 240.2, 226.4, 210, 251.3, 205.7, 238.8, 219.1, 230];
    const states = ['PREPARE', 'RUNNING', 'RUNNING', 'PAUSE', 'RUNNING', 'RUNNING', 'FAILED', 'IDLE', 'PREPARE', 'RUNNING', 'RUNNING', 'FINISH'];
    const errors = [0, 0, 0, 117473297, 117473297, 0, 0, 0, 0, 0, 0, 0];
    for (let i = 0; i < temps.length; i++) {
      clock = from + i * 15_000; // three minutes of a print
      const payload = { print: { gcode_state: states[i], print_error: errors[i], nozzle_temper: temps[i], mc_percent: i * 8, layer_num: i } };
      gateway.handle({ kind: 'mqtt', source: 'test', topic: 'device/S1/report', payload: Buffer.from(JSON.stringify(payload)), receivedAt: clock });
    }
    const to = clock;
    await eventually(() => gateway.telemetry.counts.writeErrors > 0, 10_000, 'a write to fail');
    influxd = await startInfluxd({ dataDir: dir.path, port: influxd.port });
    await gateway.flush();

    const window = `time >= ${from}ms AND time <= ${to}ms`;
    const raw = await query(influxd.url, database, `SELECT * FROM autogen.fdm_printer WHERE ${window}`);
    expect(raw).toHaveLength(temps.length);
    const fields = ['nozzle_temp', 'layer', 'progress'];
    const minute = `time >= ${Math.floor(from / MINUTE) * MINUTE}ms AND time <= ${to}ms`;
    const rawEvents = async (m: string) => (await query(influxd.url, database, `SELECT * FROM autogen.${m} WHERE ${window} GROUP BY *`)).map((r) => JSON.stringify(r));
    const [rawStates, rawAlarms] = [await rawEvents('machine_state'), await rawEvents('alarm')];
    expect(rawStates.length).toBeGreaterThan(3);
    expect(rawAlarms.length).toBeGreaterThan(0); // the filament run-out raised and cleared
    const want = minutesOf(raw, fields);
    expect(Object.keys(want).length).toBeGreaterThanOrEqual(3);
    const rolled = async () => rollupMinutes(await query(influxd.url, database, `SELECT * FROM ${ROLLUP}.fdm_printer WHERE ${minute}`), fields);
    const copies = async (m: string) => (await query(influxd.url, database, `SELECT * FROM ${ROLLUP}.${m} WHERE ${window} GROUP BY *`)).map((r) => JSON.stringify(r));
    // Filled in the background once the backlog is written: polled for, then compared (a timeout shows the difference).
    await eventually(async () => isDeepStrictEqual(await rolled(), want) && (await copies('alarm')).length === rawAlarms.length, 20_000).catch(() => undefined);
    expect(await rolled()).toEqual(want);
    expect(await copies('machine_state')).toEqual(rawStates);
    expect(await copies('alarm')).toEqual(rawAlarms);
  }, 90_000);
});

describe('history tiers: an InfluxDB that refuses retention setup', () => {
  const database = 'fieldlab';
  let influx: TestInflux;
  let gateway: Gateway;
  const lines: string[] = [];

  beforeAll(async () => {
    influx = await startTestInflux({ admin: { username: 'admin', password: 'admin-secret' } });
    const admin = influx.client(database);
    await admin.createDatabase(database);
    await admin.createUser('gateway', 'gateway-secret');
    // READ and WRITE, which InfluxDB calls ALL: a database has one privilege per user, so GRANT WRITE after READ would leave WRITE only.
    const grant = await fetch(`${influx.url}/query?u=admin&p=admin-secret`, { method: 'POST', body: new URLSearchParams({ q: `GRANT ALL ON "${database}" TO "gateway"` }) });
    expect(grant.status).toBe(200);
    gateway = new Gateway(
      site,
      gatewayConfig({ influx: { url: influx.url, database, username: 'gateway', password: 'gateway-secret', flushIntervalMs: 50 }, http: { host: '127.0.0.1', port: 0 }, spool: { dir: spoolDir() } }),
      new Telemetry(pino({ level: 'info' }, { write: (line: string) => void lines.push(line) })),
      { sources: [] },
    );
    await gateway.start();
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await influx?.stop();
  });

  const messages = () => lines.map((l) => (JSON.parse(l) as { msg: string }).msg);

  it('logs one clear line, writes as before and answers history from raw data', async () => {
    for (let i = 0; i < 10; i++) {
      const payload = { print: { gcode_state: i < 5 ? 'PREPARE' : 'RUNNING', print_error: 0, nozzle_temper: 200 + i, layer_num: i } };
      gateway.handle({ kind: 'mqtt', source: 'test', topic: 'device/S1/report', payload: Buffer.from(JSON.stringify(payload)), receivedAt: Date.now() });
    }
    await gateway.flush();
    const refused = (m: string) => m.startsWith('history: InfluxDB did not let the gateway set up retention and rollups');
    await eventually(() => messages().some(refused), 15_000, 'the refusal logged');
    const line = messages().filter(refused);
    expect(line).toHaveLength(1);
    expect(line[0]).toMatch(/requires admin privilege.*\); history answers from raw data only$/);
    expect(messages().filter((m) => m.startsWith('history: retention set up'))).toEqual([]);

    const get = async <T,>(path: string) => {
      const res = await fetch(`${gateway.httpAddress()}${path}`);
      return { status: res.status, body: (await res.json()) as T };
    };
    const last = Date.now();
    const at = await get<HistoryAt>(`/api/history/at?t=${last}&device=bambu`);
    expect(at.status).toBe(200);
    expect(at.body.tier).toBe('raw');
    expect(at.body.devices[0]!.values).toMatchObject({ nozzle_temp: 209, layer: 9, job_state: 'RUNNING' });
    // Two days stepped would come from the rollups, were there any.
    const changes = await get<HistoryChanges>(`/api/history/changes?from=${last - 2 * DAY}&to=${last}&device=bambu&step=3600`);
    expect(changes.status).toBe(200);
    expect(changes.body.tier).toBe('raw');
    const steps = changes.body.devices[0]!.steps!;
    expect(Math.max(...steps.map((s) => s.max.nozzle_temp!))).toBe(209);
    expect(Math.min(...steps.map((s) => s.min.nozzle_temp!))).toBe(200);
    expect(changes.body.events.filter((e) => e.kind === 'state').length).toBeGreaterThan(0);
    expect((await fetch(`${gateway.httpAddress()}/healthz`)).status).toBe(200);
  });
});
