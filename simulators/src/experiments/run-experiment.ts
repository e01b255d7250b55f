// One virtual experiment, start to end: calibrate the line from its record, validate the
// calibrated baseline against the record, run the baseline and every scenario (one per sweep
// value) with common random numbers, and put the figures, their intervals and the paired
// differences in one plain, JSON-serialisable result. Synchronous and pure: meant for a
// worker thread; the same site, record and scenario give the same numbers, always.
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import type { Design } from './apply-changes.ts';
import type { CalibrationReport } from './calibrate.ts';
import { experimentHash, experimentInputs } from './experiment-inputs.ts';
import type { RecordedLine } from './recorded-line.ts';
import { replicate } from './replicate.ts';
import type { Change, Scenario } from './scenario.ts';
import { differences, summarise, type BottleneckSummary, type Differences, type ScenarioFigures } from './summary.ts';
import { validate, type Validation } from './validate.ts';

export { DEFAULT_MAX_HOURS, experimentHash } from './experiment-inputs.ts';
// The engine module's second entry: the gateway's worker calls it for a replay of one replication.
export { traceReplication } from './trace-replication.ts';

export interface ExperimentHooks {
  /** Called between replications with the share done, 0..1; last with 1. */
  progress?(fraction: number): void;
  /**
   * Checked before every replication; once `aborted`, the run throws `ExperimentAbortedError`.
   * An `AbortSignal` serves; in a worker thread busy with this synchronous call, messages are
   * not handled, so pass an object whose `aborted` reads a flag in a SharedArrayBuffer.
   */
  signal?: { readonly aborted: boolean } | undefined;
}

export class ExperimentAbortedError extends Error {
  readonly code = 'FL_EXPERIMENT_ABORTED';
  constructor() {
    super('the experiment was cancelled');
    this.name = 'ExperimentAbortedError';
  }
}

export interface ScenarioResult extends ScenarioFigures {
  readonly name: string;
  /** What was changed against the baseline, the sweep's change included. */
  readonly changes: readonly Change[];
  readonly sweepValue: number | null;
  /** Scenario − baseline, replication by replication. */
  readonly differences: Differences;
}

export interface ExperimentResult {
  readonly version: 1;
  readonly name: string | null;
  readonly line: string;
  readonly seed: number;
  readonly replications: number;
  /** The instant the horizon starts. */
  readonly start: string;
  readonly horizon: { readonly hours: number } | { readonly untilGood: number; readonly maxHours: number };
  /** sha256 of the canonical JSON of the record, the scenario and the line's make-up: same hash, same numbers. */
  readonly inputHash: string;
  readonly calibration: CalibrationReport;
  readonly validation: Validation;
  readonly baseline: ScenarioFigures;
  readonly scenarios: readonly ScenarioResult[];
  /** The first scenario (the only one without a sweep); null: baseline only. */
  readonly scenario: ScenarioResult | null;
  /** The first scenario's differences. */
  readonly differences: Differences | null;
  readonly bottleneck: { readonly before: BottleneckSummary; readonly after: BottleneckSummary | null };
  readonly warnings: readonly string[];
}

export function runExperiment(site: SiteModel, recorded: RecordedLine, scenario: Scenario, hooks: ExperimentHooks = {}): ExperimentResult {
  const check = () => {
    if (hooks.signal?.aborted) throw new ExperimentAbortedError();
  };
  check();
  const { calibration, baseDesign, designs, plan, maxHours } = experimentInputs(site, recorded, scenario);
  const h = scenario.horizon;
  const startMs = plan.startMs;

  const R = scenario.replications;
  const total = R * (2 + designs.length);
  let done = 0;
  const each = () => {
    hooks.progress?.(++done / total);
    check();
  };

  const validation = validate(baseDesign, calibration, recorded, plan, each);
  const targetOf = (d: Design) => d.target ?? h.untilGood;
  const baseRuns = replicate(baseDesign, plan, each);
  const baseline = summarise(baseRuns, targetOf(baseDesign), startMs);
  const scenarios = designs.map((s): ScenarioResult => {
    const runs = replicate(s.design, plan, each);
    return { name: s.name, changes: s.changes, sweepValue: s.sweepValue, ...summarise(runs, targetOf(s.design), startMs), differences: differences(runs, baseRuns) };
  });
  if (done < total) hooks.progress?.(1);

  const warnings = [...calibration.report.warnings, ...validation.warnings];
  if (calibration.report.assumed > 0) warnings.push(`${calibration.report.assumed} model parameters are assumed, not recorded (see calibration.entries)`);
  for (const f of [{ name: 'baseline', ...baseline }, ...scenarios]) {
    if (f.target && f.target.reached < f.replications) warnings.push(`${f.name}: the target of ${f.target.quantity} good parts was reached in ${f.target.reached} of ${f.replications} replications within the horizon`);
  }
  const first = scenarios[0] ?? null;
  return {
    version: 1,
    name: scenario.name ?? null,
    line: scenario.line,
    seed: scenario.seed,
    replications: R,
    start: new Date(startMs).toISOString(),
    horizon: h.untilGood !== undefined ? { untilGood: h.untilGood, maxHours } : { hours: h.hours! },
    inputHash: experimentHash(site, recorded, scenario),
    calibration: calibration.report,
    validation,
    baseline,
    scenarios,
    scenario: first,
    differences: first?.differences ?? null,
    bottleneck: { before: baseline.bottleneck, after: first?.bottleneck ?? null },
    warnings,
  };
}
