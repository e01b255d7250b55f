import type { Point } from './reading.ts';

/**
 * A sink only writes a batch. Batching, retries, backoff and buffering live once,
 * in the runtime's SinkRunner: `write` is never called concurrently with itself,
 * and a batch is handed to it again after a retryable failure.
 * Lifecycle: `start` once (may create a database), `write` many times, `stop` once.
 */
export interface Sink {
  readonly name: string;
  start(): Promise<void>;
  write(points: readonly Point[]): Promise<void>;
  stop(): Promise<void>;
}

/** Thrown by `Sink.write`. `retryable: false` means the data itself was refused (a 4xx). */
export class SinkWriteError extends Error {
  readonly code = 'FL_SINK_WRITE';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'SinkWriteError';
  }
}
