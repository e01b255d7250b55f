// Reads back the alarm events a gateway stored in InfluxDB 1.x, for the alarm list at start:
// per device and alarm the latest event of each kind before an instant. One small query of
// our own (the history API's module serves people's questions and is changed on its own).
import type { GatewayConfig } from '../config.ts';
import type { StoredAlarmEvent } from '../state/alarm-restore.ts';

export type AlarmEventReader = (before: number, signal: AbortSignal) => Promise<readonly StoredAlarmEvent[]>;

interface Series {
  readonly tags?: Readonly<Record<string, string>>;
  readonly columns?: readonly string[];
  readonly values?: readonly (readonly unknown[])[];
}

/** A reader for the database the gateway writes to; a site's own events only (several sites may share a database). */
export function influxAlarmEvents(influx: Pick<GatewayConfig['influx'], 'url' | 'database' | 'username' | 'password'>, site: string): AlarmEventReader {
  return async (before, signal) => {
    const q =
      `SELECT "text", "value", "by", "active", "acknowledged", "severity" FROM "alarm" WHERE "site" = ${literal(site)} AND time < ${Math.trunc(before)}ms ` +
      'GROUP BY "device", "alarm", "event" ORDER BY time DESC LIMIT 1';
    const url = new URL('query', influx.url.endsWith('/') ? influx.url : `${influx.url}/`);
    url.searchParams.set('db', influx.database);
    url.searchParams.set('epoch', 'ms');
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (influx.username !== undefined) headers.authorization = `Basic ${Buffer.from(`${influx.username}:${influx.password ?? ''}`).toString('base64')}`;
    const res = await fetch(url, { method: 'POST', headers, body: new URLSearchParams({ q }), signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]) });
    const body = (await res.json().catch(() => undefined)) as { results?: { series?: Series[]; error?: string }[]; error?: string } | undefined;
    const result = body?.results?.[0];
    if (!res.ok || !result) throw new Error(`InfluxDB answered ${res.status}: ${body?.error ?? 'no results'}`);
    // A database or measurement nothing was written to yet holds no alarms.
    if (result.error) {
      if (/not found/.test(result.error)) return [];
      throw new Error(`InfluxDB refused the query: ${result.error}`);
    }
    return (result.series ?? []).flatMap((s) => (s.values ?? []).map((v) => ({ ...Object.fromEntries((s.columns ?? []).map((c, i) => [c, v[i]])), ...s.tags })));
  };
}

function literal(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
