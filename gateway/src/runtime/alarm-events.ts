// Reads back the alarm events a gateway stored in InfluxDB 1.x, for the alarm list at start:
// per device and alarm the latest event of each kind before an instant, in one query.
import { influxQuery, rows, str, type InfluxConnection } from '../history/influxql.ts';
import type { StoredAlarmEvent } from '../state/alarm-restore.ts';

export type AlarmEventReader = (before: number, signal: AbortSignal) => Promise<readonly StoredAlarmEvent[]>;

/** A reader for the database the gateway writes to; a site's own events only (several sites may share a database). */
export function influxAlarmEvents(influx: InfluxConnection, site: string): AlarmEventReader {
  return async (before, signal) => {
    const q =
      `SELECT "text", "value", "by", "active", "acknowledged", "severity" FROM "alarm" WHERE "site" = ${str(site)} AND time < ${Math.trunc(before)}ms ` +
      'GROUP BY "device", "alarm", "event" ORDER BY time DESC LIMIT 1';
    // A database or measurement nothing was written to yet holds no alarms: no series.
    const [result] = await influxQuery(influx, [q], { timeoutMs: 10_000, signal });
    return (result?.series ?? []).flatMap((s) => rows(s).map((row) => ({ ...row, ...s.tags })));
  };
}
