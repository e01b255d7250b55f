// The experiments API on a real gateway (HTTP on a free port) over a real influxd, with a
// test engine in the worker (test/support/test-engine.ts): submit → 202 → done, bad bodies
// refused before anything is queued, one at a time in submission order, cancelling ends the
// worker, a failing engine fails only its experiment, results survive a restart (and an
// interrupted one runs again), and ingest goes on at full pace while an engine burns CPU.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { gatewayConfig } from '../../gateway/src/config.ts';
import type { ExperimentDetail, ExperimentSummary } from '../../gateway/src/core/experiments.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { Experiments } from '../../gateway/src/experiments/experiments.ts';
import { influxRecordReader } from '../../gateway/src/experiments/recorded-from-influx.ts';
import { InfluxHistory } from '../../gateway/src/history/influx-history.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { InfluxDbSink } from '../../gateway/src/sinks/influxdb/influxdb-sink.ts';
import { writeLineHistory, writeLines, type WrittenHistory } from '../support/recorded-history.ts';
import { sleep, spoolDir, startTestInflux, tempDir, type TestInflux } from '../support/services.ts';
import { TEST_ENGINE } from '../support/test-engine.ts';
import { engineerToken } from '../support/auth.ts';

const site = loadSite();
const HOUR = 3_600_000;
const silent = pino({ level: 'silent' });
const login = engineerToken();

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('experiments API', () => {
  let influx: TestInflux;
  let gateway: Gateway;
  let history: WrittenHistory;
  const store = tempDir('experiments');
  const database = 'experiments';
  const from = Date.now() - 3 * HOUR;
  const to = Date.now() - HOUR;

  const startGateway = async () => {
    const g = new Gateway(site, gatewayConfig({ influx: { url: influx.url, database, flushIntervalMs: 50 }, http: { host: '127.0.0.1', port: 0 }, spool: { dir: spoolDir() }, auth: { usersFile: login.file } }), new Telemetry(silent), {
      sources: [],
      sinks: [new InfluxDbSink({ url: influx.url, database })],
      history: new InfluxHistory(site, { url: influx.url, database }),
      alarmHistory: false,
      experiments: new Experiments({ site, engine: TEST_ENGINE, dir: store.path, readRecord: influxRecordReader(site, { url: influx.url, database }), log: silent }),
    });
    await g.start();
    return g;
  };
  const api = async <T,>(method: string, path: string, body?: unknown, raw?: string) => {
    const res = await fetch(`${gateway.httpAddress()}${path}`, { method, headers: { ...login.headers, ...(body !== undefined || raw ? { 'content-type': 'application/json' } : {}) }, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
    return { status: res.status, location: res.headers.get('location'), body: (await res.json()) as T };
  };
  const detail = async (id: string) => (await api<ExperimentDetail>('GET', `/api/experiments/${id}`)).body;
  const finished = (id: string) => eventually(async () => ((d) => (['done', 'failed', 'cancelled'].includes(d.status) ? d : undefined))(await detail(id)), `experiment ${id} to finish`);
  const submit = async (scenario: Record<string, unknown>) => {
    const res = await api<ExperimentSummary>('POST', '/api/experiments', { line: 'streetlight', ...scenario });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body;
  };

  beforeAll(async () => {
    influx = await startTestInflux();
    history = writeLineHistory(site.site.id, 'streetlight', [
      { device: 'printer-01', station: 'printing', kind: 'fdm-printer', cycle: [200, 280], faultShare: 0.2, repair: [60, 300] },
      { device: 'robot-02', station: 'packing', kind: 'robot-arm', cycle: [200, 280], faultShare: 0.1, repair: [20, 120] },
    ], from, to, 'S-1', 3);
    await writeLines(influx.url, database, history.lines);
    gateway = await startGateway();
  }, 60_000);
  afterAll(async () => {
    await gateway?.stop();
    await influx?.stop();
    store.remove();
  });

  it('answers 202 with an id, runs the experiment in a worker and gives its result when done', async () => {
    const res = await api<ExperimentSummary>('POST', '/api/experiments', { line: 'streetlight', changes: [{ station: 'printing', machines: 2 }], seed: 9 });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'queued', progress: 0, line: 'streetlight', calibration: { from, to, series: 'S-1', hash: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(res.location).toBe(`/api/experiments/${res.body.id}`);
    const done = await finished(res.body.id);
    const good = history.truth.get('robot-02')!.produced / ((to - from) / HOUR);
    expect(done).toMatchObject({ status: 'done', progress: 1, error: null, scenario: { line: 'streetlight', seed: 9, burnMs: 0 } });
    expect(done.result).toMatchObject({ baseline: { goodPerHour: { mean: expect.closeTo(good, 9) } }, scenario: { goodPerHour: { mean: expect.closeTo(good + 2, 9) } }, seed: 9, site: site.site.id });
    expect((done.result as { machines: string[] }).machines).toContain('printer-01');
    expect(done.startedAt! >= done.createdAt && done.finishedAt! >= done.startedAt!).toBe(true);
  });

  it('refuses bad bodies with a coded 400 naming the path, and queues nothing', async () => {
    const before = (await api<ExperimentSummary[]>('GET', '/api/experiments')).body.length;
    const bad = async (body: unknown, code: string, text: string, raw?: string) => {
      const res = await api<{ code: string; message: string }>('POST', '/api/experiments', body, raw);
      expect([res.status, res.body.code], JSON.stringify(res.body)).toEqual([400, code]);
      expect(res.body.message).toContain(text);
    };
    await bad(undefined, 'FL_BAD_REQUEST', 'JSON', '{"line": ');
    await bad([], 'FL_SCENARIO_INVALID', 'scenario');
    await bad({ changes: [] }, 'FL_SCENARIO_INVALID', 'line');
    await bad({ line: 'streetlight', changes: [{ station: 'printing', machines: -1 }] }, 'FL_SCENARIO_INVALID', 'changes.0.machines');
    await bad({ line: 'streetlight', changes: [{ station: 'paint-shop', machines: 1 }] }, 'FL_SCENARIO_INVALID', 'changes.0.station');
    await bad({ line: 'streetlight', calibration: { from: 'yesterday' } }, 'FL_SCENARIO_INVALID', 'calibration.from');
    await bad({ line: 'no-such-line' }, 'FL_UNKNOWN_LINE', 'no-such-line');
    await bad({ line: 'streetlight', calibration: { from: new Date(from - 10 * HOUR).toISOString(), to: new Date(from - 9 * HOUR).toISOString() } }, 'FL_CALIBRATION_EMPTY', 'no parts');
    await bad({ line: 'streetlight', calibration: { from: to, to: from } }, 'FL_CALIBRATION_WINDOW', 'after');
    expect((await api<ExperimentSummary[]>('GET', '/api/experiments')).body).toHaveLength(before);
  });

  it('answers 404 for an unknown id, 409 for cancelling a finished one', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await api<{ code: string }>(method, '/api/experiments/20260101-000000-abcdef');
      expect([res.status, res.body.code]).toEqual([404, 'FL_EXPERIMENT_NOT_FOUND']);
    }
    const done = await finished((await submit({})).id);
    const res = await api<{ code: string }>('DELETE', `/api/experiments/${done.id}`);
    expect([res.status, res.body.code]).toEqual([409, 'FL_EXPERIMENT_FINISHED']);
  });

  it('keeps ingest going while an engine burns CPU in its worker, and reports progress', async () => {
    const { id } = await submit({ burnMs: 6000 });
    await eventually(async () => ((await detail(id)).status === 'running' ? true : undefined), 'running');
    // Messages through the gateway's own path every 5 ms while the engine burns. Were the
    // engine on this thread, none would be handled until it finished: so each is handled,
    // and the experiment is still running after all of them (an order, not a time limit).
    let sent = 0;
    const progress = new Set<number>();
    const started = Date.now();
    while (Date.now() - started < 1500) {
      const payload = { print: { nozzle_temper: 200 + (sent % 50), gcode_state: 'RUNNING', mc_percent: sent % 100 } };
      gateway.handle({ kind: 'mqtt', source: 'test', topic: 'device/01P00A3B0600123/report', payload: Buffer.from(JSON.stringify(payload)), receivedAt: Date.now() });
      sent++;
      if (sent % 20 === 0) progress.add((await detail(id)).progress);
      await sleep(5);
    }
    const printer = site.devices.find((d) => d.id === 'printer-04')!;
    expect(gateway.state.valuesOf(printer).nozzle_temp).toBe(200 + ((sent - 1) % 50));
    expect(sent).toBeGreaterThan(40);
    expect((await detail(id)).status).toBe('running');
    const done = await eventually(async () => {
      const d = await detail(id);
      progress.add(d.progress);
      return d.status === 'done' ? d : undefined;
    }, 'the burning experiment to finish', 30_000);
    expect(done.status).toBe('done');
    expect([...progress].filter((p) => p > 0 && p < 1).length).toBeGreaterThan(1);
  });

  it('runs one at a time in order; DELETE cancels a running one and its worker stops', async () => {
    const beat = join(store.path, '..', `heartbeat-${process.pid}`);
    const long = await submit({ burnMs: 30_000, heartbeat: beat });
    const next = await submit({});
    await eventually(async () => (existsSync(beat) ? true : undefined), 'the engine to beat');
    expect((await detail(next.id)).status).toBe('queued');
    const res = await api<ExperimentSummary>('DELETE', `/api/experiments/${long.id}`);
    expect([res.status, res.body.status]).toEqual([200, 'cancelled']);
    const beats = readFileSync(beat, 'utf8');
    await sleep(300);
    expect(readFileSync(beat, 'utf8')).toBe(beats);
    expect((await detail(long.id)).status).toBe('cancelled');
    expect((await finished(next.id)).status).toBe('done');
    const list = (await api<ExperimentSummary[]>('GET', '/api/experiments')).body;
    expect(list.map((e) => e.id).slice(0, 2)).toEqual([next.id, long.id]);
  });

  it('fails only the experiment whose engine throws, with a coded error', async () => {
    const failed = await finished((await submit({ fail: true })).id);
    expect(failed).toMatchObject({ status: 'failed', result: null, error: { code: 'FL_EXPERIMENT_FAILED', message: expect.stringContaining('asked to fail') } });
    expect((await finished((await submit({})).id)).status).toBe('done');
  });

  it('keeps experiments and results across a restart, and runs an interrupted one again', async () => {
    const before = (await api<ExperimentSummary[]>('GET', '/api/experiments')).body;
    const done = await detail(before.find((e) => e.status === 'done')!.id);
    const interrupted = await submit({ burnMs: 1000 });
    await eventually(async () => ((await detail(interrupted.id)).status === 'running' ? true : undefined), 'running');
    await gateway.stop();
    gateway = await startGateway();
    const after = (await api<ExperimentSummary[]>('GET', '/api/experiments')).body;
    expect(after.map((e) => e.id)).toEqual([interrupted.id, ...before.map((e) => e.id)]);
    expect(await detail(done.id)).toEqual(done);
    const rerun = await finished(interrupted.id);
    expect(rerun.status).toBe('done');
    expect(rerun.calibration).toEqual(interrupted.calibration);
  });

  it('runs from the CLI to done, --json as the API answers it, and lists it', async () => {
    // The table of figures is the real engine's (experiments-engine.test.ts checks it); here the CLI's own part.
    const file = join(store.path, '..', `scenario-${process.pid}.yaml`);
    writeFileSync(file, 'line: streetlight\nchanges:\n  - { station: printing, machines: 2 }\nseed: 4\n');
    // Not spawnSync: the gateway answering it runs on this thread.
    const cli = (...args: string[]) => promisify(execFile)(process.execPath, ['--import', 'tsx', 'gateway/src/cli/main.ts', 'experiment', ...args, '--gateway', gateway.httpAddress()!], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, FIELDLAB_TOKEN: login.headers.authorization.slice('Bearer '.length) } });
    const run = await cli('run', file, '--json');
    const answer = JSON.parse(run.stdout) as ExperimentDetail;
    expect(answer.status).toBe('done');
    expect(answer).toEqual(await detail(answer.id));
    const list = await cli('list');
    expect(list.stdout.split('\n')[1]).toMatch(/^\d{8}-\d{6}-[0-9a-f]{6}\s+done\s+100 %\s+streetlight/);
  });
});

describe('experiments without InfluxDB', () => {
  it('answers 503 with a code', async () => {
    const gateway = new Gateway(site, gatewayConfig({ http: { host: '127.0.0.1', port: 0 }, spool: { dir: spoolDir() }, auth: { usersFile: login.file } }), new Telemetry(silent), { sources: [], sinks: [], history: false, alarmHistory: false });
    await gateway.start();
    try {
      for (const [method, path] of [['GET', '/api/experiments'], ['POST', '/api/experiments'], ['GET', '/api/experiments/x'], ['DELETE', '/api/experiments/x']] as const) {
        const res = await fetch(`${gateway.httpAddress()}${path}`, { method, headers: { ...login.headers, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) }, body: method === 'POST' ? '{"line": "streetlight"}' : undefined });
        expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([503, 'FL_EXPERIMENTS_UNAVAILABLE']);
      }
    } finally {
      await gateway.stop();
    }
  });
});
