// Internal events: one call writes the log line and bumps the metric, so nothing is
// logged without being counted and nothing is counted silently (Vector's model).
import { pino, type Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { REJECT_REASONS, type RejectReason } from './errors.ts';
import type { SourceState } from './source.ts';

/** Why points were given up on. */
export type DropReason = 'buffer_full' | 'spool_full' | 'rejected_by_sink';

/** What a sink's runner holds, read when /metrics is scraped. */
export interface SinkBacklog {
  readonly sink: string;
  /** Points not yet confirmed, wherever they are. */
  readonly points: number;
  readonly spool: { readonly points: number; readonly bytes: number } | undefined;
  /** ms since the epoch. */
  readonly oldestUnsentAt: number | undefined;
}

export interface RejectDetail {
  readonly topic?: string | undefined;
  readonly device?: string | undefined;
  readonly signal?: string | undefined;
  readonly message: string;
}

/** Logs a rejection reason at most once per interval, then says how many were not logged. */
const REJECT_LOG_INTERVAL_MS = 10_000;

export class Telemetry {
  readonly registry = new Registry();
  readonly log: Logger;

  private readonly written: Counter<'sink'>;
  private readonly writeErrors: Counter<'sink' | 'retryable'>;
  private readonly dropped: Counter<'sink' | 'reason'>;
  private readonly buffered: Gauge<'sink'>;
  private readonly sourceUp: Gauge<'source'>;
  private readonly reconnects: Counter<'source'>;
  private readonly writeSeconds: Histogram<'sink'>;
  private readonly spoolErrors: Counter<'sink'>;
  private readonly journalErrors: Counter;
  /** Filled by the gateway: reads its runners when /metrics is scraped. */
  backlogs: () => readonly SinkBacklog[] = () => [];
  /** Per-message counts live in plain numbers and reach prom-client only when scraped. */
  private readonly receivedBySource = new Map<string, number>();
  private readonly lastRejectLog = new Map<RejectReason, { at: number; suppressed: number }>();
  private readonly lastDropLog = new Map<DropReason, { at: number; suppressed: number }>();
  private readonly unavailableGauge: Gauge<'source'>;
  /** source → "device/signal" → why, for signals that cannot be read right now. */
  readonly unavailable = new Map<string, Map<string, string>>();

  /** Plain mirrors of the counters for /healthz, which must answer without awaiting prom-client. */
  readonly counts = {
    received: 0,
    rejected: Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>,
    written: 0,
    writeErrors: 0,
    dropped: 0,
    droppedByReason: { buffer_full: 0, spool_full: 0, rejected_by_sink: 0 } as Record<DropReason, number>,
    spoolErrors: 0,
    journalErrors: 0,
    /** The last series journal write failed with this; empty while it works. */
    journalError: '' as string,
    /** Per sink: when it last wrote (ms, 0 never) and its last error, empty while it writes. */
    sinks: {} as Record<string, { lastWriteAt: number; lastError: string }>,
    sources: {} as Record<string, { state: SourceState; since: number; reconnects: number; why?: string | undefined }>,
  };

  constructor(log?: Logger, options: { now?: () => number } = {}) {
    this.log = log ?? pino({ name: 'fieldlab' });
    this.now = options.now ?? Date.now;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'fieldlab_' });
    const counts = this.counts;
    const bySource = this.receivedBySource;
    new Counter({
      name: 'fieldlab_messages_received_total',
      help: 'Messages (MQTT) or value changes (OPC UA) received from sources',
      labelNames: ['source'],
      registers,
      collect() {
        this.reset();
        for (const [source, n] of bySource) this.labels(source).inc(n);
      },
    });
    new Counter({
      name: 'fieldlab_messages_rejected_total',
      help: 'Messages or fields rejected, by reason',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const reason of REJECT_REASONS) this.labels(reason).inc(counts.rejected[reason]);
      },
    });
    this.written = new Counter({ name: 'fieldlab_points_written_total', help: 'Points confirmed written by a sink', labelNames: ['sink'], registers });
    this.writeErrors = new Counter({ name: 'fieldlab_write_errors_total', help: 'Failed batch writes', labelNames: ['sink', 'retryable'], registers });
    this.dropped = new Counter({ name: 'fieldlab_points_dropped_total', help: 'Points given up on (expected zero)', labelNames: ['sink', 'reason'], registers });
    this.buffered = new Gauge({ name: 'fieldlab_points_buffered', help: 'Points waiting to be written', labelNames: ['sink'], registers });
    this.sourceUp = new Gauge({ name: 'fieldlab_source_connected', help: '1 while a source is connected', labelNames: ['source'], registers });
    this.reconnects = new Counter({ name: 'fieldlab_source_reconnects_total', help: 'Times a source lost its connection', labelNames: ['source'], registers });
    const unavailable = this.unavailable;
    this.unavailableGauge = new Gauge({
      name: 'fieldlab_signals_unavailable',
      help: 'Signals a source cannot read now (unresolved path, refused item)',
      labelNames: ['source'],
      registers,
      collect() {
        this.reset();
        for (const [source, m] of unavailable) this.labels(source).set(m.size);
      },
    });
    this.journalErrors = new Counter({ name: 'fieldlab_series_journal_errors_total', help: 'Series journal writes that failed (the series went on in memory only)', registers });
    this.spoolErrors = new Counter({ name: 'fieldlab_spool_errors_total', help: 'Appends to the disk spool that failed (the points were kept in memory only)', labelNames: ['sink'], registers });
    const telemetry = this;
    const gauge = (name: string, help: string, read: (b: SinkBacklog) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['sink'],
        registers,
        collect() {
          this.reset();
          for (const b of telemetry.backlogs()) {
            const v = read(b);
            if (v !== undefined) this.labels(b.sink).set(v);
          }
        },
      });
    gauge('fieldlab_spool_points', 'Points in the disk spool (written to disk, not yet confirmed by the sink)', (b) => b.spool?.points);
    gauge('fieldlab_spool_bytes', 'Bytes of points in the disk spool', (b) => b.spool?.bytes);
    gauge('fieldlab_oldest_unsent_age_seconds', 'Age of the oldest point not yet confirmed by the sink (0 when none waits)', (b) =>
      b.oldestUnsentAt === undefined ? 0 : Math.max(0, (Date.now() - b.oldestUnsentAt) / 1000),
    );
    this.writeSeconds = new Histogram({ name: 'fieldlab_write_duration_seconds', help: 'Batch write duration', labelNames: ['sink'], buckets: [0.005, 0.02, 0.05, 0.1, 0.25, 1, 5], registers });
  }

  private readonly now: () => number;

  /** A message from a source; for OPC UA, `count` is the number of value changes it carried. */
  messageReceived(source: string, count = 1): void {
    this.receivedBySource.set(source, (this.receivedBySource.get(source) ?? 0) + count);
    this.counts.received += count;
  }

  messageRejected(reason: RejectReason, detail: RejectDetail): void {
    this.counts.rejected[reason]++;
    const now = this.now();
    const last = this.lastRejectLog.get(reason);
    if (last && now - last.at < REJECT_LOG_INTERVAL_MS) {
      last.suppressed++;
      return;
    }
    this.log.warn({ reason, ...detail, suppressedSinceLastLog: last?.suppressed ?? 0 }, `message rejected (${reason}): ${detail.message}`);
    this.lastRejectLog.set(reason, { at: now, suppressed: 0 });
  }

  sourceState(source: string, state: SourceState, why?: string): void {
    const previous = this.counts.sources[source];
    if (previous?.state === state) return;
    const entry = { state, since: this.now(), reconnects: previous?.reconnects ?? 0, why };
    if (previous?.state === 'connected' && state === 'disconnected') {
      entry.reconnects++;
      this.reconnects.labels(source).inc();
    }
    this.counts.sources[source] = entry;
    this.sourceUp.labels(source).set(state === 'connected' ? 1 : 0);
    // 'starting' says nothing a person acts on; 'connected' follows within a second or 'disconnected' says why.
    const level = state === 'disconnected' ? 'warn' : state === 'starting' ? 'debug' : 'info';
    this.log[level]({ source, state, why }, `source ${source} ${state}${why ? `: ${why}` : ''}`);
  }

  pointsWritten(sink: string, count: number, seconds: number): void {
    this.written.labels(sink).inc(count);
    this.writeSeconds.labels(sink).observe(seconds);
    this.counts.written += count;
    const status = this.sinkStatus(sink);
    status.lastWriteAt = this.now();
    if (status.lastError) {
      this.log.info({ sink }, `sink ${sink} writing again`);
      status.lastError = '';
    }
  }

  writeFailed(sink: string, error: Error, retryable: boolean, retryInMs?: number): void {
    this.writeErrors.labels(sink, String(retryable)).inc();
    this.counts.writeErrors++;
    // One line per change of error, not one per retry.
    const status = this.sinkStatus(sink);
    if (status.lastError !== error.message) {
      this.log.warn({ sink, retryable, retryInMs, err: error.message }, `sink ${sink} write failed${retryable ? ', will retry' : ''}: ${error.message}`);
    }
    status.lastError = error.message;
  }

  private sinkStatus(sink: string): { lastWriteAt: number; lastError: string } {
    return (this.counts.sinks[sink] ??= { lastWriteAt: 0, lastError: '' });
  }

  pointsDropped(sink: string, count: number, reason: DropReason, message: string): void {
    this.dropped.labels(sink, reason).inc(count);
    this.counts.dropped += count;
    this.counts.droppedByReason[reason] += count;
    // At a full spool this happens per message: one line per reason per interval, with the total since.
    const now = this.now();
    const last = this.lastDropLog.get(reason);
    if (last && now - last.at < REJECT_LOG_INTERVAL_MS) {
      last.suppressed += count;
      return;
    }
    this.log.error({ sink, reason, count, droppedSinceLastLog: last?.suppressed ?? 0 }, `sink ${sink} dropped ${count} points (${reason}): ${message}`);
    this.lastDropLog.set(reason, { at: now, suppressed: 0 });
  }

  /** A signal that cannot be read: logged once per device and signal until it is back. */
  signalUnavailable(source: string, device: string, signal: string, where: string, why: string): void {
    let m = this.unavailable.get(source);
    if (!m) this.unavailable.set(source, (m = new Map()));
    const key = `${device}/${signal}`;
    if (m.get(key) === why) return;
    m.set(key, why);
    this.log.warn({ source, device, signal, path: where, why }, `device ${device}: signal ${signal} unavailable at ${where}: ${why}`);
  }

  signalAvailable(source: string, device: string, signal: string): void {
    const m = this.unavailable.get(source);
    if (m?.delete(`${device}/${signal}`)) this.log.info({ source, device, signal }, `device ${device}: signal ${signal} available again`);
  }

  /** Logged on the first failure and on every change of error. */
  spoolFailed(sink: string, error: Error): void {
    this.spoolErrors.labels(sink).inc();
    if (this.counts.spoolErrors++ === 0 || this.lastSpoolError !== error.message) {
      this.log.error({ sink, err: error.message }, `sink ${sink}: appending to the spool failed; points are kept in memory only: ${error.message}`);
    }
    this.lastSpoolError = error.message;
  }

  private lastSpoolError = '';

  /** A series journal write failed: counted every time, logged on the first failure and on every change of error. */
  journalFailed(file: string, error: Error): void {
    this.journalErrors.inc();
    this.counts.journalErrors++;
    if (this.counts.journalError !== error.message) {
      this.log.warn({ file, err: error.message }, `series journal write failed: series go on in memory only until it works again: ${error.message}`);
    }
    this.counts.journalError = error.message;
  }

  journalWritten(): void {
    if (this.counts.journalError === '') return;
    this.counts.journalError = '';
    this.log.info('series journal writing again');
  }

  bufferDepth(sink: string, points: number): void {
    this.buffered.labels(sink).set(points);
  }
}
