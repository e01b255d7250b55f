import type { Point } from './reading.ts';

/**
 * Builds one batch for a sink, point by point, as they arrive. A sink that writes bytes
 * encodes each point here at once, so a waiting batch is one buffer rather than thousands
 * of objects for the garbage collector to copy, and so it can be spooled as it is.
 */
export interface BatchBuilder<B> {
  add(point: Point): void;
  /** Points added so far. */
  readonly count: number;
  /** Called once; the builder is not used after. */
  seal(): B;
}

/**
 * A sink only writes a batch. Batching, retries, backoff and buffering live once, in the
 * runtime's SinkRunner. Promises (checked by test/contracts/sink-contract.ts):
 * - `start` first (it may create a database); if it rejects it is called again later, so it
 *   must be safe to repeat. Nothing is written before it has resolved.
 * - `newBatch` may be called before `start`; a builder is filled by `add`, sealed once, and
 *   the sealed batch handed to `write`.
 * - `write` is never called concurrently with itself; it resolves once the store holds the
 *   whole batch and rejects only with a SinkWriteError: `retryable: false` when the store
 *   refused the data itself (it would be refused again), `retryable: true` otherwise.
 * - A batch may be written more than once (after a retryable failure, from the spool after a
 *   crash, in halves after a refusal); writing it again leaves one copy in the store.
 * - `stop` may come while a write is in flight; a second `stop` is harmless. After it, `write`
 *   sends nothing and rejects retryably (spooled points are written on the next start).
 */
export interface Sink<B = unknown> {
  readonly name: string;
  /** Declared by sinks whose batches are bytes the disk spool can hold (see `SpoolableSink`). */
  readonly spoolable?: false;
  start(): Promise<void>;
  newBatch(): BatchBuilder<B>;
  write(batch: B): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A batch that is bytes (line protocol): what the disk spool can hold. The runner appends
 * the bytes each message added to the spool before the message is acknowledged.
 */
export interface ByteBatchBuilder extends BatchBuilder<Buffer> {
  readonly byteLength: number;
  /** The bytes added since `offset`: a view, valid until the next `add` (the spool copies it at once). */
  bytesFrom(offset: number): Buffer;
  /** Forgets everything added after `byteLength` bytes and `count` points. */
  truncate(byteLength: number, count: number): void;
}

/**
 * An optional ability, declared in the type: a sink whose batches are bytes, so the runner
 * can append them to the disk spool as they are built and hand spooled bytes back to `write`.
 */
export interface SpoolableSink extends Omit<Sink<Buffer>, 'spoolable'> {
  readonly spoolable: true;
  newBatch(): ByteBatchBuilder;
}

/** Any sink the runtime can run: one that wants its batches as they are, or one that can be spooled. */
export type AnySink = Sink<unknown> | SpoolableSink;

export function isSpoolable(sink: AnySink): sink is SpoolableSink {
  return sink.spoolable === true;
}

/** A batch that is just the points, for sinks that want them as data. */
export function pointBatch(): BatchBuilder<readonly Point[]> {
  const points: Point[] = [];
  return {
    add: (p) => void points.push(p),
    get count() {
      return points.length;
    },
    seal: () => points,
  };
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

