// The last known state of every device. Partial updates (Moonraker, Bambu, OctoPrint's
// one-topic-per-signal) are merged here, so each point carries the device's whole
// state at its time instead of holes.
import type { DeviceModel, SiteModel } from '../../../device-profiles/schema/load.ts';
import type { FieldType, Point, Reading, PointSeries, Value } from '../core/reading.ts';
import type { DeviceSnapshot } from '../core/insight.ts';

interface Entry {
  readonly device: DeviceModel;
  readonly series: PointSeries;
  /** Stored signals that are not events: the ones carried from point to point. */
  readonly carried: readonly string[];
  readonly stored: ReadonlySet<string>;
  values: Record<string, Value>;
  lastTime: number;
  lastSeen: number;
  messages: number;
}

export function measurementFor(kind: string): string {
  return kind.replaceAll('-', '_');
}

export function seriesFor(site: SiteModel, device: DeviceModel): PointSeries {
  const fieldTypes: Record<string, FieldType> = {};
  for (const [name, s] of Object.entries(device.profileDef.signals)) {
    if (s.store) fieldTypes[name] = s.type === 'enum' ? 'string' : s.type;
  }
  return {
    measurement: measurementFor(device.profileDef.kind),
    tags: { site: site.site.id, line: device.line, station: device.station, device: device.id, profile: device.profileDef.id },
    fieldTypes,
  };
}

export class DeviceStateStore {
  private readonly entries = new Map<DeviceModel, Entry>();

  constructor(site: SiteModel) {
    for (const device of site.devices) {
      const signals = Object.entries(device.profileDef.signals);
      this.entries.set(device, {
        device,
        series: seriesFor(site, device),
        carried: signals.filter(([, s]) => s.store && !s.event).map(([n]) => n),
        stored: new Set(signals.filter(([, s]) => s.store).map(([n]) => n)),
        values: {},
        lastTime: 0,
        lastSeen: 0,
        messages: 0,
      });
    }
  }

  /**
   * Merges a reading and returns the point to store, or undefined when it carried only
   * unstored signals. Gateway-clock times are kept strictly increasing per device, so
   * two messages in one millisecond stay two points instead of one overwriting the other.
   */
  apply(reading: Reading): Point | undefined {
    const e = this.entries.get(reading.device);
    if (!e) return undefined;
    let time = reading.time;
    if (reading.gatewayClock && time <= e.lastTime) time = e.lastTime + 1;
    if (time > e.lastTime) e.lastTime = time;
    e.lastSeen = reading.time;
    e.messages++;

    const values = e.values;
    let fresh = 0;
    for (const name in reading.values) {
      values[name] = reading.values[name]!;
      if (e.stored.has(name)) fresh++;
    }
    if (fresh === 0) return undefined;
    const fields: Record<string, Value> = {};
    for (let i = 0; i < e.carried.length; i++) {
      const name = e.carried[i]!;
      const v = values[name];
      if (v !== undefined) fields[name] = v;
    }
    // Events ride on the point they came with only.
    for (const name in reading.values) if (!(name in fields) && e.stored.has(name)) fields[name] = reading.values[name]!;
    return { series: e.series, fields, time };
  }

  /** The device's merged values, live (not a copy): read, do not keep. */
  valuesOf(device: DeviceModel): Readonly<Record<string, Value>> {
    return this.entries.get(device)?.values ?? {};
  }

  snapshot(): DeviceSnapshot[] {
    return [...this.entries.values()].map((e) => ({ id: e.device.id, values: { ...e.values }, lastSeen: e.lastSeen, messages: e.messages }));
  }
}
