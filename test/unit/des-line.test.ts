// The line model's behaviour, exactly where times are fixed: what a blocked, a waiting, a
// failed, a set-up and an off-shift machine is accounted as; buffers; scrap; parallel
// machines; stopping at N good parts; the bottleneck; seeds and common random numbers; and
// the model built from the demo site file.
import { describe, expect, it } from 'vitest';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { deterministic, exponential } from '../../simulators/src/des/distributions.ts';
import type { LineParams, MachineParams } from '../../simulators/src/des/line-params.ts';
import { runLine } from '../../simulators/src/des/line-model.ts';
import { timeToGood, type LineResult } from '../../simulators/src/des/line-result.ts';
import { MACHINE_STATES } from '../../simulators/src/des/machine-states.ts';
import { siteLineParams } from '../../simulators/src/des/site-line.ts';

const zero = { working: 0, blocked: 0, starved: 0, failed: 0, setup: 0, offShift: 0 };
const machine = (id: string, seconds: number, more: Partial<MachineParams> = {}): MachineParams => ({ id, cycle: deterministic(seconds), ...more });
/** Two machines, `a` then `b`, with `buffer` places between them. */
const pair = (a: number, b: number, buffer: number, seconds = 100): LineParams => ({
  seed: 1,
  horizon: { seconds },
  stations: [
    { id: 'first', machines: [machine('m1', a)] },
    { id: 'second', buffer, machines: [machine('m2', b)] },
  ],
});
const time = (r: LineResult, id: string) => r.machines.find((m) => m.id === id)!.time;

describe('state accounting with fixed times', () => {
  it('a machine before a slower one, with no buffer, is blocked; the slower one works', () => {
    // m1 (1 s) finishes at 1 and hands over; from t = 2 it waits 1 s of every 2 on m2 (2 s).
    const r = runLine(pair(1, 2, 0));
    expect(time(r, 'm1')).toEqual({ ...zero, working: 51, blocked: 49 });
    expect(time(r, 'm2')).toEqual({ ...zero, working: 99, starved: 1 });
    expect(r.good).toBe(49);
  });

  it('a machine after a slower one is starved, and the one before is never blocked', () => {
    const r = runLine(pair(2, 1, 0));
    expect(time(r, 'm1')).toEqual({ ...zero, working: 100 });
    expect(time(r, 'm2')).toEqual({ ...zero, working: 49, starved: 51 });
    expect(r.good).toBe(49);
  });

  it('a buffer place takes one part off the blocked machine, and is counted', () => {
    // With one place m1 runs 2 s ahead before blocking: working 52, blocked 48.
    const r = runLine(pair(1, 2, 1));
    expect(time(r, 'm1')).toEqual({ ...zero, working: 52, blocked: 48 });
    expect(time(r, 'm2')).toEqual({ ...zero, working: 99, starved: 1 });
    expect(r.stations[1]!.buffer.max).toBe(1);
    // The place is taken from t = 2 on except for the instants it is handed on: 98 of 100 s.
    expect(r.stations[1]!.buffer.mean).toBeCloseTo(0.98, 9);
  });

  it('breakdowns by operating time, setups and the shift calendar, to the second', () => {
    // One machine, 5 s parts; fails after 22 s of work, 7 s to repair; a 6 s setup at each
    // shift start; shifts [0, 60) and [100, 160) of 200 s. Off shift everything stands still:
    // the part in work and the repair in progress are taken up again at the next start.
    // Shift 1: setup 0–6, work 6–28, fail (repair 28–35), work 35–57, fail, repair 57–60 (3 s
    // done). Shift 2: repair 100–104, setup 104–110, work 110–132, fail, repair 132–139, work
    // 139–160 (a part left 2 s short).
    const r = runLine({
      seed: 1,
      horizon: { seconds: 200 },
      calendar: { periodSeconds: 100, working: [{ from: 0, to: 60 }] },
      stations: [{ id: 'only', machines: [machine('m', 5, { failures: { between: deterministic(22), repair: deterministic(7) }, setup: deterministic(6) })] }],
    });
    const m = r.machines[0]!;
    expect(m.time).toEqual({ ...zero, working: 87, failed: 21, setup: 12, offShift: 80 });
    expect(m.failures).toBe(3);
    expect(m.setups).toBe(2);
    expect(r.good).toBe(17);
    expect([...r.goodTimes]).toEqual([11, 16, 21, 26, 38, 43, 48, 53, 111, 116, 121, 126, 131, 143, 148, 153, 158]);
  });

  it('adds up to the measured window for every machine, also with warm-up and randomness', () => {
    const r = runLine({
      seed: 5,
      horizon: { seconds: 50_000 },
      warmupSeconds: 1_234.5,
      calendar: { periodSeconds: 3_600, working: [{ from: 0, to: 3_000 }] },
      stations: [
        { id: 'a', machines: [machine('a1', 0, { cycle: exponential(20), failures: { between: exponential(900), repair: exponential(60) } }), machine('a2', 0, { cycle: exponential(25) })] },
        { id: 'b', buffer: 1, scrap: 0.1, machines: [machine('b1', 0, { cycle: exponential(9), setup: exponential(30) })] },
      ],
    });
    expect(r.from).toBe(1_234.5);
    for (const m of r.machines) {
      const sum = MACHINE_STATES.reduce((a, s) => a + m.time[s], 0);
      expect(sum).toBeCloseTo(r.to - r.from, 6);
    }
    // Every state occurs (the first station is never starved, the last never blocked).
    for (const s of MACHINE_STATES) expect(Math.max(...r.machines.map((m) => m.time[s])), s).toBeGreaterThan(0);
  });
});

describe('the line', () => {
  it('shares work among parallel machines, the one waiting longest first', () => {
    // Three 3 s machines feed one 1 s machine: from t = 3 one part a second. The three finish
    // together at 3 (p3 first: machines start downstream first, and ties keep that order);
    // p2 and p1 wait blocked (1 and 2 s) in the order they blocked, then the three take turns
    // without waiting. The run is [0, 300): what would end at 300 does not count.
    const r = runLine({
      seed: 1,
      horizon: { seconds: 300 },
      stations: [
        { id: 'farm', machines: [machine('p1', 3), machine('p2', 3), machine('p3', 3)] },
        { id: 'out', buffer: 0, machines: [machine('o', 1)] },
      ],
    });
    expect(time(r, 'p3')).toEqual({ ...zero, working: 300 });
    expect(time(r, 'p2')).toEqual({ ...zero, working: 299, blocked: 1 });
    expect(time(r, 'p1')).toEqual({ ...zero, working: 298, blocked: 2 });
    expect(r.machines.slice(0, 3).map((m) => m.cycles)).toEqual([99, 99, 99]);
    expect(r.good).toBe(296);
  });

  it('takes scrap out of the line where it is found, counted apart from good parts', () => {
    const r = runLine({
      seed: 3,
      horizon: { seconds: 100_000 },
      stations: [
        { id: 'make', machines: [machine('m', 1)] },
        { id: 'check', buffer: 0, scrap: 0.25, machines: [machine('c', 1)] },
      ],
    });
    const check = r.stations[1]!;
    expect(r.scrap).toBe(check.scrap);
    expect(r.good + r.scrap).toBe(check.departures);
    const share = r.scrap / check.departures;
    expect(Math.abs(share - 0.25)).toBeLessThan(4 * Math.sqrt((0.25 * 0.75) / check.departures));
    expect(r.leadTime.count).toBe(r.good);
    expect(r.leadTime.mean).toBe(2);
  });

  it('stops at the N-th good part when asked to, and says when it came', () => {
    const r = runLine({ ...pair(1, 2, 0), horizon: { goodParts: 10, maxSeconds: 1_000 } });
    expect(r.good).toBe(10);
    expect(r.to).toBe(21);
    expect(timeToGood(r, 10)).toBe(21);
    expect(timeToGood(r, 11)).toBeUndefined();
    expect(r.throughput.goodPerSlice).toEqual([10]);
  });

  it('feeds the first station from an arrival process when one is given, and starves it otherwise not', () => {
    // Arrivals at 4, 8, ..., 96 (the one at 100 is past the run).
    const fed = runLine({ seed: 1, horizon: { seconds: 100 }, arrivals: deterministic(4), stations: [{ id: 's', machines: [machine('m', 1)] }] });
    expect(time(fed, 'm')).toEqual({ ...zero, working: 24, starved: 76 });
    const unfed = runLine({ seed: 1, horizon: { seconds: 100 }, stations: [{ id: 's', machines: [machine('m', 1)] }] });
    expect(time(unfed, 'm')).toEqual({ ...zero, working: 100 });
  });
});

describe('the bottleneck (active periods)', () => {
  it('is the slower machine, whichever end it is at', () => {
    const slowSecond = runLine(pair(1, 2, 0, 3_600));
    expect(slowSecond.bottleneck.overall.bottleneck).toBe('m2');
    const slowFirst = runLine(pair(2, 1, 0, 3_600));
    expect(slowFirst.bottleneck.overall.bottleneck).toBe('m1');
    // Always active, m1 is the sole bottleneck all the time.
    expect(slowFirst.bottleneck.overall.shares[0]).toMatchObject({ sole: 3_600, shifting: 0 });
  });

  it('shifts between two equal machines, and is told per time slice', () => {
    const r = runLine({
      seed: 9,
      horizon: { seconds: 20_000 },
      sliceSeconds: 2_000,
      stations: [
        { id: 'a', machines: [{ id: 'a', cycle: exponential(10) }] },
        { id: 'b', buffer: 1, machines: [{ id: 'b', cycle: exponential(10) }] },
      ],
    });
    const [a, b] = r.bottleneck.overall.shares;
    expect(a!.shifting).toBeGreaterThan(0);
    expect(b!.shifting).toBeGreaterThan(0);
    expect(a!.sole + b!.sole).toBeGreaterThan(0);
    // Sole time is one machine's at a time: it never exceeds the window.
    expect(a!.sole + b!.sole).toBeLessThanOrEqual(20_000);
    expect(r.bottleneck.slices).toHaveLength(10);
    expect(new Set(r.bottleneck.slices.map((s) => s.bottleneck))).toEqual(new Set(['a', 'b']));
  });
});

describe('seeds and common random numbers', () => {
  const line = (seed: number, secondCycle = 10): LineParams => ({
    seed,
    horizon: { seconds: 50_000 },
    stations: [
      { id: 'a', machines: [{ id: 'a', cycle: exponential(8), failures: { between: exponential(600), repair: exponential(50) } }] },
      { id: 'b', machines: [{ id: 'b', cycle: exponential(secondCycle), failures: { between: exponential(900), repair: exponential(40) } }] },
    ],
  });

  it('gives identical results for the same seed and different ones for another', () => {
    expect(runLine(line(1))).toEqual(runLine(line(1)));
    const other = runLine(line(2));
    expect(other.good).not.toBe(runLine(line(1)).good);
  });

  it("leaves the other machines' draws alone when one machine's cycle time changes", () => {
    // a is never starved and its buffer is unlimited, so its history depends only on its own
    // streams: with one stream per source it is the same whatever b does.
    const base = runLine(line(1, 10));
    const faster = runLine(line(1, 6));
    const a = (r: LineResult) => r.machines[0]!;
    const b = (r: LineResult) => r.machines[1]!;
    expect(a(faster)).toEqual(a(base));
    expect(a(faster).failures).toBeGreaterThan(20);
    expect(b(faster).time).not.toEqual(b(base).time);
    expect(b(faster).failures).not.toBe(b(base).failures);
  });
});

describe('the model from the demo site', () => {
  const site = loadSite();

  it('takes the line, its stations in order, the devices as parallel machines and the profiles\' ideal cycle times', () => {
    const { params, assumed } = siteLineParams(site, { horizon: { seconds: 3_600 }, machines: { 'conveyor-01': { cycle: deterministic(8) } } });
    expect(params.stations.map((s) => [s.id, s.machines.map((m) => m.id)])).toEqual([
      ['printing', ['printer-01', 'printer-02', 'printer-03', 'printer-04']],
      ['unloading', ['robot-01']],
      ['transport', ['conveyor-01']],
      ['inspection', ['inspection-01']],
      ['packing', ['robot-02']],
    ]);
    expect(params.stations[0]!.machines[3]!.cycle).toEqual(deterministic(240));
    expect(params.stations[3]!.machines[0]!.cycle).toEqual(deterministic(5));
    expect(params.seed).toBe(2026);
    expect(assumed.map((a) => a.path)).toContain('machines.robot-01.cycle');
    expect(assumed.map((a) => a.path)).toContain('stations.packing.buffer');
    expect(assumed.map((a) => a.path)).not.toContain('machines.conveyor-01.cycle');
    // Four 240 s printers make a part a minute; the rest keep up.
    const r = runLine(params);
    expect(r.good).toBeGreaterThanOrEqual(55);
    expect(r.good).toBeLessThanOrEqual(60);
    expect(r.bottleneck.overall.bottleneck).toMatch(/^printer-/);
  });

  it('says which device has no cycle time, and what to give', () => {
    expect(() => siteLineParams(site, { horizon: { seconds: 3_600 } })).toThrow(/conveyor-01: profile belt-conveyor has no production.idealCycleSeconds; give machines\["conveyor-01"\].cycle/);
    expect(() => siteLineParams(site, { horizon: { seconds: 1 }, machines: { 'printer-09': { cycle: deterministic(1) } } })).toThrow(/no device printer-09/);
  });
});
