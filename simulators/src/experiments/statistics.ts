// Figures over replications: the mean with its 95 % confidence interval (Student's t, since
// with 10 or 20 replications the normal's 1.96 is too narrow), the interval a single further
// run falls in (for comparing one recorded run with the model), and the paired difference of
// a scenario and its baseline run with common random numbers.
import jStat from 'jstat';

/** A figure over replications: its mean and the 95 % confidence interval of the mean. */
export interface Estimate {
  readonly mean: number;
  readonly ci95: readonly [number, number];
}

/** A scenario − baseline difference, and whether its interval excludes 0. */
export interface Difference extends Estimate {
  readonly significant: boolean;
}

const t975 = (dof: number) => jStat.studentt.inv(0.975, dof);

function meanAndSd(xs: readonly number[]): { mean: number; sd: number } {
  const n = xs.length;
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= n;
  let ss = 0;
  for (const x of xs) ss += (x - mean) * (x - mean);
  return { mean, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : 0 };
}

const round = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(12)) : x);

/** Mean and 95 % CI of the mean; with one value the interval is that value (nothing to say about spread). */
export function estimate(xs: readonly number[]): Estimate {
  if (xs.length === 0) throw new RangeError('an estimate needs at least one value');
  const { mean, sd } = meanAndSd(xs);
  const half = xs.length > 1 ? (t975(xs.length - 1) * sd) / Math.sqrt(xs.length) : 0;
  // Rounded to 12 digits so that sums in another order cannot show as a different result.
  return { mean: round(mean), ci95: [round(mean - half), round(mean + half)] };
}

/** An estimate where every replication has the figure, else null (a figure not defined in some run is not averaged over the others). */
export function estimateOrNull(xs: readonly (number | null)[]): Estimate | null {
  return xs.length > 0 && xs.every((x) => x !== null) ? estimate(xs as number[]) : null;
}

/**
 * The 95 % prediction interval of one more run: mean ± t·s·√(1 + 1/n). A recorded run is one
 * realisation, so it is judged against this, not against the CI of the mean, which shrinks
 * towards zero width as replications grow and would reject a perfect model.
 */
export function predictionInterval(xs: readonly number[]): readonly [number, number] {
  const { mean, sd } = meanAndSd(xs);
  const half = xs.length > 1 ? t975(xs.length - 1) * sd * Math.sqrt(1 + 1 / xs.length) : 0;
  return [round(mean - half), round(mean + half)];
}

/** The paired difference scenario − baseline, replication by replication (common random numbers make the pairs). */
export function pairedDifference(scenario: readonly number[], baseline: readonly number[]): Difference {
  if (scenario.length !== baseline.length) throw new RangeError(`paired difference of ${scenario.length} and ${baseline.length} values`);
  const e = estimate(scenario.map((x, i) => x - baseline[i]!));
  return { ...e, significant: e.ci95[0] > 0 || e.ci95[1] < 0 };
}

export function pairedDifferenceOrNull(scenario: readonly (number | null)[], baseline: readonly (number | null)[]): Difference | null {
  const ok = scenario.every((x) => x !== null) && baseline.every((x) => x !== null);
  return ok && scenario.length > 0 ? pairedDifference(scenario as number[], baseline as number[]) : null;
}
