// The history API against a real influxd, with history written by the gateway's own path:
// a recording sink beside the InfluxDB sink keeps every point the gateway stored, which is
// the ground truth each answer is checked against, at many random instants.
import { spawn } from 'node:child_process';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayConfig } from '../../gateway/src/config.ts';
import type { HistoryAt, HistoryChanges, TimelineMark } from '../../gateway/src/core/history.ts';
import type { Point, Value } from '../../gateway/src/core/reading.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { InfluxHistory } from '../../gateway/src/history/influx-history.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { InfluxDbSink } from '../../gateway/src/sinks/influxdb/influxdb-sink.ts';
import { testSite } from '../support/fixtures.ts';
import { sleep, spoolDir, startTestInflux, type TestInflux } from '../support/services.ts';
import { TestSink } from '../support/test-sink.ts';
import { applyEvents, insightOf } from '../../twin-viewer/src/replay/history-answers.ts';

const site = testSite([
  { id: 'bambu', profile: 'bambu-lab-fdm', topicId: 'S1' },
  { id: 'bambu-2', profile: 'bambu-lab-fdm', topicId: 'S2' },
]);
const LOOKBACK_MS = 60_000; // the Bambu profile's states.offlineAfterSeconds
const STATES = ['IDLE', 'PREPARE', 'RUNNING', 'PAUSE', 'FINISH', 'FAILED'];
const CODES = [0, 0, 0, 117473297, 201342978];

describe('history API', () => {
  let influx: TestInflux;
  let gateway: Gateway;
  const stored: Point[] = [];
  let first = 0;
  let last = 0;
  const get = async <T,>(path: string) => {
    const res = await fetch(`${gateway.httpAddress()}${path}`);
    return { status: res.status, body: (await res.json()) as T };
  };

  beforeAll(async () => {
    influx = await startTestInflux();
    const database = 'history';
    const recorder = new TestSink<Point>({ name: 'recorder', record: (p) => p });
    gateway = new Gateway(
      site,
      gatewayConfig({ influx: { url: influx.url, database, flushIntervalMs: 50 }, http: { host: '127.0.0.1', port: 0 }, spool: { dir: spoolDir() } }),
      new Telemetry(pino({ level: 'silent' })),
      { sources: [], sinks: [new InfluxDbSink({ url: influx.url, database }), recorder], history: new InfluxHistory(site, { url: influx.url, database }) },
    );
    await gateway.start();
    // bambu-2 starts late and stops early: instants before and long after it have no data.
    const rand = fc.sample(fc.record({ device: fc.constantFrom('S1', 'S1', 'S2'), state: fc.constantFrom(...STATES), code: fc.constantFrom(...CODES), temp: fc.double({ min: 20, max: 260, noNaN: true }), progress: fc.integer({ min: 0, max: 100 }) }), { numRuns: 160, seed: 11 });
    first = Date.now();
    for (const [i, r] of rand.entries()) {
      const topic = `device/${i < 20 ? 'S1' : r.device}/report`;
      const payload = { print: { gcode_state: r.state, print_error: r.code, nozzle_temper: Math.round(r.temp * 10) / 10, mc_percent: r.progress, layer_num: i } };
      gateway.handle({ kind: 'mqtt', source: 'test', topic, payload: Buffer.from(JSON.stringify(payload)), receivedAt: Date.now() });
      if (i % 25 === 7) {
        // A person acknowledges after the message, never in the same millisecond (InfluxDB orders ties by series, not by arrival).
        await sleep(2);
        gateway.floor.acknowledgeAlarm('bambu', 'firmware_error', 'tess');
      }
      await sleep(3); // event points of one device stay apart in time, as in any real run
    }
    last = Date.now();
    await gateway.flush();
    stored.push(...recorder.batches.flat());
  }, 90_000);
  afterAll(async () => {
    await gateway?.stop();
    await influx?.stop();
  });

  /** What the gateway stored, as of `t`. */
  function truth(t: number) {
    const before = stored.filter((p) => p.time <= t);
    const lastOf = (measurement: string, key: (p: Point) => string) => {
      const m = new Map<string, Point>();
      for (const p of before) if (p.series.measurement === measurement && (!m.has(key(p)) || m.get(key(p))!.time <= p.time)) m.set(key(p), p);
      return m;
    };
    const devicePoints = lastOf('fdm_printer', (p) => p.series.tags.device!);
    const states = lastOf('machine_state', (p) => p.series.tags.device!);
    const alarms = lastOf('alarm', (p) => `${p.series.tags.device}/${p.series.tags.alarm}`);
    return {
      devices: site.devices.map((d) => {
        const p = devicePoints.get(d.id);
        const fresh = p !== undefined && t - p.time <= LOOKBACK_MS;
        return { id: d.id, time: fresh ? p.time : null, values: fresh ? (p.fields as Record<string, Value>) : null, lastSeen: p?.time ?? null };
      }),
      states: Object.fromEntries([...states].map(([d, p]) => [d, { state: p.fields.state, since: p.time }])),
      alarms: [...alarms.values()].filter((p) => p.fields.active === true || p.fields.acknowledged !== true).map((p) => `${p.series.tags.device}/${p.series.tags.alarm}@${p.time}`).sort(),
    };
  }

  it('wrote a history with states, alarms and acknowledgements to check against', () => {
    const kinds = new Set(stored.map((p) => `${p.series.measurement}:${p.series.tags.event ?? ''}`));
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['alarm:acknowledged', 'alarm:cleared', 'alarm:raised', 'fdm_printer:', 'machine_state:']));
    expect(stored.filter((p) => p.series.measurement === 'machine_state').length).toBeGreaterThan(20);
  });

  it('answers the state at any instant as the gateway stored it: values within the look-back, states and alarms from their events', async () => {
    const instants = fc.sample(fc.integer({ min: first - 2000, max: last + LOOKBACK_MS + 5000 }), { numRuns: 60, seed: 3 });
    // The edges matter most: exactly at a stored point, and just after the look-back ends.
    const some = stored.filter((p) => p.series.measurement === 'fdm_printer').slice(0, 5);
    instants.push(...some.map((p) => p.time), last + LOOKBACK_MS - 1, last + LOOKBACK_MS + 1);
    for (const t of instants) {
      const { status, body } = await get<HistoryAt>(`/api/history/at?t=${new Date(t).toISOString()}`);
      expect(status).toBe(200);
      const want = truth(t);
      expect(body.devices, `devices at ${t}`).toEqual(want.devices);
      expect(Object.fromEntries(body.states.map((s) => [s.device, { state: s.state, since: s.since }])), `states at ${t}`).toEqual(want.states);
      expect(body.alarms.map((a) => `${a.device}/${a.alarm}@${a.lastEventAt}`).sort(), `alarms at ${t}`).toEqual(want.alarms);
    }
  });

  it('reports a device silent at the instant without data, never with an old value', async () => {
    const { body } = await get<HistoryAt>(`/api/history/at?t=${last + LOOKBACK_MS + 10_000}&device=bambu`);
    expect(body.devices).toEqual([{ id: 'bambu', time: null, values: null, lastSeen: expect.any(Number) }]);
    const before = await get<HistoryAt>(`/api/history/at?t=${first - 5000}`);
    expect(before.body.devices.every((d) => d.values === null && d.lastSeen === null)).toBe(true);
    expect(before.body.states).toEqual([]);
  });

  it('gives a short window raw, a long one stepped (last/min/max of numbers, every change of the rest), and the marks', async () => {
    const raw = await get<HistoryChanges>(`/api/history/changes?from=${first - 1000}&to=${last + 1000}&device=bambu`);
    const points = stored.filter((p) => p.series.measurement === 'fdm_printer' && p.series.tags.device === 'bambu');
    expect(raw.body.step).toBeNull();
    expect(raw.body.devices[0]!.points.map((p) => p.t)).toEqual(points.map((p) => p.time));
    expect(raw.body.devices[0]!.points.map((p) => p.v)).toEqual(points.map((p) => p.fields));
    const stepped = await get<HistoryChanges>(`/api/history/changes?from=${first - 1000}&to=${last + 1000}&device=bambu&step=1`);
    expect(stepped.body.step).toBe(1);
    const steps = stepped.body.devices[0]!.steps!;
    const temps = points.map((p) => p.fields.nozzle_temp as number);
    expect(Math.max(...steps.map((s) => s.max.nozzle_temp!))).toBe(Math.max(...temps));
    expect(Math.min(...steps.map((s) => s.min.nozzle_temp!))).toBe(Math.min(...temps));
    expect(steps.at(-1)!.last.nozzle_temp).toBe(temps.at(-1));
    // A player's stepped window: the same last values, no min or max, and smaller.
    const lean = (await get<HistoryChanges>(`/api/history/changes?from=${first - 1000}&to=${last + 1000}&device=bambu&step=1&only=last`)).body;
    expect(lean.devices[0]!.steps!.map((s) => [s.t, s.last, s.min, s.max])).toEqual(steps.map((s) => [s.t, s.last, {}, {}]));
    expect(lean.devices[0]!.points).toEqual(stepped.body.devices[0]!.points);
    expect(JSON.stringify(lean.devices[0]!.steps).length).toBeLessThan(JSON.stringify(steps).length * 0.6);
    // Strings only where they changed: as many as the job state changed in the stored points.
    const jobChanges = points.filter((p, i) => i === 0 || p.fields.job_state !== points[i - 1]!.fields.job_state).length;
    expect(stepped.body.devices[0]!.points.filter((p) => 'job_state' in p.v)).toHaveLength(jobChanges);
    const marks = await get<{ marks: TimelineMark[] }>(`/api/history/marks?from=${first - 1000}&to=${last + 1000}&device=bambu`);
    const states = stored.filter((p) => p.series.measurement === 'machine_state' && p.series.tags.device === 'bambu');
    expect(marks.body.marks.filter((m) => m.kind === 'state').map((m) => [m.t, m.state])).toEqual(states.map((p) => [p.time, p.fields.state]));
    const alarmEvents = stored.filter((p) => p.series.measurement === 'alarm' && p.series.tags.device === 'bambu');
    // Two alarms may change at one instant: compared as sets.
    const byKey = (a: unknown[], b: unknown[]) => JSON.stringify(a).localeCompare(JSON.stringify(b));
    expect(marks.body.marks.filter((m) => m.kind.startsWith('alarm')).map((m) => [m.t, m.kind, m.alarm, m.severity, m.by]).sort(byKey)).toEqual(
      alarmEvents.map((p) => [p.time, `alarm_${p.series.tags.event}`, p.series.tags.alarm, p.series.tags.severity, p.fields.by || undefined]).sort(byKey),
    );
    expect(marks.body.marks.some((m) => m.kind === 'alarm_raised')).toBe(true);
    expect(raw.body.devices[0]!.lookbackMs).toBeGreaterThan(0);
  });

  it("the viewer's replay, applying a window's events to the state at its start, reaches the state the API gives at its end", async () => {
    // What a playing viewer does between two seeks: it must agree with a seek at any instant.
    const pairs = fc.sample(fc.tuple(fc.integer({ min: first - 1000, max: last + 1000 }), fc.integer({ min: 1, max: last - first + 2000 })), { numRuns: 25, seed: 5 });
    // And each alarm event on its own, where the listing rules bite (an acknowledgement after a clear, a clear after one).
    for (const p of stored) if (p.series.measurement === 'alarm') pairs.push([p.time - 1, 2]);
    for (const [t1, span] of pairs) {
      const t2 = t1 + span;
      const [start, end, window] = await Promise.all([
        get<HistoryAt>(`/api/history/at?t=${t1}`),
        get<HistoryAt>(`/api/history/at?t=${t2}`),
        get<HistoryChanges>(`/api/history/changes?from=${t1}&to=${t2}`),
      ]);
      expect(window.status).toBe(200);
      const played = applyEvents(insightOf(start.body), window.body.events.filter((e) => e.t > t1));
      const seeked = insightOf(end.body);
      expect(played.states, `states from ${t1} to ${t2}`).toEqual(seeked.states);
      const key = (a: (typeof played.alarms)[number]) => `${a.device}/${a.alarm} raised ${a.raisedAt} cleared ${a.clearedAt} by ${a.acknowledgedBy}`;
      expect(played.alarms.map(key).sort(), `alarms from ${t1} to ${t2}`).toEqual(seeked.alarms.map(key).sort());
    }
  });

  it('refuses injection through every parameter with a 400 and a coded error, and the data is still there', async () => {
    const attacks = ["x' OR 1=1 --", 'bambu"; DROP DATABASE "history', "bambu';DROP MEASUREMENT fdm_printer;--", '\\', '/.*/', "0) OR (time > 0"];
    const now = new Date(last).toISOString();
    for (const a of attacks) {
      const e = encodeURIComponent(a);
      for (const path of [
        `/api/history/at?t=${e}`,
        `/api/history/at?t=${now}&device=${e}`,
        `/api/history/at?t=${now}&line=${e}`,
        `/api/history/changes?from=${e}&to=${now}`,
        `/api/history/changes?from=${first}&to=${e}`,
        `/api/history/changes?from=${first}&to=${last}&step=${e}`,
        `/api/history/changes?from=${first}&to=${last}&step=60&only=${e}`,
        `/api/history/marks?from=${first}&to=${last}&device=${e}`,
        `/api/history/at?t=${now}&${e}=1`,
      ]) {
        const res = await get<{ code: string; message: string }>(path);
        expect({ path, status: res.status }).toEqual({ path, status: 400 });
        expect(res.body.code).toMatch(/^FL_(BAD_REQUEST|HISTORY_WINDOW|UNKNOWN_DEVICE|UNKNOWN_LINE)$/);
      }
    }
    const rows = await influx.client('history').query('SELECT count(layer) FROM fdm_printer');
    expect(rows[0]).toMatchObject({ count: stored.filter((p) => p.series.measurement === 'fdm_printer').length });
  });

  it('prints the state table at an instant from the CLI (fieldlab history at)', async () => {
    const t = new Date(last).toISOString();
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/cli/main.ts', 'history', 'at', ...args, '--gateway', gateway.httpAddress()!], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.once('exit', (code) => resolve({ code, out, err }));
      });
    const ok = await run([t, '--device', 'bambu']);
    expect(ok.code).toBe(0);
    const want = truth(last);
    const state = want.states.bambu!.state as string;
    const row = ok.out.split('\n').find((l) => l.startsWith('bambu '))!;
    expect(row).toContain(state);
    expect(row).toContain(`layer=${want.devices[0]!.values!.layer}`);
    expect(ok.out).not.toMatch(/^bambu-2 /m);
    const bad = await run([t, '--device', 'nope']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('FL_UNKNOWN_DEVICE');
  });

  it('sets up retention and 1-minute rollups, idempotently, and the rollups agree with raw data', async () => {
    const database = 'history';
    const retention = { manage: true, database, rawRetention: '30d', rollupRetention: '52w', rollupPolicy: 'fieldlab_rollup' };
    const raw = new InfluxHistory(site, { url: influx.url, database, retention });
    const rolled = new InfluxHistory(site, { url: influx.url, database, retention, rollupSpanMs: 0 });
    await raw.prepare();
    await rolled.prepare(); // the second finds everything in place
    await rolled.fillRollups(first - 60_000, last + 120_000);
    const db = influx.client(database);
    const policies = await db.query<{ name: string; duration: string; default: boolean }>('SHOW RETENTION POLICIES');
    expect(policies.map((p) => [p.name, p.duration, p.default])).toEqual(expect.arrayContaining([['autogen', '720h0m0s', true], ['fieldlab_rollup', '8736h0m0s', false]]));
    const cqs = (await db.queryRaw('SHOW CONTINUOUS QUERIES')) as { results: { series: { name: string; values?: string[][] }[] }[] };
    const ours = cqs.results[0]!.series.find((x) => x.name === database)!.values!.map((v) => v[0]);
    expect(ours).toEqual(['fieldlab_rollup_fdm_printer']); // once, though set up twice

    const [a, b] = await Promise.all([raw.changes(first - 60_000, last + 60_000, { devices: ['bambu'] }, 60), rolled.changes(first - 60_000, last + 60_000, { devices: ['bambu'] }, 60)]);
    expect([a.tier, b.tier]).toEqual(['raw', 'rollup']);
    expect(b.devices[0]!.steps!.length).toBeGreaterThan(0);
    expect(b.devices[0]!.steps).toEqual(a.devices[0]!.steps);
    // Event measurements are copied point for point: the same marks from either tier.
    const [ma, mb] = await Promise.all([raw.marks(first - 1000, last + 1000, { devices: ['bambu'] }), rolled.marks(first - 1000, last + 1000, { devices: ['bambu'] })]);
    expect(mb.marks).toEqual(ma.marks);
    expect(ma.marks.length).toBeGreaterThan(10);
    raw.stop();
    rolled.stop();
  });

  it('bounds every window', async () => {
    expect((await get(`/api/history/changes?from=${last}&to=${first}`)).status).toBe(400);
    expect((await get(`/api/history/marks?from=0&to=${32 * 86_400_000}`)).status).toBe(400);
  });
});
