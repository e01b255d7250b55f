// The trace endpoint on a real gateway (HTTP on a free port) with the real engine in the
// worker, over a record the line model wrote (no InfluxDB: a trace runs from the record the
// experiment kept): the replications it replays are the ones the result counted, the
// scenario's added printer is there and works, a window is cut, and every wrong ask is a
// coded 400, 404 or 409.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { TRACE_KIND, type ExperimentDetail, type ExperimentSummary, type ExperimentTrace } from '../../gateway/src/core/experiments.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { Experiments } from '../../gateway/src/experiments/experiments.ts';
import { REAL_ENGINE } from '../../gateway/src/experiments/real-engine.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import type { ExperimentResult } from '../../simulators/src/experiments/run-experiment.ts';
import { demoTruth, recordFromModel } from '../support/recorded-from-model.ts';
import { eventually, spoolDir, tempDir } from '../support/services.ts';
import { engineerToken } from '../support/auth.ts';

const site = loadSite();
const silent = pino({ level: 'silent' });
const { recorded } = recordFromModel(site, demoTruth(11, { hours: 8 }));
const SCENARIO = { line: 'streetlight', name: 'fifth printer', changes: [{ station: 'printing', add: 1, like: 'printer-04' }], horizon: { hours: 8 }, replications: 3, seed: 7 };

describe('the trace of a replication over REST', () => {
  const store = tempDir('experiment-trace');
  let gateway: Gateway;
  let id: string;
  let result: ExperimentResult;
  let experiments: Experiments;
  const login = engineerToken();

  const api = async <T,>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${gateway.httpAddress()}${path}`, { method, headers: { ...login.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as T };
  };
  const submit = async (scenario: Record<string, unknown>) => {
    const posted = await api<ExperimentSummary>('POST', '/api/experiments', scenario);
    expect(posted.status, JSON.stringify(posted.body)).toBe(202);
    return posted.body.id;
  };
  const done = async (experiment: string) => {
    let d: ExperimentDetail | undefined;
    await eventually(async () => {
      d = (await api<ExperimentDetail>('GET', `/api/experiments/${experiment}`)).body;
      return d.status !== 'queued' && d.status !== 'running';
    }, 60_000, 'the experiment to finish');
    expect(d!.status, JSON.stringify(d!.error)).toBe('done');
    return d!.result as ExperimentResult;
  };
  const trace = (query: string, experiment = id) => api<ExperimentTrace & { code?: string }>('GET', `/api/experiments/${experiment}/trace${query}`);

  beforeAll(async () => {
    gateway = new Gateway(site, gatewayConfig({ http: { host: '127.0.0.1', port: 0 }, spool: { dir: spoolDir() }, auth: { usersFile: login.file } }), new Telemetry(silent), {
      sources: [],
      sinks: [],
      alarmHistory: false,
      experiments: (experiments = new Experiments({ site, engine: REAL_ENGINE!, dir: store.path, readRecord: async () => recorded, log: silent })),
    });
    await gateway.start();
    id = await submit(SCENARIO);
    result = await done(id);
  }, 90_000);
  afterAll(async () => {
    await gateway?.stop();
    store.remove();
  });

  it('replays the replications the result counted, on its clock', async () => {
    const goods: number[] = [];
    for (const r of [0, 1, 2]) {
      const { status, body } = await trace(`?arm=baseline&replication=${r}`);
      expect(status, JSON.stringify(body).slice(0, 300)).toBe(200);
      expect(body).toMatchObject({ experiment: id, line: 'streetlight', arm: 'baseline', scenario: null, name: 'baseline', replication: r, start: result.start, horizonSeconds: 8 * 3600, warmupSeconds: 0, inputHash: result.inputHash, warnings: [], truncated: false });
      expect(body.states).toEqual(['working', 'blocked', 'starved', 'failed', 'setup', 'offShift']);
      expect(body.machines.some((m) => m.added)).toBe(false);
      const good = body.events.filter((e) => e[1] === TRACE_KIND.good);
      expect(good.at(-1)![3]).toBe(body.counts.to.good);
      goods.push(body.counts.to.good);
    }
    expect(goods.reduce((a, b) => a + b, 0) / 3).toBeCloseTo(result.baseline.good.mean, 6);
  }, 60_000);

  it('shows the scenario with its added printer at work, in a window', async () => {
    const { status, body } = await trace('?arm=scenario&scenario=0&replication=1&from=3600&to=7200');
    expect(status, JSON.stringify(body).slice(0, 300)).toBe(200);
    expect(body).toMatchObject({ arm: 'scenario', scenario: 0, name: 'fifth printer', replication: 1, window: { fromSeconds: 3600, toSeconds: 7200 } });
    const added = body.machines.findIndex((m) => m.id === 'printer-04+1');
    expect(body.machines[added]).toEqual({ id: 'printer-04+1', station: 'printing', added: true });
    const states = body.events.filter((e) => e[1] === TRACE_KIND.state && e[2] === added);
    expect(states[0]![0]).toBe(3600);
    expect(states.some((e) => e[3] === 0)).toBe(true);
    for (const [t] of body.events) {
      expect(t).toBeGreaterThanOrEqual(3600);
      expect(t).toBeLessThanOrEqual(7200);
    }
    expect(body.counts.to.good).toBeGreaterThan(body.counts.from.good);
  }, 60_000);

  it('lets more than two traces wait their turn, and answers a repeated one from what it kept', async () => {
    // Six at once, two run at a time: none refused, each the replication asked for.
    const asked = ['?arm=scenario&replication=0', '?arm=scenario&replication=1', '?arm=scenario&replication=2', '?arm=baseline&replication=0&to=3600', '?arm=baseline&replication=1&to=3600', '?arm=baseline&replication=2&to=3600'];
    const answers = await Promise.all(asked.map((q) => trace(q)));
    expect(answers.map((a) => a.status)).toEqual(asked.map(() => 200));
    expect(answers.map((a) => `${a.body.arm}/${a.body.replication}`)).toEqual(['scenario/0', 'scenario/1', 'scenario/2', 'baseline/0', 'baseline/1', 'baseline/2']);
    // The same request again: the same answer, and no worker run for it.
    const runs = experiments.tracesRun;
    const again = await trace(asked[0]!);
    expect(again.body).toEqual(answers[0]!.body);
    expect(experiments.tracesRun).toBe(runs);
  }, 60_000);

  it('answers a coded 400, 404 or 409 for what it cannot trace', async () => {
    const code = async (query: string, experiment?: string) => ((r) => [r.status, r.body.code])(await trace(query, experiment));
    expect(await code('?arm=sideways')).toEqual([400, 'FL_BAD_REQUEST']);
    expect(await code('?arm=baseline&replication=-1')).toEqual([400, 'FL_BAD_REQUEST']);
    expect(await code('?arm=baseline&replication=3')).toEqual([400, 'FL_TRACE_REQUEST']);
    expect(await code('?arm=scenario&scenario=1')).toEqual([400, 'FL_TRACE_REQUEST']);
    expect(await code('?from=7200&to=3600')).toEqual([400, 'FL_TRACE_REQUEST']);
    expect(await code('', '20261130-060000-abcdef')).toEqual([404, 'FL_EXPERIMENT_NOT_FOUND']);
    // One that has not run yet: queued behind nothing, it may be running already; either way not done.
    const next = await submit({ ...SCENARIO, replications: 50, horizon: { hours: 168 } });
    expect(await code('', next)).toEqual([409, 'FL_EXPERIMENT_NOT_DONE']);
    await api('DELETE', `/api/experiments/${next}`);
    expect(await code('', next)).toEqual([409, 'FL_EXPERIMENT_NOT_DONE']);
  }, 60_000);
});
