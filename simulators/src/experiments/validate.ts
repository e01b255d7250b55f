// The validation gate: before a scenario is compared with anything, the calibrated baseline
// is simulated over the calibration window (its length, its planned stops) and compared with
// what was recorded there. The recorded window is one run of the real line, so it is judged
// against the interval one simulated run falls in with 95 % probability (the prediction
// interval), not against the CI of the simulated mean, which narrows as replications grow.
// The gate is throughput: within ±5 % of the simulated mean and inside that interval. Scrap
// and each machine's producing share are shown beside it and warned about, not gated: their
// recorded values come from the gateway's judgement of states, which a model of the flow
// need not match to predict throughput.
import { replicate, type RunPlan } from './replicate.ts';
import type { Design } from './apply-changes.ts';
import { MIN_CYCLES, type Calibration } from './calibrate.ts';
import type { RecordedLine } from './recorded-line.ts';
import { estimate, predictionInterval, type Estimate } from './statistics.ts';
import { stopsCalendar } from './working-time.ts';

export interface ValidationTolerance {
  /** Throughput: |simulated mean − recorded| / recorded at most this. Default 0.05. */
  readonly throughput: number;
  /** Scrap rate and utilisation pass when inside the interval or within this absolute difference. Defaults 0.01, 0.03. */
  readonly scrapRate: number;
  readonly utilisation: number;
}

export const DEFAULT_TOLERANCE: ValidationTolerance = { throughput: 0.05, scrapRate: 0.01, utilisation: 0.03 };

export interface ValidationFigure {
  readonly recorded: number;
  readonly simulated: Estimate;
  /** Where one simulated run falls with 95 % probability. */
  readonly interval95: readonly [number, number];
  /** Recorded − simulated mean. */
  readonly difference: number;
  /** The difference over the simulated mean; null where that is 0. */
  readonly relativeDifference: number | null;
  /** Null: not judged (a machine whose cycle time was assumed, not recorded). */
  readonly withinTolerance: boolean | null;
}

export interface Validation {
  readonly hours: number;
  readonly replications: number;
  readonly recordedGoodPerHour: number;
  readonly simulatedGoodPerHour: Estimate;
  readonly throughput: ValidationFigure;
  readonly scrapRate: ValidationFigure;
  readonly utilisation: readonly ({ readonly id: string } & ValidationFigure)[];
  readonly tolerance: ValidationTolerance;
  /** The gate: throughput within tolerance. */
  readonly withinTolerance: boolean;
  readonly warnings: readonly string[];
}

export function validate(
  design: Design,
  calibration: Calibration,
  recorded: RecordedLine,
  plan: Pick<RunPlan, 'seed' | 'replications'>,
  each: (done: number) => void = () => {},
  tolerance: ValidationTolerance = DEFAULT_TOLERANCE,
): Validation {
  const seconds = (recorded.to - recorded.from) / 1000;
  const hours = seconds / 3600;
  const stops = calibration.plannedStops;
  // The window's own working time: always working but for the recorded planned stops.
  const runPlan: RunPlan = { horizon: { seconds }, startMs: recorded.from, seed: plan.seed, replications: plan.replications, workingTime: { calendar: stopsCalendar(stops, seconds) } };
  const runs = replicate(design, runPlan, each);
  const figure = (rec: number, sims: number[], ok: (f: Omit<ValidationFigure, 'withinTolerance'>) => boolean | null): ValidationFigure => {
    const simulated = estimate(sims);
    const interval95 = predictionInterval(sims);
    const f = { recorded: rec, simulated, interval95, difference: rec - simulated.mean, relativeDifference: simulated.mean !== 0 ? (rec - simulated.mean) / simulated.mean : null };
    return { ...f, withinTolerance: ok(f) };
  };
  const inside = (f: { recorded: number; interval95: readonly [number, number] }) => f.recorded >= f.interval95[0] && f.recorded <= f.interval95[1];

  const recordedGoodPerHour = recorded.good / hours;
  const throughput = figure(recordedGoodPerHour, runs.map((r) => r.goodPerHour), (f) => f.relativeDifference !== null && Math.abs(f.relativeDifference) <= tolerance.throughput && inside(f));
  const total = recorded.good + recorded.scrap;
  const scrapRate = figure(total > 0 ? recorded.scrap / total : 0, runs.map((r) => r.scrapRate), (f) => inside(f) || Math.abs(f.difference) <= tolerance.scrapRate);
  const stopSeconds = stops.reduce((a, [from, to]) => a + Math.max(0, Math.min(seconds, to) - Math.max(0, from)), 0);
  const planned = seconds - stopSeconds;
  const byDevice = new Map(recorded.machines.map((m) => [m.device, m]));
  const utilisation = runs[0]!.machines.map((m) => {
    const rec = byDevice.get(m.id);
    const judged = rec !== undefined && rec.cycles.length >= MIN_CYCLES;
    return { id: m.id, ...figure(rec && planned > 0 ? rec.seconds.producing / planned : 0, runs.map((r) => r.machines.find((x) => x.id === m.id)!.utilisation), (f) => (judged ? inside(f) || Math.abs(f.difference) <= tolerance.utilisation : null)) };
  });

  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)} %`);
  const warnings: string[] = [];
  if (!throughput.withinTolerance) {
    warnings.push(
      `the model fails validation: recorded ${recordedGoodPerHour.toFixed(2)} good parts per hour, simulated ${throughput.simulated.mean.toFixed(2)} (one run: ${throughput.interval95[0].toFixed(2)}–${throughput.interval95[1].toFixed(2)}), ${pct(throughput.relativeDifference)} off; tolerance ±${pct(tolerance.throughput)} and inside the interval`,
    );
  }
  if (scrapRate.withinTolerance === false) warnings.push(`scrap rate: recorded ${pct(scrapRate.recorded)}, simulated ${pct(scrapRate.simulated.mean)}`);
  for (const u of utilisation) if (u.withinTolerance === false) warnings.push(`${u.id} producing share: recorded ${pct(u.recorded)}, simulated ${pct(u.simulated.mean)}`);
  return { hours, replications: runs.length, recordedGoodPerHour, simulatedGoodPerHour: throughput.simulated, throughput, scrapRate, utilisation, tolerance, withinTolerance: throughput.withinTolerance === true, warnings };
}
