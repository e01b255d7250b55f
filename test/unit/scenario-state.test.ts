// A simulated replication on show, from a real trace of the engine as the gateway answers it:
// a seek anywhere, forward or backward, shows what applying the events in order from the
// window's start shows; an instant exactly on an event includes it; the DES states read in
// the viewer's words; a breakdown is a critical alarm while it lasts; buffers for charts.
import { describe, expect, it } from 'vitest';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { TRACE_KIND, type ExperimentTrace } from '../../gateway/src/core/experiments.ts';
import { traceAnswer } from '../../gateway/src/experiments/experiment-trace.ts';
import { scenarioFromBody } from '../../simulators/src/experiments/scenario.ts';
import { traceReplication } from '../../simulators/src/experiments/trace-replication.ts';
import { BUFFER_SIGNAL, lastAtOrBefore, ScenarioState, SHOWN_AS } from '../../twin-viewer/src/replay/scenario-state.ts';
import { demoTruth, recordFromModel } from '../support/recorded-from-model.ts';

const site = loadSite();
const { recorded } = recordFromModel(site, demoTruth(11, { hours: 24 }));
const scenarioOf = (hours: number) => scenarioFromBody({ line: 'streetlight', replications: 2, horizon: { hours }, seed: 5, changes: [{ station: 'printing', add: 1, like: 'printer-04' }] });
const traceOf = (hours: number, window: { fromSeconds?: number; toSeconds?: number } = {}): ExperimentTrace =>
  traceAnswer({ id: 'test', line: 'streetlight' }, traceReplication(site, recorded, scenarioOf(hours), { arm: 'scenario', ...window }), undefined);

/** What applying the events one by one from the window's start shows at t. */
function replayed(trace: ExperimentTrace, t: number) {
  const states: Record<string, { state: string; since: number }> = {};
  const buffers: number[] = [];
  const start = Date.parse(trace.start);
  for (const [at, kind, i, v] of trace.events) {
    if (at > t) break;
    if (kind === TRACE_KIND.state) {
      const id = trace.machines[i]!.id;
      if (states[id]?.state !== trace.states[v]) states[id] = { state: trace.states[v]!, since: start + at * 1000 };
    } else if (kind === TRACE_KIND.buffer) buffers[i] = v;
  }
  return { states, buffers };
}

describe('a simulated replication on show', () => {
  const trace = traceOf(24, { fromSeconds: 2 * 3600, toSeconds: 20 * 3600 });
  const start = Date.parse(trace.start);

  it('shows at any instant, forward or backward, what a replay from the window’s start shows', () => {
    const shown = new ScenarioState(trace);
    const times = trace.events.map((e) => e[0]);
    // Event times themselves (the event is in), just before them (it is not), and in between, in a shuffled order.
    const probes = [...times.filter((_, i) => i % 97 === 0), ...times.filter((_, i) => i % 89 === 0).map((t) => t - 1e-3), 2 * 3600, 20 * 3600, 7_777.7].filter((t) => t >= 2 * 3600);
    let seed = 1;
    probes.sort(() => ((seed = (seed * 16_807) % 2_147_483_647) % 3) - 1);
    for (const t of probes) {
      shown.seek(t);
      const want = replayed(trace, t);
      const got = Object.fromEntries(Object.entries(shown.insight.states).map(([id, s]) => [id, { since: s.since, reason: s.reason }]));
      expect(got, `at ${t}`).toEqual(Object.fromEntries(Object.entries(want.states).map(([id, s]) => [id, { since: s.since, reason: SHOWN_AS[s.state as keyof typeof SHOWN_AS].reason }])));
      expect(shown.now()).toBe(start + t * 1000);
      trace.stations.forEach((st, s) => {
        const m = trace.machines.find((x) => x.station === st.id)!;
        expect(shown.history.stateAt(m.id), `${st.id} at ${t}`).toEqual(s === 0 ? {} : { [BUFFER_SIGNAL]: want.buffers[s] });
      });
    }
  });

  it('holds a seek within the window and moves its versions only on a change', () => {
    const shown = new ScenarioState(trace);
    shown.seek(-5);
    expect(shown.seconds).toBe(2 * 3600);
    expect(Object.keys(shown.insight.states)).toHaveLength(trace.machines.length);
    shown.seek(1e9);
    expect(shown.seconds).toBe(20 * 3600);
    const v = shown.insightVersion;
    const h = shown.history.version;
    shown.seek(20 * 3600);
    expect([shown.insightVersion, shown.history.version]).toEqual([v, h]);
    shown.seekTime(start + 10 * 3600 * 1000);
    expect(shown.seconds).toBe(10 * 3600);
    expect(shown.insightVersion).toBeGreaterThan(v);
    expect(shown.mode).toBe('scenario');
  });

  it('speaks the viewer’s states, with a critical alarm while a machine is broken down', () => {
    const shown = new ScenarioState(trace);
    const failed = trace.states.indexOf('failed');
    const breakdown = trace.events.find((e) => e[1] === TRACE_KIND.state && e[3] === failed && e[0] > trace.window.fromSeconds);
    expect(breakdown, 'a breakdown in 18 h of four printers').toBeDefined();
    const [t, , m] = breakdown!;
    const id = trace.machines[m]!.id;
    const repaired = trace.events.find((e) => e[1] === TRACE_KIND.state && e[2] === m && e[0] > t)!;
    shown.seek(t);
    expect(shown.insight.states[id]).toEqual({ state: 'fault', reason: 'breakdown', since: start + t * 1000 });
    expect(shown.simulatedState(id)).toBe('failed');
    expect(shown.insight.alarms.filter((a) => a.device === id)).toEqual([{ device: id, alarm: 'breakdown', severity: 'critical', text: 'breakdown (simulated)', raisedAt: start + t * 1000, clearedAt: undefined, acknowledgedBy: undefined }]);
    shown.seek(repaired[0]);
    expect(shown.insight.alarms.filter((a) => a.device === id)).toEqual([]);
    expect(shown.insight.states[id]!.state).not.toBe('fault');
    // Every DES state has a viewer state the scene colours.
    expect(new Set(Object.values(SHOWN_AS).map((s) => s.state))).toEqual(new Set(['producing', 'idle', 'fault', 'setup', 'offline']));
    // The added printer is shown like any other.
    expect(shown.insight.states['printer-04+1']).toBeDefined();
    expect(shown.history.lastSeen('printer-04+1')).toBe(shown.now());
    expect(shown.history.lastSeen('no-such-machine')).toBe(0);
  });

  it('gives buffer levels over time for a chart, and the parts so far', () => {
    const shown = new ScenarioState(trace);
    const station = trace.stations[1]!;
    const [xs, ys] = shown.bufferLevels(station.id);
    expect(xs[0]).toBe(start / 1000 + 2 * 3600);
    expect(xs.every((x, i) => i === 0 || x >= xs[i - 1]!)).toBe(true);
    expect(ys.every((y) => y >= 0 && (station.buffer === null || y <= station.buffer))).toBe(true);
    // A window of it starts with the level in force at its start.
    const from = start + 5 * 3600 * 1000;
    const [wx, wy] = shown.bufferLevels(station.id, from, from + 3600 * 1000);
    expect(wx[0]).toBe(from / 1000);
    expect(wy[0]).toBe(replayed(trace, 5 * 3600).buffers[1]);
    expect(shown.bufferLevels('no-such-station')).toEqual([[], []]);
    shown.seek(20 * 3600);
    expect(shown.counts().good).toBe(trace.counts.to.good);
    expect(shown.counts().scrap).toBe(trace.counts.to.scrap.reduce((a, b) => a + b, 0));
    shown.seek(0);
    expect(shown.counts().good).toBe(trace.counts.from.good);
  });

  it('seeks a long trace fast: a binary search per machine, not a replay', () => {
    const long = traceOf(24 * 14);
    expect(long.events.length).toBeGreaterThan(50_000);
    const shown = new ScenarioState(long);
    const began = performance.now();
    for (let i = 0; i < 20_000; i++) shown.seek(((i * 7919) % 20_000) * (long.window.toSeconds / 20_000));
    expect(performance.now() - began).toBeLessThan(1_000);
    shown.seek(long.window.toSeconds / 3);
    const want = replayed(long, long.window.toSeconds / 3);
    expect(Object.fromEntries(Object.entries(shown.insight.states).map(([id, s]) => [id, s.since]))).toEqual(Object.fromEntries(Object.entries(want.states).map(([id, s]) => [id, s.since])));
  });

  it('binary search: the last entry at or before t', () => {
    const t = Float64Array.of(1, 2, 2, 3);
    expect([0, 1, 1.5, 2, 2.5, 3, 4].map((x) => lastAtOrBefore(t, x))).toEqual([-1, 0, 0, 2, 2, 3, 3]);
    expect(lastAtOrBefore(new Float64Array(0), 1)).toBe(-1);
  });
});
