// What the experiments API answers (gateway/src/experiments/ runs them; http/ sends them).
// Times are ISO 8601 strings, the calibration window epoch ms. The scenario and the result
// are the engine's (simulators/src/experiments/): the gateway keeps and passes them on as
// they are, so a field the engine adds reaches the caller without a change here.

export type ExperimentStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface ExperimentCalibration {
  /** The window the line's record was read over, epoch ms. */
  readonly from: number;
  readonly to: number;
  /** The production series the window was taken from, if it was. */
  readonly series: string | null;
  /** sha256 of the recorded line the engine was given: same scenario, seed and hash, same numbers. */
  readonly hash: string;
}

export interface ExperimentSummary {
  readonly id: string;
  /** The scenario's name, as its author gave it (the viewer names it by its changes); null: none. */
  readonly name: string | null;
  readonly status: ExperimentStatus;
  /** 0..1, as the engine reports it; 1 when done. */
  readonly progress: number;
  readonly line: string;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly calibration: ExperimentCalibration;
  /** Why it failed (a coded error of the engine or the gateway). */
  readonly error: { readonly code: string; readonly message: string } | null;
}

export interface ExperimentDetail extends ExperimentSummary {
  /** The scenario as the engine's schema parsed it. */
  readonly scenario: unknown;
  /** The engine's result once done, else null. */
  readonly result: unknown;
}

/** Kinds of a trace event (`[t, kind, index, value]`). */
export const TRACE_KIND = {
  /** index: a machine (into `machines`), value: its state (into `states`). */
  state: 0,
  /** index: a station (into `stations`), value: parts in the buffer in front of it. */
  buffer: 1,
  /** index: the last station, value: good parts the line finished so far, from t = 0. */
  good: 2,
  /** index: the station that found it, value: parts scrapped there so far, from t = 0. */
  scrap: 3,
} as const;
export type TraceKind = (typeof TRACE_KIND)[keyof typeof TRACE_KIND];

/** The line model's machine states, in the order a state event's value indexes. */
export type SimulatedMachineState = 'working' | 'blocked' | 'starved' | 'failed' | 'setup' | 'offShift';

/** Which replication to trace: `GET /api/experiments/:id/trace?arm=…&scenario=…&replication=…&from=…&to=…`. */
export interface TraceQuery {
  readonly arm: 'baseline' | 'scenario';
  /** The scenario (sweep value), 0-based; default 0; null for the baseline. */
  readonly scenario?: number | undefined;
  readonly replication?: number | undefined;
  /** Simulated seconds from t = 0. */
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

/**
 * One replication of a done experiment, run again with its events: the same seed and inputs,
 * so the same run (its good parts are the ones the result counted). Simulated time t (seconds)
 * stands for the instant `start` + t. The events first give every machine's state and every
 * buffer's level at `window.fromSeconds`, then every change in time order, up to
 * `window.toSeconds` (the run stops there, so one falling exactly on it may be left out).
 */
export interface ExperimentTrace {
  readonly experiment: string;
  /** The line simulated (the experiment's). */
  readonly line: string;
  readonly arm: 'baseline' | 'scenario';
  readonly scenario: number | null;
  /** `baseline`, or the scenario's name (a sweep's: "printing machines = 5"). */
  readonly name: string;
  readonly replication: number;
  readonly seed: number;
  /** ISO 8601: the instant simulated t = 0 stands for (the result's `start`). */
  readonly start: string;
  readonly horizonSeconds: number;
  readonly warmupSeconds: number;
  /** What the events cover: the asked window within the horizon and the traced maximum (28 days), ending where the run did (a target horizon: at its last good part). */
  readonly window: { readonly fromSeconds: number; readonly toSeconds: number };
  /** In the model's order; `added`: a machine the scenario added (id like `printer-04+1`). */
  readonly machines: readonly { readonly id: string; readonly station: string; readonly added: boolean }[];
  /** In line order; `buffer`: places in front of the station, null: unlimited (always the first station's). */
  readonly stations: readonly { readonly id: string; readonly buffer: number | null }[];
  readonly states: readonly SimulatedMachineState[];
  /** `[t, kind, index, value]`, t in seconds rounded to the millisecond; kinds: TRACE_KIND. */
  readonly events: readonly (readonly [number, TraceKind, number, number])[];
  /** The engine's hash of the inputs as they are now (the result's `inputHash` when nothing changed). */
  readonly inputHash: string;
  /** E.g. that the site changed since the experiment ran, so this run is not the one its result counted. */
  readonly warnings: readonly string[];
  /** More events than a trace holds (200,000): those after the cap are left out; `counts` are still whole. */
  readonly truncated: boolean;
  /** Good parts and scrap per station (as `stations`), from t = 0 up to the window's start and up to its end. */
  readonly counts: { readonly from: TraceCounts; readonly to: TraceCounts };
}

export interface TraceCounts {
  readonly good: number;
  readonly scrap: readonly number[];
}

/**
 * The experiments' reads and commands. Experiments run one at a time, off the event loop
 * (a worker thread), in the order submitted; they and their results survive a restart.
 */
export interface ExperimentsApi {
  /**
   * Checks the scenario, reads the line's record from InfluxDB and queues the experiment.
   * Rejects with a FieldlabError: `invalid` (the scenario, the line, the calibration window),
   * `unavailable` (InfluxDB does not answer).
   */
  submit(body: unknown): Promise<ExperimentSummary>;
  /** Undefined when there is no such experiment. */
  get(id: string): Promise<ExperimentDetail | undefined>;
  /** Newest first. */
  list(): readonly ExperimentSummary[];
  /** Stops a queued or running experiment (its worker ends); undefined when unknown; `conflict` when it has finished. */
  cancel(id: string): Promise<ExperimentSummary | undefined>;
  /**
   * One replication again, with its events, from the experiment's kept record and scenario
   * (no InfluxDB needed); in a worker thread. Undefined when unknown; `conflict` when not done;
   * `invalid` for an arm, replication or window it does not have.
   */
  trace(id: string, query: TraceQuery): Promise<ExperimentTrace | undefined>;
}
