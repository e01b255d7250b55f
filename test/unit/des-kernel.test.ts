// The DES kernel's parts on their own: the event queue's order (time, then scheduling order),
// cancellation, the named random streams, and each distribution's sampler against its
// distribution (jstat's CDF and the textbook moments).
import jStat from 'jstat';
import { describe, expect, it } from 'vitest';
import { mean, sampler, type Distribution } from '../../simulators/src/des/distributions.ts';
import { EventQueue } from '../../simulators/src/des/event-queue.ts';
import { RandomStream } from '../../simulators/src/des/random-streams.ts';

describe('event queue', () => {
  it('hands out events by time, and equal times in the order they were scheduled', () => {
    const q = new EventQueue(4);
    const rng = new RandomStream(1, 'order');
    const scheduled: { time: number; id: number }[] = [];
    for (let id = 0; id < 2000; id++) {
      const time = Math.floor(rng.next() * 5); // many ties
      q.schedule(time, 0, id);
      scheduled.push({ time, id });
    }
    const order: number[] = [];
    while (q.next()) order.push(q.entity);
    const expected = [...scheduled].sort((a, b) => a.time - b.time || a.id - b.id).map((e) => e.id);
    expect(order).toEqual(expected);
  });

  it('puts events scheduled for now behind those already due now', () => {
    const q = new EventQueue();
    q.schedule(1, 0, 1);
    q.schedule(1, 0, 2);
    q.schedule(1, 0, 3);
    const order: number[] = [];
    while (q.next()) {
      order.push(q.entity);
      if (q.entity === 1) q.schedule(q.now, 0, 4);
    }
    expect(order).toEqual([1, 2, 3, 4]);
  });

  it('skips a cancelled event, also one among ties, and refuses the past', () => {
    const q = new EventQueue();
    q.schedule(2, 0, 1);
    const gone = q.schedule(2, 0, 2);
    q.schedule(2, 0, 3);
    const later = q.schedule(5, 0, 4);
    q.cancel(gone);
    q.cancel(later);
    const seen: number[] = [];
    while (q.next()) seen.push(q.entity);
    expect(seen).toEqual([1, 3]);
    expect(q.now).toBe(2);
    expect(q.popped).toBe(2);
    expect(() => q.schedule(1, 0, 0)).toThrow(RangeError);
    expect(() => q.schedule(Number.NaN, 0, 0)).toThrow(RangeError);
  });
});

describe('random streams', () => {
  const draw = (seed: number, name: string, n: number) => {
    const s = new RandomStream(seed, name);
    return Array.from({ length: n }, () => s.next());
  };

  it('give the same numbers for the same seed and name, others for another', () => {
    expect(draw(7, 'printer-01/cycle', 100)).toEqual(draw(7, 'printer-01/cycle', 100));
    expect(draw(7, 'printer-01/cycle', 100)).not.toEqual(draw(7, 'printer-02/cycle', 100));
    expect(draw(7, 'printer-01/cycle', 100)).not.toEqual(draw(8, 'printer-01/cycle', 100));
  });

  it('are uniform on (0, 1) and unrelated between neighbouring seeds and names', () => {
    const n = 20_000;
    const a = draw(1, 'a', n);
    const b = draw(2, 'a', n);
    const c = draw(1, 'b', n);
    expect(Math.min(...a)).toBeGreaterThan(0);
    expect(Math.max(...a)).toBeLessThan(1);
    const m = a.reduce((s, x) => s + x, 0) / n;
    expect(Math.abs(m - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
    const corr = (x: number[], y: number[]) => {
      let sxy = 0;
      for (let i = 0; i < n; i++) sxy += (x[i]! - 0.5) * (y[i]! - 0.5);
      return sxy / n / (1 / 12);
    };
    // Independent streams: the correlation is about N(0, 1/n); 4 standard errors.
    expect(Math.abs(corr(a, b))).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(corr(a, c))).toBeLessThan(4 / Math.sqrt(n));
  });
});

describe('distributions', () => {
  const n = 50_000;
  const sample = (d: Distribution, name: string) => {
    const s = new RandomStream(11, name);
    const f = sampler(d);
    return Float64Array.from({ length: n }, () => f(s.next())).sort();
  };
  /** Largest gap between the sample's CDF and the distribution's (Kolmogorov–Smirnov statistic). */
  const ks = (xs: Float64Array, cdf: (x: number) => number) => {
    let d = 0;
    xs.forEach((x, i) => {
      const f = cdf(x);
      d = Math.max(d, Math.abs(f - i / n), Math.abs(f - (i + 1) / n));
    });
    return d;
  };
  // 1.95/√n is the KS test's 0.1 % critical value.
  const limit = 1.95 / Math.sqrt(n);
  const avg = (xs: Float64Array) => xs.reduce((s, x) => s + x, 0) / xs.length;

  const cases: { d: Distribution; cdf: (x: number) => number; mean: number }[] = [
    { d: { type: 'exponential', mean: 30 }, cdf: (x) => 1 - Math.exp(-x / 30), mean: 30 },
    { d: { type: 'uniform', min: 10, max: 14 }, cdf: (x) => (x - 10) / 4, mean: 12 },
    { d: { type: 'triangular', min: 300, mode: 600, max: 1800 }, cdf: (x) => jStat.triangular.cdf(x, 300, 1800, 600), mean: 900 },
    { d: { type: 'normal', mean: 240, sd: 20 }, cdf: (x) => jStat.normal.cdf(x, 240, 20), mean: 240 },
    { d: { type: 'lognormal', mu: Math.log(240), sigma: 0.2 }, cdf: (x) => jStat.lognormal.cdf(x, Math.log(240), 0.2), mean: 240 * Math.exp(0.02) },
    { d: { type: 'gamma', shape: 4, scale: 60 }, cdf: (x) => jStat.gamma.cdf(x, 4, 60), mean: 240 },
    // Weibull with shape 2: mean = scale · Γ(1.5) = scale · √π / 2.
    { d: { type: 'weibull', shape: 2, scale: 100 }, cdf: (x) => 1 - Math.exp(-((x / 100) ** 2)), mean: (100 * Math.sqrt(Math.PI)) / 2 },
  ];
  for (const c of cases) {
    it(`${c.d.type}: the sample follows its CDF, its mean the textbook mean`, () => {
      const xs = sample(c.d, c.d.type);
      expect(ks(xs, c.cdf)).toBeLessThan(limit);
      expect(mean(c.d)).toBeCloseTo(c.mean, 6);
      const sd = Math.sqrt(xs.reduce((s, x) => s + (x - c.mean) ** 2, 0) / n);
      expect(Math.abs(avg(xs) - c.mean)).toBeLessThan((4 * sd) / Math.sqrt(n));
    });
  }

  it('normal: truncated to [min, max], 0 by default, with the truncated mean', () => {
    const d: Distribution = { type: 'normal', mean: 10, sd: 10 };
    const xs = sample(d, 'trunc');
    expect(xs[0]).toBeGreaterThanOrEqual(0);
    // The truncated CDF: (Φ(x) − Φ(0)) / (1 − Φ(0)).
    const lo = jStat.normal.cdf(0, 10, 10);
    expect(ks(xs, (x) => (jStat.normal.cdf(x, 10, 10) - lo) / (1 - lo))).toBeLessThan(limit);
    expect(Math.abs(avg(xs) - mean(d))).toBeLessThan(0.15);
    const both = sample({ type: 'normal', mean: 10, sd: 10, min: 5, max: 12 }, 'both');
    expect(both[0]).toBeGreaterThanOrEqual(5);
    expect(both[n - 1]).toBeLessThanOrEqual(12);
  });

  it('deterministic is its value', () => {
    expect(new Set(sample({ type: 'deterministic', value: 12 }, 'd'))).toEqual(new Set([12]));
  });

  it('empirical: resamples only the observed values, each as often', () => {
    const values = [4, 5, 5, 9];
    const xs = sample({ type: 'empirical', values }, 'emp');
    expect(new Set(xs)).toEqual(new Set([4, 5, 9]));
    const share = (v: number) => xs.filter((x) => x === v).length / n;
    expect(share(5)).toBeCloseTo(0.5, 1);
    expect(Math.abs(share(9) - 0.25)).toBeLessThan(4 * Math.sqrt((0.25 * 0.75) / n));
    expect(mean({ type: 'empirical', values })).toBe(5.75);
  });

  it('empirical with interpolation: uniform between neighbouring order statistics', () => {
    const values = [9, 1, 5];
    const d: Distribution = { type: 'empirical', values, interpolate: true };
    const xs = sample(d, 'interp');
    expect(xs[0]).toBeGreaterThanOrEqual(1);
    expect(xs[n - 1]).toBeLessThanOrEqual(9);
    // Half the mass on [1, 5] and half on [5, 9], each spread evenly.
    expect(ks(xs, (x) => (x <= 5 ? (x - 1) / 8 : 0.5 + (x - 5) / 8))).toBeLessThan(limit);
    expect(mean(d)).toBe(5);
    expect(new Set(xs).size).toBeGreaterThan(n / 2);
  });
});
