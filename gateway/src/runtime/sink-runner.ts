// Owns the hard parts of writing, once for every sink: batching by size and by time,
// one write in flight at a time, retries with capped exponential backoff and jitter, and
// (for byte sinks) the disk spool: every point is appended to it before its message is
// acknowledged, and removed once written. While the sink fails, batches wait as a
// backlog, in memory up to a bound and beyond it on disk only; once the sink answers,
// the backlog is replayed in order, paced, and interleaved with fresh batches so that
// current data keeps arriving while history catches up. Each batch that waited is
// reported once written, with its points' time span, for what the store does on a
// schedule (InfluxDB's rollups) and has missed.
import type { Point } from '../core/reading.ts';
import { SinkWriteError, isSpoolable, type AnySink, type BatchBuilder, type ByteBatchBuilder, type SpoolableSink } from '../core/sink.ts';
import type { Telemetry } from '../core/telemetry.ts';
import { writeSplittingRefusals, type DeadLetterFile } from './dead-letter.ts';
import { Spool, spooledTimeSpan, type SpoolEntryRange } from './spool.ts';
import { startWithRetry, type RetryOptions } from './start-with-retry.ts';

export type SpoolFullPolicy = 'drop_oldest' | 'drop_newest';

export interface SpoolSetup {
  readonly spool: Spool;
  /** Bytes of unsent points kept on disk at most. */
  readonly maxBytes: number;
  /** What gives way at the bound; either way it is counted and logged. */
  readonly whenFull: SpoolFullPolicy;
  /** Backlog written at most this fast, so a long outage's catch-up does not overrun the database. */
  readonly replayPointsPerSecond: number;
  readonly deadLetter: DeadLetterFile;
}

export interface SinkRunnerOptions {
  /** Points per write. */
  readonly batchSize: number;
  /** A partial batch is written after this long. */
  readonly flushIntervalMs: number;
  /**
   * Points held in memory while the sink is failing. Beyond it, with a spool, the oldest
   * batches are kept on disk only; without one they are dropped and counted.
   */
  readonly maxBufferedPoints: number;
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
  /** Only for sinks that declare themselves `SpoolableSink`; the runner refuses it for others. */
  readonly spool?: SpoolSetup | undefined;
  /**
   * Called when a batch that waited for the sink (it failed, had not started yet, or an
   * earlier run left it in the spool) has been written, with its points' first and last
   * time (ms): what the store's own schedules may have passed by. Must return at once and
   * not throw.
   */
  readonly lateWritten?: ((from: number, to: number) => void) | undefined;
}

interface Queued {
  /** The sealed batch of a sink that is not spooled. */
  batch: unknown;
  /** The sealed bytes of a spooled sink; undefined when they are only in the spool (read back when their turn comes). */
  bytes: Buffer | undefined;
  readonly count: number;
  /** Its entries in the spool, if spooled. */
  readonly range: SpoolEntryRange | undefined;
  /** When its first point was buffered: for the age of the oldest unsent point. */
  readonly since: number;
  /** Its points' first and last time; undefined for what an earlier run spooled, until it is read back. */
  span: { readonly from: number; readonly to: number } | undefined;
  /** It waited for the sink: its write is reported to `lateWritten`. */
  late: boolean;
}

/** What the runner builds into now: the sink's own batch, or a spooled sink's bytes. */
type Building = { readonly spooled: false; readonly batch: BatchBuilder<unknown> } | { readonly spooled: true; readonly batch: ByteBatchBuilder };

export class SinkRunner {
  private current: Building;
  private currentSince = 0;
  private currentFrom = 0;
  private currentTo = 0;
  /** The sink's start has failed and not yet worked: what is sealed meanwhile waits for it. */
  private sinkDown = false;
  /** What of `current` is already in the spool. */
  private committed = { bytes: 0, count: 0, keys: [] as number[] };
  private fresh: Queued[] = [];
  private backlog: Queued[] = [];
  private queuedPoints = 0;
  private inMemoryPoints = 0;
  private inFlight: Queued | undefined;
  private failing = false;
  private lastWasBacklog = false;
  private nextBacklogAt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Set while backing off after a failure: nothing is written until it fires. */
  private retryTimer: NodeJS.Timeout | undefined;
  /** Set while the backlog waits for its pace: fresh batches still go. */
  private paceTimer: NodeJS.Timeout | undefined;
  private scheduled = false;
  private backoffMs = 0;
  private stopped = false;
  /** Set while `startSink` waits for the sink's start to work: nothing is written before it has. */
  private waitingForSink = false;
  private idleWaiters: (() => void)[] = [];
  /** What an earlier run spooled and this one has not yet written or given up on. */
  private readonly unwrittenFromSpool = new Set<Queued>();
  private recoveredWaiters: (() => void)[] = [];
  private readonly spool: SpoolSetup | undefined;
  private readonly newBatch: () => Building;
  private readonly writeBatch: (q: Queued) => Promise<number>;

  constructor(
    readonly sink: AnySink,
    private readonly telemetry: Telemetry,
    private readonly options: SinkRunnerOptions,
  ) {
    this.spool = options.spool;
    if (isSpoolable(sink)) {
      const setup = options.spool;
      this.newBatch = () => ({ spooled: true, batch: sink.newBatch() });
      this.writeBatch = setup ? (q) => this.writeSpooled(sink, setup, q) : (q) => sink.write(q.bytes!).then(() => 0);
    } else {
      if (options.spool) throw new Error(`sink ${sink.name} cannot be spooled: it does not declare itself a SpoolableSink`);
      this.newBatch = () => ({ spooled: false, batch: sink.newBatch() });
      this.writeBatch = (q) => sink.write(q.batch!).then(() => 0);
    }
    this.current = this.newBatch();
    if (this.spool) {
      // What an earlier run spooled and did not write goes first.
      for (const range of this.spool.spool.recover(options.batchSize)) {
        const q: Queued = { batch: undefined, bytes: undefined, count: range.points, range, since: Spool.appendedAt(range.from), span: undefined, late: true };
        this.backlog.push(q);
        this.unwrittenFromSpool.add(q);
        this.queuedPoints += range.points;
      }
      if (this.queuedPoints > 0) telemetry.log.info({ sink: sink.name, points: this.queuedPoints, bytes: this.spool.spool.bytes }, `sink ${sink.name}: ${this.queuedPoints} points from the spool to write`);
    }
  }

  start(): void {
    this.timer = setInterval(() => {
      this.sealCurrent();
      this.schedule();
    }, this.options.flushIntervalMs);
    this.timer.unref();
    this.schedule();
  }

  /**
   * Starts the sink, retrying in the background until it works or `retry.signal` aborts (the
   * gateway stops). Points pushed meanwhile wait (and are spooled); none is written to a sink
   * whose start has not worked, as the Sink contract promises.
   */
  async startSink(retry: Omit<RetryOptions, 'failed'>): Promise<void> {
    this.waitingForSink = true;
    const name = this.sink.name;
    const started = await startWithRetry(() => this.sink.start(), {
      ...retry,
      failed: (err, retryInMs) => {
        this.sinkDown = true;
        for (const q of this.fresh) q.late = true;
        this.telemetry.writeFailed(name, new Error(`start failed: ${err.message}`), true, retryInMs);
      },
    });
    if (!started) return;
    this.waitingForSink = false;
    this.sinkDown = false;
    this.schedule();
  }

  /** Hot path: never blocks on I/O, never throws. */
  push(point: Point): void {
    const batch = this.current.batch;
    if (batch.count === 0) {
      this.currentSince = Date.now();
      this.currentFrom = this.currentTo = point.time;
    } else if (point.time < this.currentFrom) this.currentFrom = point.time;
    else if (point.time > this.currentTo) this.currentTo = point.time;
    batch.add(point);
    if (batch.count >= this.options.batchSize) {
      this.sealCurrent();
      this.schedule();
    }
  }

  /**
   * Appends the points pushed since the last call to the spool, synchronously. The gateway
   * calls it once per message, before the message is acknowledged to its source.
   */
  commit(): void {
    const setup = this.spool;
    if (!setup || !this.current.spooled) return;
    const batch = this.current.batch;
    const c = this.committed;
    if (batch.count === c.count) return;
    if (batch.byteLength === c.bytes) {
      c.count = batch.count;
      return;
    }
    const bytes = batch.bytesFrom(c.bytes);
    const points = batch.count - c.count;
    if (setup.spool.bytes + bytes.length > setup.maxBytes && !this.makeRoom(bytes.length)) {
      batch.truncate(c.bytes, c.count);
      this.telemetry.pointsDropped(this.sink.name, points, 'spool_full', `spool at its bound of ${setup.maxBytes} bytes; newest points dropped (spool.whenFull: drop_newest)`);
      return;
    }
    try {
      c.keys.push(setup.spool.append(bytes, points));
    } catch (err) {
      // Still written from memory if the sink answers; only the crash guarantee is lost.
      this.telemetry.spoolFailed(this.sink.name, err as Error);
    }
    c.bytes = batch.byteLength;
    c.count = batch.count;
  }

  /** Points not yet confirmed by the sink: in memory, on disk, in flight. */
  depth(): number {
    return this.queuedPoints + this.current.batch.count + (this.inFlight?.count ?? 0);
  }

  /** When the oldest point not yet confirmed was buffered (ms since the epoch), or undefined. */
  oldestUnsentAt(): number | undefined {
    let oldest = this.current.batch.count > 0 ? this.currentSince : Infinity;
    for (const q of [this.inFlight, this.backlog[0], this.fresh[0]]) if (q && q.since < oldest) oldest = q.since;
    return Number.isFinite(oldest) ? oldest : undefined;
  }

  spoolUsage(): { readonly points: number; readonly bytes: number } | undefined {
    return this.spool ? { points: this.spool.spool.points, bytes: this.spool.spool.bytes } : undefined;
  }

  /** Whether points an earlier run spooled are still waiting to be written. */
  get recovering(): boolean {
    return this.unwrittenFromSpool.size > 0;
  }

  /**
   * Resolves once the points an earlier run left in the spool are written (or given up on):
   * from then on the sink holds everything stored before this start. Never while stopped first.
   */
  recovered(): Promise<void> {
    if (this.unwrittenFromSpool.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.recoveredWaiters.push(resolve));
  }

  /** Resolves when everything pushed so far has been written (or given up on). */
  drain(): Promise<void> {
    if (this.depth() === 0) return Promise.resolve();
    this.sealCurrent();
    this.schedule();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Writes what is buffered, waiting at most `timeoutMs`, then stops. What is spooled stays for the next start. */
  async stop(timeoutMs = 10_000): Promise<void> {
    clearInterval(this.timer);
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([this.drain(), new Promise<void>((r) => (timeout = setTimeout(r, timeoutMs)))]);
    clearTimeout(timeout);
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.paceTimer);
    const left = this.depth();
    if (left === 0) return;
    if (this.spool) this.telemetry.log.warn({ sink: this.sink.name, points: left }, `sink ${this.sink.name}: ${left} points stay in the spool and are written on the next start`);
    else this.telemetry.pointsDropped(this.sink.name, left, 'buffer_full', `still unwritten when the gateway stopped after ${timeoutMs} ms`);
  }

  private sealCurrent(): void {
    this.commit();
    const sealing = this.current;
    const count = sealing.batch.count;
    if (count === 0) return;
    const c = this.committed;
    const range = c.keys.length > 0 ? { from: c.keys[0]!, to: c.keys[c.keys.length - 1]!, keys: c.keys, points: c.count, bytes: c.bytes } : undefined;
    const sealed = sealing.spooled ? { batch: undefined, bytes: sealing.batch.seal() } : { batch: sealing.batch.seal(), bytes: undefined };
    this.fresh.push({ ...sealed, count, range, since: this.currentSince, span: { from: this.currentFrom, to: this.currentTo }, late: this.sinkDown });
    this.queuedPoints += count;
    this.inMemoryPoints += count;
    this.current = this.newBatch();
    this.committed = { bytes: 0, count: 0, keys: [] };
    if (this.inMemoryPoints > this.options.maxBufferedPoints) this.relieveMemory();
  }

  /** Oldest first: spooled batches leave memory (they stay on disk); unspooled ones are dropped. */
  private relieveMemory(): void {
    let dropped = 0;
    for (const q of [...this.backlog, ...this.fresh]) {
      if (this.inMemoryPoints <= this.options.maxBufferedPoints) break;
      if (!inMemory(q)) continue;
      q.batch = undefined;
      q.bytes = undefined;
      this.inMemoryPoints -= q.count;
      if (!q.range) dropped += q.count;
    }
    if (dropped > 0) {
      this.backlog = this.backlog.filter((q) => inMemory(q) || q.range);
      this.fresh = this.fresh.filter((q) => inMemory(q) || q.range);
      this.queuedPoints -= dropped;
      this.telemetry.pointsDropped(this.sink.name, dropped, 'buffer_full', `more than ${this.options.maxBufferedPoints} points waiting in memory and no spool; oldest dropped`);
    }
  }

  /** drop_oldest: frees the spool from the oldest waiting batches. Returns whether `bytes` now fit. */
  private makeRoom(bytes: number): boolean {
    const setup = this.spool!;
    if (setup.whenFull !== 'drop_oldest') return false;
    let dropped = 0;
    let from = Infinity;
    for (const queue of [this.backlog, this.fresh]) {
      while (queue.length > 0 && setup.spool.bytes + bytes > setup.maxBytes) {
        const q = queue.shift()!;
        this.forget(q);
        dropped += q.count;
        from = Math.min(from, q.since);
      }
    }
    if (dropped > 0) {
      this.telemetry.pointsDropped(this.sink.name, dropped, 'spool_full', `spool at its bound of ${setup.maxBytes} bytes; oldest points (buffered since ${new Date(from).toISOString()}) dropped (spool.whenFull: drop_oldest)`);
    }
    return setup.spool.bytes + bytes <= setup.maxBytes;
  }

  private forget(q: Queued): void {
    this.settled(q);
    if (q.range) this.spool?.spool.remove(q.range);
    this.queuedPoints -= q.count;
    if (inMemory(q)) this.inMemoryPoints -= q.count;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight || this.stopped || this.retryTimer || this.waitingForSink) return;
    if (this.fresh.length === 0 && this.backlog.length === 0) return this.notifyIdle();
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  /**
   * The next batch: after a failure, the one that failed (order kept); then fresh and
   * backlog batches by turns, the backlog no faster than `replayPointsPerSecond`.
   */
  private next(): Queued | undefined {
    const backlogDue = this.backlog.length > 0 && (this.failing || Date.now() >= this.nextBacklogAt);
    if (backlogDue && (this.failing || this.fresh.length === 0 || !this.lastWasBacklog)) {
      this.lastWasBacklog = true;
      return this.backlog.shift();
    }
    if (this.fresh.length > 0) {
      this.lastWasBacklog = false;
      return this.fresh.shift();
    }
    if (this.backlog.length > 0 && !this.paceTimer && !this.stopped) {
      this.paceTimer = setTimeout(() => {
        this.paceTimer = undefined;
        this.schedule();
      }, Math.max(0, this.nextBacklogAt - Date.now()));
      this.paceTimer.unref();
    }
    return undefined;
  }

  private async flush(): Promise<void> {
    // startSink may begin after start() queued this flush: the gate is checked here too.
    if (this.inFlight || this.stopped || this.waitingForSink) return;
    const next = this.next();
    if (!next) return this.notifyIdle();
    const fromBacklog = this.lastWasBacklog;
    this.queuedPoints -= next.count;
    if (inMemory(next)) this.inMemoryPoints -= next.count;
    this.inFlight = next;
    this.telemetry.bufferDepth(this.sink.name, this.depth());
    const started = performance.now();
    const startedAt = Date.now();
    let writtenLate = false;
    try {
      const refused = await this.writeBatch(next);
      this.telemetry.pointsWritten(this.sink.name, next.count - refused, (performance.now() - started) / 1000);
      if (next.range) this.spool?.spool.remove(next.range);
      this.settled(next);
      // Paced from the start of this write: a database slower than the pace is not slowed further.
      if (fromBacklog && this.spool) this.nextBacklogAt = startedAt + (next.count / this.spool.replayPointsPerSecond) * 1000;
      this.inFlight = undefined;
      this.failing = false;
      this.backoffMs = 0;
      writtenLate = next.late;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      if (err instanceof SinkWriteError && !err.retryable) {
        // Only without a spool: with one, refusals are split out and dead-lettered.
        this.inFlight = undefined;
        this.telemetry.writeFailed(this.sink.name, error, false);
        this.telemetry.pointsDropped(this.sink.name, next.count, 'rejected_by_sink', error.message);
        this.settled(next);
      } else {
        this.retryLater(next, error);
        return;
      }
    }
    if (writtenLate && next.span) this.options.lateWritten?.(next.span.from, next.span.to);
    this.telemetry.bufferDepth(this.sink.name, this.depth());
    if (this.fresh.length > 0 || this.backlog.length > 0) this.schedule();
    else if (this.current.batch.count > 0 && this.idleWaiters.length > 0) {
      this.sealCurrent();
      this.schedule();
    } else this.notifyIdle();
  }

  /** Writes one spooled batch; returns how many of its points were refused for good (dead-lettered). */
  private async writeSpooled(sink: SpoolableSink, setup: SpoolSetup, q: Queued): Promise<number> {
    const body = q.bytes ?? setup.spool.read(q.range!.from, q.range!.to);
    if (!q.span && this.options.lateWritten) q.span = spooledTimeSpan(body);
    return writeSplittingRefusals(
      (b) => sink.write(b),
      body,
      (line, error) => {
        const kept = setup.deadLetter.add(this.sink.name, error, line);
        this.telemetry.writeFailed(this.sink.name, error, false);
        this.telemetry.pointsDropped(this.sink.name, 1, 'rejected_by_sink', kept ? `${error.message}; the point is in ${setup.deadLetter.file}` : `${error.message}; the dead-letter file is full`);
      },
    );
  }

  private retryLater(failed: Queued, error: Error): void {
    const initial = this.options.retryInitialMs ?? 250;
    this.backoffMs = Math.min(this.options.retryMaxMs ?? 30_000, this.backoffMs ? this.backoffMs * 2 : initial);
    const wait = this.backoffMs / 2 + Math.random() * (this.backoffMs / 2);
    this.telemetry.writeFailed(this.sink.name, error, true, Math.round(wait));
    this.failing = true;
    // The failed batch is written again first; everything waiting becomes backlog.
    this.inFlight = undefined;
    failed.late = true;
    for (const q of this.fresh) q.late = true;
    this.backlog.unshift(failed);
    this.queuedPoints += failed.count;
    if (inMemory(failed)) this.inMemoryPoints += failed.count;
    this.backlog.push(...this.fresh);
    this.fresh = [];
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.schedule();
    }, wait);
    this.retryTimer.unref();
  }

  private settled(q: Queued): void {
    if (!this.unwrittenFromSpool.delete(q) || this.unwrittenFromSpool.size > 0) return;
    const waiters = this.recoveredWaiters;
    this.recoveredWaiters = [];
    for (const w of waiters) w();
  }

  private notifyIdle(): void {
    if (this.depth() > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

function inMemory(q: Queued): boolean {
  return q.batch !== undefined || q.bytes !== undefined;
}
