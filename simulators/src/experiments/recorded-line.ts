// What a line's history says, as plain data: the input of calibration. The gateway reads it
// from InfluxDB (its `part`, `machine_state` and `production_series` points over a window);
// tests write it by hand from known distributions. Times are epoch ms, durations seconds.

/** One machine's record over the window. */
export interface RecordedMachine {
  readonly device: string;
  readonly station: string;
  /**
   * Per part, the seconds since the previous part spent making it: producing and setup (and
   * idle at the line's first station, which the model never starves), faults left out; a
   * gap with a planned stop or offline time in it is not a cycle.
   */
  readonly cycles: readonly number[];
  /** Producing seconds between the end of one fault and the start of the next (operating time between failures); the first runs from the window's start. */
  readonly upBetweenFailures: readonly number[];
  /** Seconds each fault lasted, of the faults that ended in the window. */
  readonly repairs: readonly number[];
  /** Parts counted (good and scrap) and scrap, from its `part` points. */
  readonly produced: number;
  readonly scrap: number;
  /** Seconds in each machine state in the window, from `machine_state` events (the gateway's judgement). */
  readonly seconds: Readonly<Record<'producing' | 'idle' | 'setup' | 'fault' | 'offline', number>>;
}

export interface RecordedLine {
  readonly line: string;
  readonly from: number;
  readonly to: number;
  /** The production series the window was taken from, if it was. */
  readonly series: string | null;
  readonly machines: readonly RecordedMachine[];
  /** Planned stops (breaks, changeovers) in the window, from the series' pause/resume events. */
  readonly plannedStops: readonly { readonly from: number; readonly to: number; readonly reason: string }[];
  /** Good parts and scrap the line's last station counted in the window. */
  readonly good: number;
  readonly scrap: number;
}
