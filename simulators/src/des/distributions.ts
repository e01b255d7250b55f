// The distributions a model's times are drawn from, as plain data, and their samplers.
// Every sampler turns one uniform number into one value through the distribution's inverse
// CDF (jstat's quantile functions, or the closed form where there is one). Inversion costs
// a little more than the fastest generators, and buys what common random numbers need: one
// draw per value, so streams stay in step between a baseline and a scenario, and a value
// that moves monotonically with the parameters (a slower robot gets a longer time from the
// same draw, not a different draw).
import jStat from 'jstat';
import { quantileSorted } from 'simple-statistics';

export type Distribution =
  /** Always `value`. */
  | { readonly type: 'deterministic'; readonly value: number }
  | { readonly type: 'exponential'; readonly mean: number }
  | { readonly type: 'uniform'; readonly min: number; readonly max: number }
  | { readonly type: 'triangular'; readonly min: number; readonly mode: number; readonly max: number }
  /** Truncated to [min, max]: `min` is 0 unless given, since a time cannot be negative. */
  | { readonly type: 'normal'; readonly mean: number; readonly sd: number; readonly min?: number; readonly max?: number }
  /** ln X is normal with mean `mu` and standard deviation `sigma`. */
  | { readonly type: 'lognormal'; readonly mu: number; readonly sigma: number }
  | { readonly type: 'gamma'; readonly shape: number; readonly scale: number }
  | { readonly type: 'weibull'; readonly shape: number; readonly scale: number }
  /**
   * Resampling observed values: each draw is one of them, equally likely; with `interpolate`,
   * a value on the straight lines between neighbouring order statistics (the continuous
   * empirical distribution, which can give values never seen between the smallest and largest).
   */
  | { readonly type: 'empirical'; readonly values: readonly number[]; readonly interpolate?: boolean };

/** One uniform number in (0, 1) → one value. */
export type Sampler = (u: number) => number;

export function sampler(d: Distribution): Sampler {
  switch (d.type) {
    case 'deterministic': {
      const v = d.value;
      return () => v;
    }
    case 'exponential': {
      // The hot path of the M/M/1 check: the closed form, as jstat's exponential.inv.
      const mean = d.mean;
      return (u) => -mean * Math.log(1 - u);
    }
    case 'uniform': {
      const { min, max } = d;
      return (u) => min + (max - min) * u;
    }
    case 'triangular': {
      const { min, mode, max } = d;
      if (max === min) return () => min;
      return (u) => jStat.triangular.inv(u, min, max, mode);
    }
    case 'normal': {
      const { mean, sd } = d;
      const min = d.min ?? 0;
      const max = d.max ?? Infinity;
      if (sd === 0) return () => Math.min(max, Math.max(min, mean));
      // Truncation by inversion: map u onto the CDF's range over [min, max].
      const lo = jStat.normal.cdf(min, mean, sd);
      const hi = max === Infinity ? 1 : jStat.normal.cdf(max, mean, sd);
      const span = hi - lo;
      if (!(span > 0)) throw new RangeError(`normal(${mean}, ${sd}) has no mass in [${min}, ${max}]`);
      return (u) => Math.min(max, Math.max(min, jStat.normal.inv(lo + u * span, mean, sd)));
    }
    case 'lognormal': {
      const { mu, sigma } = d;
      return (u) => jStat.lognormal.inv(u, mu, sigma);
    }
    case 'gamma': {
      const { shape, scale } = d;
      return (u) => jStat.gamma.inv(u, shape, scale);
    }
    case 'weibull': {
      const { shape, scale } = d;
      return (u) => jStat.weibull.inv(u, scale, shape);
    }
    case 'empirical': {
      if (d.values.length === 0) throw new RangeError('an empirical distribution needs at least one value');
      const sorted = [...d.values].sort((a, b) => a - b);
      const n = sorted.length;
      if (!d.interpolate || n === 1) return (u) => sorted[Math.min(n - 1, Math.floor(u * n))]!;
      // The sample's quantile function with linear interpolation (R's type 7).
      return (u) => quantileSorted(sorted, u);
    }
  }
}

/** The distribution's mean (for an assumed value, a report, or a test against theory). */
export function mean(d: Distribution): number {
  switch (d.type) {
    case 'deterministic':
      return d.value;
    case 'exponential':
      return d.mean;
    case 'uniform':
      return (d.min + d.max) / 2;
    case 'triangular':
      return (d.min + d.mode + d.max) / 3;
    case 'normal': {
      // The truncated normal's mean: μ + σ (φ(α) − φ(β)) / (Φ(β) − Φ(α)).
      const min = d.min ?? 0;
      const max = d.max ?? Infinity;
      if (d.sd === 0) return Math.min(max, Math.max(min, d.mean));
      const a = (min - d.mean) / d.sd;
      const b = (max - d.mean) / d.sd;
      const phi = (x: number) => (Number.isFinite(x) ? Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI) : 0);
      const span = jStat.normal.cdf(b, 0, 1) - jStat.normal.cdf(a, 0, 1);
      return d.mean + (d.sd * (phi(a) - phi(b))) / span;
    }
    case 'lognormal':
      return jStat.lognormal.mean(d.mu, d.sigma);
    case 'gamma':
      return jStat.gamma.mean(d.shape, d.scale);
    case 'weibull':
      return jStat.weibull.mean(d.scale, d.shape);
    case 'empirical': {
      const v = d.values;
      if (!d.interpolate || v.length === 1) return v.reduce((s, x) => s + x, 0) / v.length;
      // Each segment between neighbouring order statistics carries 1/(n−1) of the mass.
      const s = Float64Array.from(v).sort();
      let sum = 0;
      for (let i = 0; i + 1 < s.length; i++) sum += (s[i]! + s[i + 1]!) / 2;
      return sum / (s.length - 1);
    }
  }
}

export const deterministic = (value: number): Distribution => ({ type: 'deterministic', value });
export const exponential = (mean: number): Distribution => ({ type: 'exponential', mean });
