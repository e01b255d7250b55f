// Sinks for tests of the runtime, and the reference implementations of the sink contract
// (test/contracts/sink-contract.ts): they keep what they are given and fail on demand in
// the two ways a real sink does, retryably (the store is down) and for good (the store
// refuses the data, as InfluxDB refuses a field-type conflict with a 400).
import { SinkWriteError, pointBatch, type BatchBuilder, type Sink, type SpoolableSink } from '../../gateway/src/core/sink.ts';
import type { Point } from '../../gateway/src/core/reading.ts';
import { LineProtocolBatch } from '../../gateway/src/sinks/influxdb/line-protocol.ts';

export interface TestSinkOptions<T, R> {
  readonly name?: string;
  /** What is kept of each point (or line): the tests compare these. */
  readonly record: (item: T) => R;
  /**
   * Which point an item is: one written again replaces the one held, as InfluxDB keeps one
   * point per series and time, so a batch written twice (a retry) is held once. Without it
   * every write adds its records, so that a test of the runner sees a batch written twice.
   */
  readonly key?: (item: T) => string;
  /** How long each write takes, so that overlapping writes would be seen. */
  readonly latencyMs?: number;
}

/** A point's identity in InfluxDB: its series and time. */
export const pointKey = (p: Point): string => `${p.series.measurement} ${JSON.stringify(p.series.tags)} ${p.time}`;

/** A line's series and timestamp; good enough for the unescaped names tests write. */
export const lineKey = (line: string): string => `${line.slice(0, line.indexOf(' '))}${line.slice(line.lastIndexOf(' '))}`;

/** The behaviour both flavours share: what a write does with the items of one batch. */
class Store<T, R> {
  /** One entry per successful write: the records it added (not those it replaced). */
  batches: R[][] = [];
  /** What the store holds now, one record per point. */
  readonly held = new Map<string, R>();
  /** Thrown by the next writes, one each, before anything else is looked at. */
  failures: Error[] = [];
  /** While true, every write fails as an unreachable server would. */
  down = false;
  /** A batch holding an item this accepts is refused whole, and nothing of it is kept. */
  refuse: (item: R) => boolean = () => false;
  concurrent = 0;
  maxConcurrent = 0;
  stopped = false;

  private readonly record: (item: T) => R;
  private readonly key: (item: T) => string;
  private readonly latencyMs: number;

  constructor(options: TestSinkOptions<T, R>) {
    this.record = options.record;
    let written = 0;
    this.key = options.key ?? (() => String(written++));
    this.latencyMs = options.latencyMs ?? 1;
  }

  /** Rejects while down, as a store that cannot be reached (the gateway retries it). */
  async start(): Promise<void> {
    if (this.down) throw new Error('connection refused');
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }

  protected async keep(items: readonly T[]): Promise<void> {
    if (this.stopped) throw new SinkWriteError('test sink stopped: nothing was written', true);
    this.concurrent++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    await new Promise((r) => setTimeout(r, this.latencyMs));
    this.concurrent--;
    const failure = this.failures.shift();
    if (failure) throw failure;
    if (this.down) throw new SinkWriteError('connection refused', true);
    const records = items.map(this.record);
    const bad = records.find((r) => this.refuse(r));
    if (bad !== undefined) throw new SinkWriteError(`partial write: field type conflict at v=${String(bad)}`, false, 400);
    const added: R[] = [];
    items.forEach((item, i) => {
      const k = this.key(item);
      if (!this.held.has(k)) added.push(records[i]!);
      this.held.set(k, records[i]!);
    });
    this.batches.push(added);
  }
}

/** A sink whose batches are the points themselves. */
export class TestSink<R> extends Store<Point, R> implements Sink<readonly Point[]> {
  readonly name: string;

  constructor(options: TestSinkOptions<Point, R>) {
    super(options);
    this.name = options.name ?? 'test';
  }

  newBatch(): BatchBuilder<readonly Point[]> {
    return pointBatch();
  }

  write(points: readonly Point[]): Promise<void> {
    return this.keep(points);
  }
}

/** A spoolable sink: its batches are line protocol, as the InfluxDB sink's are; it keeps a record per line. */
export class TestLineSink<R> extends Store<string, R> implements SpoolableSink {
  readonly name: string;
  readonly spoolable = true;

  constructor(options: TestSinkOptions<string, R>) {
    super(options);
    this.name = options.name ?? 'test-lines';
  }

  /** Every record kept, in the order written. */
  get written(): R[] {
    return this.batches.flat();
  }

  newBatch(): LineProtocolBatch {
    return new LineProtocolBatch(100);
  }

  write(body: Buffer): Promise<void> {
    return this.keep(body.toString('utf8').trim().split('\n'));
  }
}
