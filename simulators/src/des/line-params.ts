// What a line model is made of, as plain typed data: the stations in the order parts pass
// them, the machines at each (working in parallel), the buffers between them, scrap,
// failures, setups, the shift calendar, how long to run and the seed. Built from a site file
// (`site-line.ts`) or written by hand; checked by `line-model.ts` only as far as the engine
// needs, and validated with a schema where it comes from a user (a later step).
import type { Distribution } from './distributions.ts';

export interface LineParams {
  /** In the order parts pass them; at least one. */
  readonly stations: readonly StationParams[];
  /**
   * Times between arrivals of raw parts at the first station. Absent: the first station is
   * never starved (raw material unlimited), each of its machines starts a part when free.
   */
  readonly arrivals?: Distribution | undefined;
  /** Working time; absent: always working. */
  readonly calendar?: CalendarParams | undefined;
  readonly horizon: Horizon;
  /** Statistics start here; the line runs from empty before. Default 0. */
  readonly warmupSeconds?: number | undefined;
  readonly seed: number;
  /** The length of a time slice for throughput over time and the bottleneck per slice. Default 3,600 s. */
  readonly sliceSeconds?: number | undefined;
}

/** Until a time, or until a number of good parts (then stopped at `maxSeconds` at the latest). */
export type Horizon = { readonly seconds: number } | { readonly goodParts: number; readonly maxSeconds: number };

export interface StationParams {
  readonly id: string;
  /** At least one; a part goes to whichever is free (the one waiting longest). */
  readonly machines: readonly MachineParams[];
  /**
   * Places for parts in front of this station (after the station before it). A full buffer
   * blocks the machine before it, holding its finished part (blocking after service); 0: the
   * part is handed over only to a free machine here. Default Infinity. The first station's is
   * the arrivals' queue, unlimited.
   */
  readonly buffer?: number | undefined;
  /** Probability that a part finished here is scrap and leaves the line. Default 0. */
  readonly scrap?: number | undefined;
}

export interface MachineParams {
  readonly id: string;
  /** Processing time of one part. */
  readonly cycle: Distribution;
  /**
   * Breakdowns. `between` is operating time (the machine only wears while working, so a
   * blocked, starved or off-shift machine does not fail); `repair` is the time to repair.
   */
  readonly failures?: { readonly between: Distribution; readonly repair: Distribution } | undefined;
  /** A setup at the start of the run and after every off-shift period (a new shift, a break). */
  readonly setup?: Distribution | undefined;
}

/**
 * A pattern of working windows that repeats every `periodSeconds` from t = 0 (a day: 86,400;
 * a week: 604,800). Outside the windows the line is off shift: nights, weekends, breaks,
 * planned stops alike.
 */
export interface CalendarParams {
  readonly periodSeconds: number;
  /** `from` < `to`, within [0, periodSeconds], sorted and not overlapping. */
  readonly working: readonly { readonly from: number; readonly to: number }[];
}
