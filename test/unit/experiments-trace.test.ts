// A trace of one replication is that replication: the same seed and design give the same
// events, its good parts are the ones the experiment counted, the time it shows each machine
// in each state is the time the run accounted, a window is a cut of the whole trace with the
// picture at its start, and the cap truncates events but never the counts.
import { describe, expect, it } from 'vitest';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { runLine } from '../../simulators/src/des/line-model.ts';
import { TRACE_BUFFER, TRACE_GOOD, TRACE_SCRAP, TRACE_STATE } from '../../simulators/src/des/line-trace.ts';
import { MACHINE_STATES, STATE_COUNT } from '../../simulators/src/des/machine-states.ts';
import { experimentInputs } from '../../simulators/src/experiments/experiment-inputs.ts';
import { lineParams, replicate } from '../../simulators/src/experiments/replicate.ts';
import { runExperiment } from '../../simulators/src/experiments/run-experiment.ts';
import { scenarioFromBody } from '../../simulators/src/experiments/scenario.ts';
import { traceReplication, TraceRequestError, type ReplicationTrace, type TraceRequest } from '../../simulators/src/experiments/trace-replication.ts';
import { demoTruth, recordFromModel } from '../support/recorded-from-model.ts';

const site = loadSite();
const { recorded } = recordFromModel(site, demoTruth(11, { hours: 24, stops: [[4 * 3600, 4.5 * 3600]] }));
const scenario = scenarioFromBody({ line: 'streetlight', replications: 3, horizon: { hours: 24 }, seed: 5, changes: [{ station: 'printing', add: 1, like: 'printer-04' }] });
const trace = (r: Partial<TraceRequest> = {}) => traceReplication(site, recorded, scenario, { arm: 'baseline', ...r });

/** Events as [t, kind, index, value] tuples. */
const tuples = (t: ReplicationTrace) => Array.from({ length: t.events.length / 4 }, (_, i) => [...t.events.subarray(4 * i, 4 * i + 4)] as [number, number, number, number]);

describe('a trace of one replication', () => {
  it('is the same twice, and its good parts are the replication the experiment ran', () => {
    const a = trace({ replication: 1 });
    expect(trace({ replication: 1 }).events).toEqual(a.events);
    const { baseDesign, designs, plan } = experimentInputs(site, recorded, scenario);
    const base = replicate(baseDesign, plan);
    const changed = replicate(designs[0]!.design, plan);
    for (let i = 0; i < 3; i++) {
      expect(trace({ replication: i }).counts.to.good).toBe(base[i]!.good);
      expect(trace({ arm: 'scenario', replication: i }).counts.to.good).toBe(changed[i]!.good);
    }
    // And the experiment's own figure: the mean over the replications the traces replay.
    const result = runExperiment(site, recorded, scenario);
    const goods = [0, 1, 2].map((i) => trace({ replication: i }).counts.to.good);
    expect(goods.reduce((x, y) => x + y, 0) / 3).toBeCloseTo(result.baseline.good.mean, 6);
    expect(a.start).toBe(result.start);
    expect(a.seed).not.toBe(trace({ replication: 2 }).seed);
    expect(trace({ arm: 'scenario', replication: 1 }).seed).toBe(a.seed);
  });

  it('shows each machine in each state for the time the run accounted, and buffers within their places', () => {
    const t = trace({ arm: 'scenario' });
    const { designs, plan } = experimentInputs(site, recorded, scenario);
    const run = runLine(lineParams(designs[0]!.design, plan, 0));
    const n = t.machines.length;
    const time = new Float64Array(n * STATE_COUNT);
    const state = new Int32Array(n).fill(-1);
    const since = new Float64Array(n);
    let last = -Infinity;
    let goods = 0;
    const levels = new Map<number, number>();
    let previous: number[] = [];
    for (const [at, kind, i, v] of tuples(t)) {
      expect(at).toBeGreaterThanOrEqual(last);
      last = at;
      if (kind === TRACE_STATE) {
        if (state[i]! >= 0) {
          expect(v, `machine ${i} changes to the state it is in at ${at}`).not.toBe(state[i]);
          time[i * STATE_COUNT + state[i]!]! += at - since[i]!;
        }
        state[i] = v;
        since[i] = at;
      } else if (kind === TRACE_BUFFER) {
        // A level held for no time (a part in and out at one instant) is not written.
        if (at > 0) expect(previous, `buffer ${i} at ${at}`).not.toEqual([at, TRACE_BUFFER, i]);
        const cap = t.stations[i]!.buffer;
        expect(v).toBeGreaterThanOrEqual(0);
        if (cap !== null) expect(v).toBeLessThanOrEqual(cap);
        levels.set(i, v);
      } else if (kind === TRACE_GOOD) {
        expect(i).toBe(t.stations.length - 1);
        expect(v).toBe(++goods);
      } else expect(kind).toBe(TRACE_SCRAP);
      previous = [at, kind, i];
    }
    for (let i = 0; i < n; i++) time[i * STATE_COUNT + state[i]!]! += t.window.toSeconds - since[i]!;
    run.machines.forEach((m, i) => {
      expect(t.machines[i]!.id).toBe(m.id);
      MACHINE_STATES.forEach((s, k) => expect(time[i * STATE_COUNT + k], `${m.id} ${s}`).toBeCloseTo(m.time[s], 6));
    });
    expect(goods).toBe(run.good);
    expect(t.counts.to.scrap.reduce((a, b) => a + b, 0)).toBe(run.scrap);
    // The added printer is there, marked, and works.
    const added = t.machines.findIndex((m) => m.added);
    expect(t.machines[added]).toEqual({ id: 'printer-04+1', station: 'printing', added: true });
    expect(t.machines.filter((m) => m.added)).toHaveLength(1);
    expect(run.machines[added]!.time.working).toBeGreaterThan(0);
    expect(t.states).toEqual(MACHINE_STATES);
  });

  it('cut to a window: the picture at its start, then the whole trace’s events inside it', () => {
    const whole = tuples(trace());
    const [from, to] = [3 * 3600, 5 * 3600];
    const w = trace({ fromSeconds: from, toSeconds: to });
    const cut = tuples(w);
    expect(w.window).toEqual({ fromSeconds: from, toSeconds: to });
    const n = w.machines.length;
    const s = w.stations.length;
    // First every machine's state and every buffer's level at `from`, as the whole trace had them.
    const at = new Map<string, number>();
    for (const [t, kind, i, v] of whole) if (t < from && (kind === TRACE_STATE || kind === TRACE_BUFFER)) at.set(`${kind}/${i}`, v);
    expect(cut.slice(0, n + s)).toEqual([
      ...Array.from({ length: n }, (_, i) => [from, TRACE_STATE, i, at.get(`${TRACE_STATE}/${i}`) ?? 2]),
      ...Array.from({ length: s }, (_, i) => [from, TRACE_BUFFER, i, at.get(`${TRACE_BUFFER}/${i}`) ?? 0]),
    ]);
    expect(cut.slice(n + s)).toEqual(whole.filter(([t]) => t >= from && t < to));
    expect(w.counts.from.good).toBe(whole.filter(([t, k]) => k === TRACE_GOOD && t < from).length);
    expect(w.counts.to.good).toBe(whole.filter(([t, k]) => k === TRACE_GOOD && t < to).length);
  });

  it('ends where a run to a target ended', () => {
    const untilGood = scenarioFromBody({ line: 'streetlight', replications: 2, horizon: { untilGood: 50 }, seed: 5 });
    const t = traceReplication(site, recorded, untilGood, { arm: 'baseline' });
    const goods = tuples(t).filter(([, k]) => k === TRACE_GOOD);
    expect(goods).toHaveLength(50);
    expect(t.window.toSeconds).toBe(goods.at(-1)![0]);
    expect(t.horizonSeconds).toBe(672 * 3600);
  });

  it('caps the events, and says so, without losing the counts', () => {
    const whole = trace();
    const capped = trace({ maxEvents: 1000 });
    expect(whole.truncated).toBe(false);
    expect(capped.truncated).toBe(true);
    expect(capped.events.length).toBe(4000);
    // The last kept may be a level the whole trace took back at once (a part in and out at one instant).
    expect(capped.events.subarray(0, 3996)).toEqual(whole.events.subarray(0, 3996));
    expect(capped.counts).toEqual(whole.counts);
  });

  it('refuses an arm, a replication or a window the experiment does not have', () => {
    const refused = (r: Partial<TraceRequest>) => {
      try {
        trace(r);
      } catch (err) {
        expect(err).toBeInstanceOf(TraceRequestError);
        return (err as TraceRequestError).message;
      }
      throw new Error(`not refused: ${JSON.stringify(r)}`);
    };
    expect(refused({ replication: 3 })).toMatch(/replication: expected 0 to 2, not 3/);
    expect(refused({ arm: 'scenario', scenario: 1 })).toMatch(/scenario: expected 0 to 0, not 1/);
    expect(refused({ fromSeconds: 7200, toSeconds: 3600 })).toMatch(/must not come after/);
    const baselineOnly = scenarioFromBody({ line: 'streetlight', replications: 2, horizon: { hours: 1 }, seed: 5 });
    expect(() => traceReplication(site, recorded, baselineOnly, { arm: 'scenario' })).toThrow(/baseline only/);
  });
});
