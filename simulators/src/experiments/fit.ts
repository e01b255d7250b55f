// Fitting a distribution to observed times: maximum likelihood for each family, ranked by
// AIC (2k − 2 ln L), with a Q–Q error beside it (how far the fitted quantiles lie from the
// observed ones, relative to the mean). Goodness-of-fit p-values are not given: with the
// thousands of cycles a week records, every family is rejected for tiny misfits; AIC ranks
// them and the Q–Q error says whether the best is good enough to read.
import { gammaln, quantileSorted } from 'simple-statistics';
import { sampler, type Distribution } from '../des/distributions.ts';

export const FAMILIES = ['exponential', 'lognormal', 'gamma', 'weibull', 'normal'] as const;
export type Family = (typeof FAMILIES)[number];

export interface Fit {
  readonly family: Family;
  readonly distribution: Distribution;
  readonly logLikelihood: number;
  readonly aic: number;
  /** RMS of (observed − fitted) quantile at 1 %, 2 %, …, 99 %, divided by the sample mean. */
  readonly qqError: number;
}

/** Every family that fits the sample (positive families need positive values), best AIC first. */
export function fitAll(values: readonly number[]): Fit[] {
  const xs = Float64Array.from(values).sort();
  const n = xs.length;
  if (n < 2) return [];
  let sum = 0;
  let sumLog = 0;
  for (const x of xs) sum += x;
  const mean = sum / n;
  let ss = 0;
  for (const x of xs) ss += (x - mean) * (x - mean);
  const sd = Math.sqrt(ss / n);
  if (!(sd > 0)) return [];
  const fits: Fit[] = [];
  const push = (family: Family, distribution: Distribution, logL: number, k: number) => {
    if (Number.isFinite(logL)) fits.push({ family, distribution, logLikelihood: logL, aic: 2 * k - 2 * logL, qqError: qqError(xs, distribution, mean) });
  };
  const LOG_2PI = Math.log(2 * Math.PI);
  push('normal', { type: 'normal', mean, sd }, -n * Math.log(sd) - (n / 2) * LOG_2PI - n / 2, 2);
  if (xs[0]! > 0) {
    for (const x of xs) sumLog += Math.log(x);
    const meanLog = sumLog / n;
    push('exponential', { type: 'exponential', mean }, -n * Math.log(mean) - n, 1);
    let ssLog = 0;
    for (const x of xs) ssLog += (Math.log(x) - meanLog) ** 2;
    const sigma = Math.sqrt(ssLog / n);
    if (sigma > 0) push('lognormal', { type: 'lognormal', mu: meanLog, sigma }, -sumLog - n * Math.log(sigma) - (n / 2) * LOG_2PI - n / 2, 2);
    const shape = gammaShape(Math.log(mean) - meanLog);
    const scale = mean / shape;
    push('gamma', { type: 'gamma', shape, scale }, (shape - 1) * sumLog - sum / scale - n * shape * Math.log(scale) - n * gammaln(shape), 2);
    const w = weibullFit(xs, meanLog);
    let sumPow = 0;
    for (const x of xs) sumPow += (x / w.scale) ** w.shape;
    push('weibull', { type: 'weibull', shape: w.shape, scale: w.scale }, n * Math.log(w.shape) - n * w.shape * Math.log(w.scale) + (w.shape - 1) * sumLog - sumPow, 2);
  }
  return fits.sort((a, b) => a.aic - b.aic);
}

function qqError(sorted: Float64Array, d: Distribution, mean: number): number {
  const q = sampler(d);
  const data = sorted as unknown as number[]; // simple-statistics reads by index only
  let ss = 0;
  for (let k = 1; k <= 99; k++) ss += (quantileSorted(data, k / 100) - q(k / 100)) ** 2;
  return Math.sqrt(ss / 99) / mean;
}

/** The gamma's shape by maximum likelihood from s = ln(mean) − mean(ln x): Minka's start, then Newton. */
function gammaShape(s: number): number {
  if (!(s > 0)) return 1e6;
  let k = (3 - s + Math.sqrt((s - 3) ** 2 + 24 * s)) / (12 * s);
  for (let i = 0; i < 50; i++) {
    const step = (Math.log(k) - digamma(k) - s) / (1 / k - trigamma(k));
    const next = k - step;
    k = next > 0 ? next : k / 2;
    if (Math.abs(step) < 1e-10 * k) break;
  }
  return k;
}

/** The Weibull's shape by bisection on the likelihood equation (increasing in k), scaled by the maximum against overflow. */
function weibullFit(sorted: Float64Array, meanLog: number): { shape: number; scale: number } {
  const max = sorted[sorted.length - 1]!;
  const n = sorted.length;
  const g = (k: number) => {
    let a = 0;
    let b = 0;
    for (const x of sorted) {
      const y = (x / max) ** k;
      a += y * Math.log(x);
      b += y;
    }
    return { value: a / b - 1 / k - meanLog, b };
  };
  let lo = 0.02;
  let hi = 500;
  for (let i = 0; i < 80; i++) {
    const mid = Math.sqrt(lo * hi);
    if (g(mid).value > 0) hi = mid;
    else lo = mid;
  }
  const shape = Math.sqrt(lo * hi);
  return { shape, scale: max * (g(shape).b / n) ** (1 / shape) };
}

function digamma(x: number): number {
  let r = 0;
  while (x < 6) r -= 1 / x++;
  const f = 1 / (x * x);
  return r + Math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))));
}

function trigamma(x: number): number {
  let r = 0;
  while (x < 6) r += 1 / (x * x++);
  const f = 1 / (x * x);
  return r + 1 / x + f / 2 + (f / x) * (1 / 6 - f * (1 / 30 - f * (1 / 42 - f / 30)));
}
