// A virtual experiment end to end, with nothing stood in: the demo line's previous shift is
// written into a real influxd by the line's own models through a gateway's path (as `npm run
// demo` writes it), a gateway with the real engine reads the line's record from it, and a
// scenario posted over REST runs in the worker thread to a result with intervals, a
// validation against the record and the bottleneck. The same request again gives the same
// numbers; a scenario naming a station the line lacks is refused before anything is queued.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSite } from '../../device-profiles/schema/load.ts';
import type { ExperimentDetail, ExperimentSummary } from '../../gateway/src/core/experiments.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import type { ExperimentResult } from '../../simulators/src/experiments/run-experiment.ts';
import { demoSiteFile } from '../support/fixtures.ts';
import { recordDemoPast } from '../support/recorded-demo.ts';
import { eventually, startTestInflux, tempDir, type TestInflux } from '../support/services.ts';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { engineerToken } from '../support/auth.ts';

const HOURS = 2;

describe('a virtual experiment on the recorded demo line (real engine, real influxd)', () => {
  const log = pino({ level: 'silent' });
  const dir = tempDir('experiment-e2e');
  let influx: TestInflux;
  let gateway: Gateway;
  let recorded: { good: number; hours: number };
  const login = engineerToken();

  const api = async <T,>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${gateway.httpAddress()}${path}`, { method, headers: { ...login.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as T };
  };
  const run = async (scenario: Record<string, unknown>): Promise<ExperimentResult> => {
    const posted = await api<ExperimentSummary>('POST', '/api/experiments', scenario);
    expect(posted.status, JSON.stringify(posted.body)).toBe(202);
    let done: ExperimentDetail | undefined;
    await eventually(async () => {
      done = (await api<ExperimentDetail>('GET', `/api/experiments/${posted.body.id}`)).body;
      return done.status !== 'queued' && done.status !== 'running';
    }, 90_000, 'the experiment to finish');
    expect(done!.status, JSON.stringify(done)).toBe('done');
    return done!.result as ExperimentResult;
  };

  beforeAll(async () => {
    influx = await startTestInflux();
    const site = loadSite(demoSiteFile(dir.path, [1, 2]));
    const { config } = await recordDemoPast(site, log, { influxUrl: influx.url, database: 'experiments', dir: dir.path, hours: HOURS });
    // What the record says the line made: the finished series' good parts over its time.
    const rows = await influx.client('experiments').query<{ good: number }>(`SELECT good FROM production_series WHERE event = 'stop'`);
    recorded = { good: rows[0]!.good, hours: HOURS };
    gateway = new Gateway(site, gatewayConfig({ ...config, auth: { usersFile: login.file } }), new Telemetry(log), { sources: [] });
    await gateway.start();
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await influx?.stop();
    dir.remove();
  });

  it('answers "a fifth printer?" with intervals, a validation against the record and the bottleneck', async () => {
    const result = await run({ name: 'fifth printer', line: 'streetlight', changes: [{ station: 'printing', add: 1, like: 'printer-04' }], horizon: { hours: 8 }, replications: 6, seed: 7 });
    const { baseline, validation, differences, bottleneck, calibration } = result;
    const scenario = result.scenario!;
    for (const g of [baseline.goodPerHour, scenario.goodPerHour]) {
      expect(g.mean).toBeGreaterThan(0);
      expect(g.ci95[0]).toBeLessThanOrEqual(g.mean);
      expect(g.ci95[1]).toBeGreaterThanOrEqual(g.mean);
    }
    // The validation compares with the record the gateway read: the series' good parts over its hours.
    expect(validation.recordedGoodPerHour).toBeCloseTo(recorded.good / recorded.hours, 0);
    expect(typeof validation.withinTolerance).toBe('boolean');
    expect(differences).toBeDefined();
    expect(bottleneck.before).toBeDefined();
    expect(bottleneck.after).toBeDefined();
    expect(calibration).toBeDefined();
    // Reproducible: the same scenario, seed and record give the same numbers.
    const again = await run({ name: 'fifth printer', line: 'streetlight', changes: [{ station: 'printing', add: 1, like: 'printer-04' }], horizon: { hours: 8 }, replications: 6, seed: 7 });
    expect(again.inputHash).toBe(result.inputHash);
    expect(again.scenario!.goodPerHour).toEqual(scenario.goodPerHour);
    expect(again.baseline.goodPerHour).toEqual(result.baseline.goodPerHour);
  }, 180_000);

  it('runs from the CLI with a scenario file, printing the figures the API gives', async () => {
    const file = join(dir.path, 'robot.yaml');
    writeFileSync(file, 'name: faster unloading\nline: streetlight\nchanges:\n  - { machine: robot-01, cycle: { factor: 0.7 } }\nhorizon: { hours: 8 }\nreplications: 4\nseed: 3\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'gateway/src/cli/main.ts', 'experiment', 'run', file, '--gateway', gateway.httpAddress()!], { timeout: 120_000, env: { ...process.env, FIELDLAB_TOKEN: login.headers.authorization.slice('Bearer '.length) } });
    const id = /experiment (\S+) on line streetlight: done/.exec(stdout)?.[1];
    expect(id, stdout).toBeDefined();
    const result = (await api<ExperimentDetail>('GET', `/api/experiments/${id}`)).body.result as ExperimentResult;
    expect(stdout).toContain(`baseline${' '.repeat(22)}${result.baseline.goodPerHour.mean.toFixed(1).padStart(9)}`);
    expect(stdout).toContain(`faster unloading`);
    expect(stdout).toMatch(/difference\s+[+-]?\d+\.\d\s+\[/);
    expect(stdout).toContain(`recorded ${result.validation.recordedGoodPerHour.toFixed(1)} good/h`);
    expect(stdout).toMatch(/bottleneck: printing/);
  }, 180_000);

  it('refuses an unknown station, a negative cycle time and an empty calibration window, with the path and a code, queueing nothing', async () => {
    const res = await api<{ code: string; message: string }>('POST', '/api/experiments', { line: 'streetlight', changes: [{ station: 'painting', add: 1 }] });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('FL_SCENARIO_INVALID');
    expect(res.body.message).toMatch(/changes\.0\.station|changes\[0\]\.station/);
    expect(res.body.message).toMatch(/painting/);
    const negative = await api<{ code: string; message: string }>('POST', '/api/experiments', { line: 'streetlight', changes: [{ machine: 'robot-01', cycle: { seconds: -3 } }] });
    expect([negative.status, negative.body.code]).toEqual([400, 'FL_SCENARIO_INVALID']);
    expect(negative.body.message).toMatch(/changes\.0\.cycle\.seconds/);
    // A window in which the line made nothing: nothing to calibrate from.
    const empty = await api<{ code: string; message: string }>('POST', '/api/experiments', { line: 'streetlight', calibration: { from: '2026-01-01T06:00:00Z', to: '2026-01-01T14:00:00Z' } });
    expect([empty.status, empty.body.code]).toEqual([400, 'FL_CALIBRATION_EMPTY']);
    expect((await api<unknown[]>('GET', '/api/experiments')).body).toHaveLength(3);
  });
});
