// The line model against theory: queueing formulas and Markov chains solved here, in the
// test, independently of the simulator. Each figure is checked with a tolerance that is
// several standard errors of the run's length, so the checks are not luck.
import { describe, expect, it } from 'vitest';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { exponential, type Distribution } from '../../simulators/src/des/distributions.ts';
import type { LineParams } from '../../simulators/src/des/line-params.ts';
import { runLine } from '../../simulators/src/des/line-model.ts';
import { siteLineParams } from '../../simulators/src/des/site-line.ts';

describe('M/M/1 at 90 % load', () => {
  // λ = 0.9, μ = 1. Over 4·10⁶ s the mean time in system has a relative standard error of
  // about 1 % (the asymptotic variance of the M/M/1 queue length, 2ρ(1+ρ)/(1−ρ)⁴ / T), so ±5 %
  // is four to five of them.
  const lambda = 0.9;
  const mu = 1;
  const r = runLine({
    seed: 20_260_101,
    arrivals: exponential(1 / lambda),
    stations: [{ id: 'server', machines: [{ id: 'server', cycle: exponential(1 / mu) }] }],
    horizon: { seconds: 4_000_000 },
    warmupSeconds: 10_000,
  });
  const span = r.to - r.from;
  const rho = lambda / mu;

  it('keeps the server busy ρ of the time (±1 %)', () => {
    const utilisation = r.machines[0]!.time.working / span;
    expect(Math.abs(utilisation - rho) / rho).toBeLessThan(0.01);
    expect(r.machines[0]!.time.starved / span).toBeCloseTo(1 - rho, 2);
  });

  it('keeps a part 1/(μ − λ) in the system (±5 %), exponentially distributed', () => {
    const w = 1 / (mu - lambda);
    expect(Math.abs(r.leadTime.mean - w) / w).toBeLessThan(0.05);
    // Time in an M/M/1 system is exponential with mean w: its 95th percentile is w·ln 20.
    expect(Math.abs(r.leadTime.p95 - w * Math.log(20)) / (w * Math.log(20))).toBeLessThan(0.05);
    // And the number in the system ρ/(1 − ρ).
    expect(Math.abs(r.wip - rho / (1 - rho)) / (rho / (1 - rho))).toBeLessThan(0.05);
  });
});

/**
 * The stationary distribution of a continuous-time Markov chain: the states reachable from
 * `start`, its rates from `moves`, and πQ = 0 with Σπ = 1 solved by Gaussian elimination.
 */
function stationary<S>(start: S, key: (s: S) => string, moves: (s: S) => [S, number][]): Map<string, { state: S; p: number }> {
  const states: S[] = [start];
  const index = new Map([[key(start), 0]]);
  for (let i = 0; i < states.length; i++) {
    for (const [next] of moves(states[i]!)) {
      if (!index.has(key(next))) {
        index.set(key(next), states.length);
        states.push(next);
      }
    }
  }
  const n = states.length;
  // Rows: the balance equations Σ_i π_i Q_ij = 0 for j < n−1, and Σ π = 1 as the last.
  const a = Array.from({ length: n }, () => new Array<number>(n + 1).fill(0));
  states.forEach((s, i) => {
    for (const [next, rate] of moves(s)) {
      const j = index.get(key(next))!;
      a[j]![i]! += rate;
      a[i]![i]! -= rate;
    }
  });
  a[n - 1] = new Array<number>(n + 1).fill(1);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r;
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k <= n; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  return new Map(states.map((s, i) => [key(s), { state: s, p: a[i]![n]! / a[i]![i]! }]));
}

describe('two machines and a finite buffer, against their Markov chain', () => {
  // M1 is never starved, M2 never blocked, exponential processing, B places between them,
  // blocking after service. State: k = parts past M1 and not yet out (buffer + M2, plus the
  // one M1 holds when blocked: k = B + 2), and whether each machine is up. Failures are by
  // operating time: a machine fails only while it works.
  interface State {
    readonly k: number;
    readonly up1: boolean;
    readonly up2: boolean;
  }
  interface Line {
    readonly mu1: number;
    readonly mu2: number;
    readonly buffer: number;
    readonly fail?: { readonly p1: number; readonly r1: number; readonly p2: number; readonly r2: number };
  }
  const chain = (l: Line) => {
    const f = l.fail;
    return stationary<State>(
      { k: 0, up1: true, up2: true },
      (s) => `${s.k}/${s.up1}/${s.up2}`,
      (s) => {
        const out: [State, number][] = [];
        const works1 = s.up1 && s.k <= l.buffer + 1;
        const works2 = s.up2 && s.k >= 1;
        if (works1) out.push([{ ...s, k: s.k + 1 }, l.mu1]);
        if (works2) out.push([{ ...s, k: s.k - 1 }, l.mu2]);
        if (f && works1) out.push([{ ...s, up1: false }, f.p1]);
        if (f && !s.up1) out.push([{ ...s, up1: true }, f.r1]);
        if (f && works2) out.push([{ ...s, up2: false }, f.p2]);
        if (f && !s.up2) out.push([{ ...s, up2: true }, f.r2]);
        return out;
      },
    );
  };
  const theory = (l: Line) => {
    const pi = [...chain(l).values()];
    const sum = (pred: (s: State) => boolean) => pi.filter((x) => pred(x.state)).reduce((a, x) => a + x.p, 0);
    return {
      throughput: l.mu2 * sum((s) => s.up2 && s.k >= 1),
      blocked1: sum((s) => s.k === l.buffer + 2),
      failed1: sum((s) => !s.up1),
      starved2: sum((s) => s.k === 0),
      failed2: sum((s) => !s.up2),
    };
  };
  const simulate = (l: Line, seed: number) => {
    const f = l.fail;
    const failures = (p: number, r: number): { between: Distribution; repair: Distribution } => ({ between: exponential(1 / p), repair: exponential(1 / r) });
    const params: LineParams = {
      seed,
      horizon: { seconds: 1_000_000 },
      warmupSeconds: 1_000,
      stations: [
        { id: 's1', machines: [{ id: 'm1', cycle: exponential(1 / l.mu1), failures: f && failures(f.p1, f.r1) }] },
        { id: 's2', buffer: l.buffer, machines: [{ id: 'm2', cycle: exponential(1 / l.mu2), failures: f && failures(f.p2, f.r2) }] },
      ],
    };
    const r = runLine(params);
    const span = r.to - r.from;
    const [m1, m2] = r.machines;
    return {
      throughput: r.good / span,
      blocked1: m1!.time.blocked / span,
      failed1: m1!.time.failed / span,
      starved2: m2!.time.starved / span,
      failed2: m2!.time.failed / span,
    };
  };

  const lines: [string, Line][] = [
    ['no buffer (B = 0)', { mu1: 1, mu2: 1.1, buffer: 0 }],
    ['B = 3, the faster machine first', { mu1: 1.2, mu2: 1, buffer: 3 }],
    ['B = 2 with breakdowns by operating time', { mu1: 1, mu2: 1, buffer: 2, fail: { p1: 0.01, r1: 0.1, p2: 0.02, r2: 0.25 } }],
  ];
  for (const [name, l] of lines) {
    it(`${name}: throughput (±1 %) and each machine's blocked, starved and failed share (±0.01)`, () => {
      const t = theory(l);
      const s = simulate(l, 42);
      expect(Math.abs(s.throughput - t.throughput) / t.throughput).toBeLessThan(0.01);
      for (const k of ['blocked1', 'failed1', 'starved2', 'failed2'] as const) expect(Math.abs(s[k] - t[k]), k).toBeLessThan(0.01);
    });
  }

  it('the chain itself: without breakdowns it is the birth–death chain, π_k ∝ (μ1/μ2)^k', () => {
    const l = { mu1: 1, mu2: 1.1, buffer: 1 };
    const pi = chain(l);
    const ratio = l.mu1 / l.mu2;
    const norm = [0, 1, 2, 3].reduce((a, k) => a + ratio ** k, 0);
    for (const k of [0, 1, 2, 3]) expect(pi.get(`${k}/true/true`)!.p).toBeCloseTo(ratio ** k / norm, 12);
  });
});

describe("Little's law on the demo line", () => {
  // The real site file, with variable times, breakdowns, scrap, setups and a two-shift
  // calendar with breaks: for every station and the whole line, the time-average number of
  // parts there (L) equals its throughput (λ) times the mean time a part spends there (W).
  const site = loadSite();
  const hour = 3600;
  const { params } = siteLineParams(site, {
    machines: {
      'printer-01': { cycle: { type: 'lognormal', mu: Math.log(240), sigma: 0.15 }, failures: { between: exponential(4 * hour), repair: { type: 'triangular', min: 300, mode: 600, max: 1800 } } },
      'printer-02': { cycle: { type: 'gamma', shape: 25, scale: 240 / 25 } },
      'printer-03': { cycle: { type: 'normal', mean: 240, sd: 30 } },
      'printer-04': { cycle: { type: 'weibull', shape: 8, scale: 250 } },
      'robot-01': { cycle: { type: 'uniform', min: 10, max: 14 }, setup: { type: 'deterministic', value: 120 } },
      'conveyor-01': { cycle: { type: 'deterministic', value: 8 }, failures: { between: exponential(2 * hour), repair: exponential(240) } },
      'inspection-01': { cycle: { type: 'empirical', values: [4, 4.5, 5, 5.5, 7], interpolate: true } },
      'robot-02': { cycle: exponential(15) },
    },
    stations: { unloading: { buffer: 0 }, inspection: { scrap: 0.04 } },
    // 06:00–22:00 with two breaks; the run's ends lie inside a shift, away from the nights.
    calendar: { periodSeconds: 24 * hour, working: [{ from: 6 * hour, to: 10 * hour }, { from: 10.5 * hour, to: 14 * hour }, { from: 14.25 * hour, to: 22 * hour }] },
    warmupSeconds: 8 * hour,
    horizon: { seconds: 6 * 24 * hour + 20 * hour },
  });
  const r = runLine(params);

  it('holds on every station and on the line within 0.5 %', () => {
    const span = r.to - r.from;
    expect(r.stations.map((s) => s.id)).toEqual(['printing', 'unloading', 'transport', 'inspection', 'packing']);
    for (const s of r.stations) {
      expect(s.departures, s.id).toBeGreaterThan(5000);
      expect(Math.abs(s.wip - s.throughput * s.sojourn) / s.wip, s.id).toBeLessThan(0.005);
    }
    expect(Math.abs(r.wip - (r.departures / span) * r.sojourn) / r.wip).toBeLessThan(0.005);
    // The stations' parts are the line's.
    expect(r.stations.reduce((a, s) => a + s.wip, 0)).toBeCloseTo(r.wip, 9);
  });

  it('uses every feature it claims to: breakdowns, setups, scrap, off-shift, blocking', () => {
    const m = (id: string) => r.machines.find((x) => x.id === id)!;
    expect(m('printer-01').failures).toBeGreaterThan(0);
    expect(m('conveyor-01').failures).toBeGreaterThan(0);
    expect(m('robot-01').setups).toBeGreaterThan(0);
    expect(r.scrap).toBeGreaterThan(0);
    expect(m('printer-02').time.offShift).toBeGreaterThan(0);
    expect(m('printer-02').time.blocked).toBeGreaterThan(0);
  });
});
