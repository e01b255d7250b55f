// The alarms of every device whose profile declares them: points for the sinks
// (measurement `alarm`, one point per event) and the list the REST API and viewers show.
import type { DeviceModel, SiteModel } from '../../../device-profiles/schema/load.ts';
import type { Point, PointSeries, Value } from '../core/reading.ts';
import type { AlarmInstance } from '../core/insight.ts';
import { restoredAlarms, type StoredAlarmEvent } from './alarm-restore.ts';
import { DeviceAlarms, type AlarmEvent, type Sample } from './device-alarms.ts';

interface Entry {
  readonly device: DeviceModel;
  readonly alarms: DeviceAlarms;
  readonly tags: Readonly<Record<string, string>>;
}

const FIELD_TYPES = { text: 'string', value: 'string', by: 'string', active: 'bool', acknowledged: 'bool' } as const;

export class SiteAlarms {
  private readonly entries = new Map<string, Entry>();
  /** Point series per device, alarm and event: built once. */
  private readonly series = new Map<string, PointSeries>();

  constructor(site: SiteModel, start: number, timeScale = 1) {
    for (const device of site.devices) {
      const defs = device.profileDef.alarms;
      if (defs.length === 0) continue;
      this.entries.set(device.id, {
        device,
        alarms: new DeviceAlarms(device.id, defs, start, timeScale),
        tags: { site: site.site.id, line: device.line, station: device.station, device: device.id },
      });
    }
  }

  observe(device: DeviceModel, values: Readonly<Record<string, Value>>, at: number, sample?: Sample): Point[] | undefined {
    const e = this.entries.get(device.id);
    if (!e) return undefined;
    const events = e.alarms.observe(values, at, sample);
    return events.length > 0 ? events.map((ev) => this.pointOf(e, ev)) : undefined;
  }

  check(now: number): Point[] {
    const points: Point[] = [];
    for (const e of this.entries.values()) for (const ev of e.alarms.check(now)) points.push(this.pointOf(e, ev));
    return points;
  }

  /** Undefined when there is no such alarm to acknowledge (unknown, or already acknowledged). */
  acknowledge(device: string, alarm: string, by: string, at: number): { point: Point; alarm: AlarmInstance } | undefined {
    const e = this.entries.get(device);
    const ev = e?.alarms.acknowledge(alarm, by, at);
    return e && ev ? { point: this.pointOf(e, ev), alarm: { ...ev.alarm } } : undefined;
  }

  /**
   * The list as the stored events leave it (see alarm-restore.ts), merged in: an alarm raised
   * since this gateway started keeps its own instance. Returns what was taken and what not.
   */
  restore(events: readonly StoredAlarmEvent[]): { restored: AlarmInstance[]; skipped: string[] } {
    const { listed, skipped } = restoredAlarms(events, (device, alarm) => this.entries.get(device)?.device.profileDef.alarms.find((a) => a.id === alarm));
    const restored = listed.filter((a) => this.entries.get(a.device)!.alarms.restore(a));
    return { restored, skipped };
  }

  /** Active alarms and cleared ones not yet acknowledged, newest first. */
  list(): AlarmInstance[] {
    return [...this.entries.values()].flatMap((e) => e.alarms.list()).sort((a, b) => b.raisedAt - a.raisedAt);
  }

  private pointOf(e: Entry, ev: AlarmEvent): Point {
    const key = `${e.device.id}\u0000${ev.alarm.alarm}\u0000${ev.type}`;
    let series = this.series.get(key);
    if (!series) {
      series = { measurement: 'alarm', tags: { ...e.tags, alarm: ev.alarm.alarm, severity: ev.alarm.severity, event: ev.type }, fieldTypes: FIELD_TYPES };
      this.series.set(key, series);
    }
    const a = ev.alarm;
    return {
      series,
      time: ev.at,
      fields: {
        text: a.text,
        value: a.value === undefined ? '' : String(a.value),
        by: a.acknowledgedBy ?? '',
        active: a.clearedAt === undefined,
        acknowledged: a.acknowledgedAt !== undefined,
      },
    };
  }
}
