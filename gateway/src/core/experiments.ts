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
}
