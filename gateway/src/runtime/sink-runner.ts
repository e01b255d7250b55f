// Owns the hard parts of writing, once for every sink: batching by size and by time,
// one write in flight at a time (so points land in order), retries with capped
// exponential backoff and jitter, and a bounded buffer whose overflow is counted.
import type { Point } from '../core/reading.ts';
import { SinkWriteError, type Sink } from '../core/sink.ts';
import type { Telemetry } from '../core/telemetry.ts';

export interface SinkRunnerOptions {
  /** Points per write. */
  readonly batchSize: number;
  /** A partial batch is written after this long. */
  readonly flushIntervalMs: number;
  /** Points held in memory while the sink is failing; beyond it the oldest are dropped and counted. */
  readonly maxBufferedPoints: number;
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
}

export class SinkRunner {
  private pending: Point[] = [];
  private inFlight: readonly Point[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private scheduled = false;
  private backoffMs = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly sink: Sink,
    private readonly telemetry: Telemetry,
    private readonly options: SinkRunnerOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.schedule(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  /** Hot path: never blocks, never throws. */
  push(point: Point): void {
    this.pending.push(point);
    if (this.pending.length + (this.inFlight?.length ?? 0) > this.options.maxBufferedPoints) this.overflow();
    if (this.pending.length >= this.options.batchSize) this.schedule();
  }

  depth(): number {
    return this.pending.length + (this.inFlight?.length ?? 0);
  }

  /** Resolves when everything pushed so far has been written (or given up on). */
  drain(): Promise<void> {
    if (this.depth() === 0) return Promise.resolve();
    this.schedule();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Writes what is buffered, waiting at most `timeoutMs`, then stops. */
  async stop(timeoutMs = 10_000): Promise<void> {
    clearInterval(this.timer);
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([this.drain(), new Promise<void>((r) => (timeout = setTimeout(r, timeoutMs)))]);
    clearTimeout(timeout);
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const left = this.depth();
    if (left > 0) this.telemetry.pointsDropped(this.sink.name, left, 'buffer_full', `still unwritten when the gateway stopped after ${timeoutMs} ms`);
  }

  private overflow(): void {
    const excess = this.pending.length + (this.inFlight?.length ?? 0) - this.options.maxBufferedPoints;
    if (excess <= 0) return;
    this.pending.splice(0, excess);
    this.telemetry.pointsDropped(this.sink.name, excess, 'buffer_full', `more than ${this.options.maxBufferedPoints} points waiting; oldest dropped`);
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight || this.stopped || this.retryTimer) return;
    if (this.pending.length === 0) return this.notifyIdle();
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.inFlight || this.pending.length === 0) return;
    const size = this.options.batchSize;
    let batch: Point[];
    if (this.pending.length <= size) {
      batch = this.pending;
      this.pending = [];
    } else {
      batch = this.pending.slice(0, size);
      this.pending = this.pending.slice(size);
    }
    this.inFlight = batch;
    this.telemetry.bufferDepth(this.sink.name, this.depth());
    const started = performance.now();
    try {
      await this.sink.write(batch);
      this.telemetry.pointsWritten(this.sink.name, batch.length, (performance.now() - started) / 1000);
      this.inFlight = undefined;
      this.backoffMs = 0;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      const retryable = !(err instanceof SinkWriteError) || err.retryable;
      if (!retryable) {
        this.inFlight = undefined;
        this.telemetry.writeFailed(this.sink.name, error, false);
        this.telemetry.pointsDropped(this.sink.name, batch.length, 'rejected_by_sink', error.message);
      } else {
        const initial = this.options.retryInitialMs ?? 250;
        this.backoffMs = Math.min(this.options.retryMaxMs ?? 30_000, this.backoffMs ? this.backoffMs * 2 : initial);
        const wait = this.backoffMs / 2 + Math.random() * (this.backoffMs / 2);
        this.telemetry.writeFailed(this.sink.name, error, true, Math.round(wait));
        // Keep the batch in flight and write it again first: order is kept.
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          void this.retry(batch);
        }, wait);
        this.retryTimer.unref();
        return;
      }
    }
    this.telemetry.bufferDepth(this.sink.name, this.depth());
    if (this.pending.length >= size) this.schedule();
    else if (this.pending.length === 0) this.notifyIdle();
    else if (this.idleWaiters.length > 0) this.schedule();
  }

  private async retry(batch: Point[]): Promise<void> {
    if (this.stopped) return;
    this.inFlight = undefined;
    this.pending = batch.concat(this.pending);
    await this.flush();
  }

  private notifyIdle(): void {
    if (this.depth() > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
