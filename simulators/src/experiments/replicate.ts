// Replications with common random numbers: replication i of the baseline and of every
// scenario runs with the same seed, so each machine's cycle times, failures and repairs and
// each station's scrap draws are the same numbers in both (the kernel's streams are named
// per machine and station); the difference of a pair is then the change's, not the noise's.
import type { CalendarParams, Horizon, LineParams } from '../des/line-params.ts';
import { runLine } from '../des/line-model.ts';
import type { Design } from './apply-changes.ts';
import { runFigures, type RunFigures } from './run-figures.ts';
import { workingCalendar } from './working-time.ts';

export interface RunPlan {
  /** Until a time, or until a number of good parts (at most `maxSeconds`). */
  readonly horizon: Horizon;
  /** The calendar instant t = 0 stands for, and its ISO text (whose offset is the calendar's clock by default). */
  readonly startMs: number;
  readonly startIso?: string | undefined;
  readonly seed: number;
  readonly replications: number;
  readonly sliceSeconds?: number | undefined;
  /** The kernel's calendar as is, instead of the design's (the validation run's recorded stops); its `calendar` undefined: always working. */
  readonly workingTime?: { readonly calendar: CalendarParams | undefined } | undefined;
}

/** The seed of replication `i`: the same for the baseline and every scenario of one experiment. */
export const replicationSeed = (seed: number, i: number): number => seed * 65_536 + i;

export function horizonSeconds(h: Horizon): number {
  return 'seconds' in h ? h.seconds : h.maxSeconds;
}

export function planCalendar(design: Design, plan: RunPlan): CalendarParams | undefined {
  return plan.workingTime ? plan.workingTime.calendar : workingCalendar(design.calendar, plan.startMs, horizonSeconds(plan.horizon), plan.startIso);
}

/** The line parameters of one replication of a design. */
export function lineParams(design: Design, plan: RunPlan, replication: number, calendar = planCalendar(design, plan)): LineParams {
  return { stations: design.stations, calendar, horizon: plan.horizon, seed: replicationSeed(plan.seed, replication), sliceSeconds: plan.sliceSeconds };
}

/** Runs the design's replications in order; `each` is called after every one (progress, abort: it may throw). */
export function replicate(design: Design, plan: RunPlan, each: (done: number) => void = () => {}): RunFigures[] {
  const calendar = planCalendar(design, plan);
  const target = design.target ?? ('goodParts' in plan.horizon ? plan.horizon.goodParts : undefined);
  const out: RunFigures[] = [];
  for (let i = 0; i < plan.replications; i++) {
    out.push(runFigures(runLine(lineParams(design, plan, i, calendar)), design, target));
    each(i + 1);
  }
  return out;
}
