// Internal events: one call writes the log line and bumps the metric, so nothing is
// logged without being counted and nothing is counted silently (Vector's model).
import { pino, type Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { REJECT_REASONS, type RejectReason } from './errors.ts';
import type { SourceState } from './source.ts';

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
  /** Per-message counts live in plain numbers and reach prom-client only when scraped. */
  private readonly receivedBySource = new Map<string, number>();
  private readonly lastRejectLog = new Map<RejectReason, { at: number; suppressed: number }>();
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
    lastWriteAt: 0,
    lastWriteError: '' as string,
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
    const level = state === 'disconnected' ? 'warn' : 'info';
    this.log[level]({ source, state, why }, `source ${source} ${state}${why ? `: ${why}` : ''}`);
  }

  pointsWritten(sink: string, count: number, seconds: number): void {
    this.written.labels(sink).inc(count);
    this.writeSeconds.labels(sink).observe(seconds);
    this.counts.written += count;
    this.counts.lastWriteAt = this.now();
    if (this.counts.lastWriteError) {
      this.log.info({ sink }, `sink ${sink} writing again`);
      this.counts.lastWriteError = '';
    }
  }

  writeFailed(sink: string, error: Error, retryable: boolean, retryInMs?: number): void {
    this.writeErrors.labels(sink, String(retryable)).inc();
    this.counts.writeErrors++;
    // One line per change of error, not one per retry.
    if (this.counts.lastWriteError !== error.message) {
      this.log.warn({ sink, retryable, retryInMs, err: error.message }, `sink ${sink} write failed${retryable ? ', will retry' : ''}: ${error.message}`);
    }
    this.counts.lastWriteError = error.message;
  }

  pointsDropped(sink: string, count: number, reason: 'buffer_full' | 'rejected_by_sink', message: string): void {
    this.dropped.labels(sink, reason).inc(count);
    this.counts.dropped += count;
    this.log.error({ sink, reason, count }, `sink ${sink} dropped ${count} points (${reason}): ${message}`);
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

  bufferDepth(sink: string, points: number): void {
    this.buffered.labels(sink).set(points);
  }
}
