// What InfluxDB answers the gateway's alarm read-back (runtime/alarm-events.ts), computed
// from the points a gateway stored: per device, alarm and event kind the latest point before
// an instant, its tags and fields as one row. Lets tests restore without an influxd.
import type { Point } from '../../gateway/src/core/reading.ts';
import type { AlarmEventReader } from '../../gateway/src/runtime/alarm-events.ts';
import type { StoredAlarmEvent } from '../../gateway/src/state/alarm-restore.ts';

export function latestAlarmEvents(points: readonly Point[], before = Infinity): StoredAlarmEvent[] {
  const latest = new Map<string, Point>();
  for (const p of points) {
    if (p.series.measurement !== 'alarm' || p.time >= before) continue;
    const t = p.series.tags;
    const key = `${t.device}/${t.alarm}/${t.event}`;
    const kept = latest.get(key);
    // A later point of the same series at the same time replaces the earlier, as in InfluxDB.
    if (!kept || kept.time <= p.time) latest.set(key, p);
  }
  return [...latest.values()].map((p) => ({ ...p.fields, time: p.time, device: p.series.tags.device, alarm: p.series.tags.alarm, event: p.series.tags.event, severity: p.series.tags.severity }));
}

/** A reader over `points`, as the gateway's InfluxDB reader would answer once they are stored. */
export function pointsReader(points: () => readonly Point[]): AlarmEventReader {
  return async (before) => latestAlarmEvents(points(), before);
}
