// A whole virtual experiment on the demo line, single thread: a record the model writes
// (40 h, the live simulator's kind of variation), calibration, the validation gate over the
// record's window, then 20 replications each of the baseline and one scenario (a fifth
// printer) over one simulated week with two shifts and breaks. Wall time by phase, time per
// replication, and peak memory (the largest RSS seen between replications).
import { loadavg } from 'node:os';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { calibrate } from '../../simulators/src/experiments/calibrate.ts';
import { runExperiment } from '../../simulators/src/experiments/run-experiment.ts';
import { scenarioFromBody } from '../../simulators/src/experiments/scenario.ts';
import { demoTruth, recordFromModel } from '../../test/support/recorded-from-model.ts';

export interface DesExperimentResult {
  readonly name: 'des-experiment';
  readonly replications: number;
  readonly recordHours: number;
  readonly horizonHours: number;
  readonly calibrateMs: number;
  /** runExperiment, all of it: calibration, validation (R × the record's window), baseline and scenario (R × a week each). */
  readonly experimentMs: number;
  readonly validationMs: number;
  /** One week, one replication, with its figures (median). */
  readonly weekReplicationMs: number;
  /** If the week replications were split over two threads (they are independent): an estimate, not measured. */
  readonly twoThreadsEstimateMs: number;
  readonly peakRssMb: number;
  readonly resultJsonKb: number;
  readonly loadavg: readonly number[];
}

export function benchDesExperiment(options: { replications?: number } = {}): DesExperimentResult {
  const R = options.replications ?? 20;
  const site = loadSite();
  const recordHours = 40;
  const { recorded } = recordFromModel(site, demoTruth(3, { hours: recordHours, stops: [[4 * 3600, 4.5 * 3600], [20 * 3600, 20.5 * 3600]] }));
  const scenario = scenarioFromBody({
    line: 'streetlight',
    changes: [{ station: 'printing', add: 1 }],
    horizon: { hours: 168 },
    replications: R,
    seed: 42,
    start: '2026-12-07T06:00:00+01:00',
    calendar: { shifts: [{ from: '06:00', to: '14:00' }, { from: '14:00', to: '22:00' }], breaks: [{ from: '10:00', to: '10:30' }, { from: '18:00', to: '18:30' }] },
  });
  // Warm-up of the JIT, as a reused worker thread would be.
  runExperiment(site, recorded, { ...scenario, replications: 2 });

  let t0 = performance.now();
  calibrate(site, recorded);
  const calibrateMs = performance.now() - t0;

  let peak = process.memoryUsage().rss;
  const marks: number[] = [];
  t0 = performance.now();
  const result = runExperiment(site, recorded, scenario, {
    progress: () => {
      marks.push(performance.now());
      peak = Math.max(peak, process.memoryUsage().rss);
    },
  });
  const experimentMs = performance.now() - t0;
  const validationMs = marks[R - 1]! - t0;
  const week = marks.slice(R).map((m, i) => m - marks[R - 1 + i]!);
  const weekReplicationMs = [...week].sort((a, b) => a - b)[Math.floor(week.length / 2)]!;
  const weeksMs = marks.at(-1)! - marks[R - 1]!;
  return {
    name: 'des-experiment',
    replications: R,
    recordHours,
    horizonHours: 168,
    calibrateMs,
    experimentMs,
    validationMs,
    weekReplicationMs,
    twoThreadsEstimateMs: experimentMs - weeksMs / 2 - validationMs / 2,
    peakRssMb: peak / 2 ** 20,
    resultJsonKb: JSON.stringify(result).length / 1024,
    loadavg: loadavg(),
  };
}
