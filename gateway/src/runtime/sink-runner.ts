// Owns the hard parts of writing, once for every sink: batching by size and by time,
// one write in flight at a time (so batches land in order), retries with capped
// exponential backoff and jitter, and a bounded buffer whose overflow is counted.
import type { Point } from '../core/reading.ts';
import { SinkWriteError, type BatchBuilder, type Sink } from '../core/sink.ts';
import type { Telemetry } from '../core/telemetry.ts';

export interface SinkRunnerOptions {
  /** Points per write. */
  readonly batchSize: number;
  /** A partial batch is written after this long. */
  readonly flushIntervalMs: number;
  /** Points held in memory while the sink is failing; beyond it the oldest batches are dropped and counted. */
  readonly maxBufferedPoints: number;
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
}

interface Sealed<B> {
  readonly batch: B;
  readonly count: number;
}

export class SinkRunner<B = unknown> {
  private current: BatchBuilder<B>;
  private readonly sealed: Sealed<B>[] = [];
  private sealedPoints = 0;
  private inFlight: Sealed<B> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private scheduled = false;
  private backoffMs = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly sink: Sink<B>,
    private readonly telemetry: Telemetry,
    private readonly options: SinkRunnerOptions,
  ) {
    this.current = sink.newBatch();
  }

  start(): void {
    this.timer = setInterval(() => {
      this.sealCurrent();
      this.schedule();
    }, this.options.flushIntervalMs);
    this.timer.unref();
  }

  /** Hot path: never blocks, never throws. */
  push(point: Point): void {
    this.current.add(point);
    if (this.current.count >= this.options.batchSize) {
      this.sealCurrent();
      if (this.depth() > this.options.maxBufferedPoints) this.overflow();
      this.schedule();
    }
  }

  depth(): number {
    return this.sealedPoints + this.current.count + (this.inFlight?.count ?? 0);
  }

  /** Resolves when everything pushed so far has been written (or given up on). */
  drain(): Promise<void> {
    if (this.depth() === 0) return Promise.resolve();
    this.sealCurrent();
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

  private sealCurrent(): void {
    const count = this.current.count;
    if (count === 0) return;
    this.sealed.push({ batch: this.current.seal(), count });
    this.sealedPoints += count;
    this.current = this.sink.newBatch();
  }

  private overflow(): void {
    let dropped = 0;
    while (this.depth() > this.options.maxBufferedPoints && this.sealed.length > 0) {
      const oldest = this.sealed.shift()!;
      this.sealedPoints -= oldest.count;
      dropped += oldest.count;
    }
    if (dropped > 0) this.telemetry.pointsDropped(this.sink.name, dropped, 'buffer_full', `more than ${this.options.maxBufferedPoints} points waiting; oldest dropped`);
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight || this.stopped || this.retryTimer) return;
    if (this.sealed.length === 0) return this.notifyIdle();
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.inFlight) return;
    const next = this.sealed.shift();
    if (!next) return this.notifyIdle();
    this.sealedPoints -= next.count;
    this.inFlight = next;
    this.telemetry.bufferDepth(this.sink.name, this.depth());
    const started = performance.now();
    try {
      await this.sink.write(next.batch);
      this.telemetry.pointsWritten(this.sink.name, next.count, (performance.now() - started) / 1000);
      this.inFlight = undefined;
      this.backoffMs = 0;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      const retryable = !(err instanceof SinkWriteError) || err.retryable;
      if (!retryable) {
        this.inFlight = undefined;
        this.telemetry.writeFailed(this.sink.name, error, false);
        this.telemetry.pointsDropped(this.sink.name, next.count, 'rejected_by_sink', error.message);
      } else {
        const initial = this.options.retryInitialMs ?? 250;
        this.backoffMs = Math.min(this.options.retryMaxMs ?? 30_000, this.backoffMs ? this.backoffMs * 2 : initial);
        const wait = this.backoffMs / 2 + Math.random() * (this.backoffMs / 2);
        this.telemetry.writeFailed(this.sink.name, error, true, Math.round(wait));
        // The failed batch stays in flight and is written again first: order is kept.
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.inFlight = undefined;
          this.sealed.unshift(next);
          this.sealedPoints += next.count;
          this.schedule();
        }, wait);
        this.retryTimer.unref();
        return;
      }
    }
    this.telemetry.bufferDepth(this.sink.name, this.depth());
    if (this.sealed.length > 0) this.schedule();
    else if (this.current.count > 0 && this.idleWaiters.length > 0) this.drainMore();
    else this.notifyIdle();
  }

  private drainMore(): void {
    this.sealCurrent();
    this.schedule();
  }

  private notifyIdle(): void {
    if (this.depth() > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
