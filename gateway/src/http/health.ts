// What /healthz reports: whether data is flowing end to end, and if not, why.
import type { GatewayFigures } from '../core/gateway-api.ts';

export interface HealthReport {
  status: 'ok' | 'degraded';
  problems: string[];
  uptimeSeconds: number;
  sources: Record<string, { state: string; since: string; reconnects: number; why?: string | undefined }>;
  sinks: Record<
    string,
    {
      /** Points not yet confirmed by the sink (memory, disk, in flight). */
      bufferedPoints: number;
      /** The disk spool, when on: what is on disk and not yet confirmed. */
      spool: { points: number; bytes: number } | null;
      oldestUnsentAgeSeconds: number;
      lastWriteAt: string | null;
      /** This sink's own last error; null while it writes. */
      lastError: string | null;
    }
  >;
  messages: { received: number; rejected: Record<string, number>; rejectedTotal: number };
  points: { written: number; dropped: number; droppedByReason: Record<string, number>; writeErrors: number; spoolErrors: number; seriesJournalErrors: number };
  /** "device/signal" → why it cannot be read. */
  unavailableSignals: Record<string, string>;
}

/** A backlog older than this means the sink is not keeping up (or not answering). */
const STALE_BACKLOG_S = 60;

export function health(figures: GatewayFigures, now = Date.now()): HealthReport {
  const c = figures.telemetry.counts;
  const problems: string[] = [];
  const sources: HealthReport['sources'] = {};
  for (const s of figures.sourceStates()) {
    const entry = c.sources[s.name];
    const state = s.state;
    if (state !== 'connected') problems.push(`source ${s.name} is ${state}`);
    sources[s.name] = { state, since: new Date(entry?.since ?? now).toISOString(), reconnects: entry?.reconnects ?? 0, why: entry?.why };
  }
  const sinks: HealthReport['sinks'] = {};
  for (const sink of figures.sinkHealth()) {
    const status = c.sinks[sink.name];
    if (status?.lastError) problems.push(`sink ${sink.name} failing: ${status.lastError}`);
    const age = sink.oldestUnsentAt === undefined ? 0 : Math.max(0, Math.round((now - sink.oldestUnsentAt) / 1000));
    if (age > STALE_BACKLOG_S) problems.push(`sink ${sink.name}: oldest unsent point is ${age} s old`);
    sinks[sink.name] = {
      bufferedPoints: sink.bufferedPoints,
      spool: sink.spool ?? null,
      oldestUnsentAgeSeconds: age,
      lastWriteAt: status?.lastWriteAt ? new Date(status.lastWriteAt).toISOString() : null,
      lastError: status?.lastError || null,
    };
  }
  if (c.dropped > 0) problems.push(`${c.dropped} points dropped`);
  if (c.journalError) problems.push(`series journal failing: ${c.journalError}`);
  const unavailable: Record<string, string> = {};
  for (const m of figures.telemetry.unavailable.values()) for (const [key, why] of m) unavailable[key] = why;
  if (Object.keys(unavailable).length > 0) problems.push(`${Object.keys(unavailable).length} signals unavailable`);
  const rejected = Object.fromEntries(Object.entries(c.rejected).filter(([, n]) => n > 0));
  return {
    status: problems.length === 0 ? 'ok' : 'degraded',
    problems,
    uptimeSeconds: Math.round(figures.uptimeSeconds()),
    sources,
    sinks,
    messages: { received: c.received, rejected, rejectedTotal: Object.values(c.rejected).reduce((a, b) => a + b, 0) },
    points: { written: c.written, dropped: c.dropped, droppedByReason: { ...c.droppedByReason }, writeErrors: c.writeErrors, spoolErrors: c.spoolErrors, seriesJournalErrors: c.journalErrors },
    unavailableSignals: unavailable,
  };
}
