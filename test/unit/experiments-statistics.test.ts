// The statistics a decision rests on, against truth: 95 % intervals cover the true mean about
// 95 % of the time; common random numbers make the scenario − baseline difference far less
// noisy than independent runs; intervals and differences are what Student's t says.
import { describe, expect, it } from 'vitest';
import { deterministic, exponential } from '../../simulators/src/des/distributions.ts';
import { applyChanges, type Design } from '../../simulators/src/experiments/apply-changes.ts';
import { replicate, type RunPlan } from '../../simulators/src/experiments/replicate.ts';
import { estimate, pairedDifference, predictionInterval } from '../../simulators/src/experiments/statistics.ts';
import { summarise } from '../../simulators/src/experiments/summary.ts';

const variance = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
};

describe('estimates', () => {
  it('is the mean ± t(0.975, n−1)·s/√n', () => {
    const e = estimate([1, 2, 3, 4]);
    // s = 1.2910, t(0.975, 3) = 3.1824.
    expect(e.mean).toBe(2.5);
    expect(e.ci95[0]).toBeCloseTo(2.5 - (3.182446 * 1.290994) / 2, 5);
    expect(predictionInterval([1, 2, 3, 4])[1]).toBeCloseTo(2.5 + 3.182446 * 1.290994 * Math.sqrt(1.25), 5);
    expect(pairedDifference([2, 3, 4], [1, 2, 3.5])).toMatchObject({ significant: true });
    expect(pairedDifference([2, 3, 4], [1, 3, 5]).significant).toBe(false);
  });

  it('covers the true mean at about the nominal rate (100 intervals of 10 replications)', () => {
    // One machine with exponential cycles that never waits: its parts are a Poisson process,
    // so the expected parts in T seconds are exactly T, 3,600 an hour.
    const design: Design = { stations: [{ id: 's', machines: [{ id: 'm', cycle: exponential(1) }] }], ideal: {}, calendar: undefined, target: undefined };
    let covered = 0;
    for (let j = 0; j < 100; j++) {
      const runs = replicate(design, { horizon: { seconds: 200 }, startMs: 0, seed: 1000 + j, replications: 10 });
      const e = estimate(runs.map((r) => r.goodPerHour));
      if (e.ci95[0] <= 3600 && 3600 <= e.ci95[1]) covered++;
    }
    // Binomial(100, 0.95): 88..100 holds with probability > 0.99.
    expect(covered).toBeGreaterThanOrEqual(88);
    expect(covered).toBeLessThanOrEqual(100);
  });
});

describe('common random numbers', () => {
  it('make the paired difference much less variable than independent seeds', () => {
    const base: Design = {
      stations: [
        { id: 'a', machines: [{ id: 'm1', cycle: exponential(1) }] },
        { id: 'b', buffer: 2, machines: [{ id: 'm2', cycle: exponential(0.9) }] },
      ],
      ideal: {},
      calendar: undefined,
      target: undefined,
    };
    const faster = applyChanges(base, [{ machine: 'm2', cycle: { factor: 0.8 } }]);
    const plan: RunPlan = { horizon: { seconds: 2000 }, startMs: 0, seed: 3, replications: 30 };
    const b = replicate(base, plan).map((r) => r.goodPerHour);
    const paired = replicate(faster, plan).map((r) => r.goodPerHour);
    const independent = replicate(faster, { ...plan, seed: 4 }).map((r) => r.goodPerHour);
    const crn = variance(paired.map((x, i) => x - b[i]!));
    const indep = variance(independent.map((x, i) => x - b[i]!));
    expect(crn).toBeLessThan(0.3 * indep);
    // And with it the faster machine's gain is found significant where independent runs may not.
    expect(pairedDifference(paired, b).significant).toBe(true);
  });
});

describe('OEE and its factors', () => {
  it('follow the shop floor\'s definitions on a line where every figure is known', () => {
    // A 12 s machine whose ideal is 10 s, then a 1 s inspection that scraps 10 %; working one
    // hour of every two. Planned time 1 h a period: the first machine works all of it
    // (availability 1), at 10/12 of its ideal speed; 300 parts, 270 good.
    const design: Design = {
      stations: [
        { id: 'make', machines: [{ id: 'm', cycle: deterministic(12) }] },
        { id: 'check', buffer: 2, scrap: 0.1, machines: [{ id: 'i', cycle: deterministic(1) }] },
      ],
      ideal: { m: 10, i: 1 },
      calendar: { shifts: [{ from: '00:00', to: '01:00' }, { from: '02:00', to: '03:00' }], breaks: [], stops: [] },
      target: undefined,
    };
    const runs = replicate(design, { horizon: { seconds: 4 * 3600 }, startMs: 0, seed: 1, replications: 20 });
    const f = summarise(runs, undefined, 0);
    expect(f.plannedHours.mean).toBe(2);
    const m = f.oee.machines['m']!;
    expect(m.availability.mean).toBeCloseTo(1, 2);
    expect(m.performance.mean).toBeCloseTo(10 / 12, 2);
    expect(m.quality.mean).toBe(1);
    const line = f.oee.line!;
    expect(line.quality.mean).toBeCloseTo(0.9, 1);
    // Good × the slowest station's ideal (10 s) over planned time.
    expect(line.oee.mean).toBeCloseTo((f.good.mean * 10) / (2 * 3600), 6);
    expect(line.oee.mean).toBeCloseTo(0.75, 1);
    expect(line.performance.mean).toBeCloseTo(line.oee.mean / (line.availability.mean * line.quality.mean), 2);
    expect(f.machines[0]!.time.offShift.mean).toBeCloseTo(0.5, 9);
    expect(f.oee.machines['i']!.quality.mean).toBeCloseTo(0.9, 1);
  });
});
