// Machine states of every device whose profile declares `states`, as points for the sinks
// (measurement `machine_state`, one point per change) and as a table for the REST API.
import type { DeviceModel, SiteModel } from '../../../device-profiles/schema/load.ts';
import type { MachineState } from '../../../device-profiles/schema/profile.ts';
import type { Point, PointSeries, Value } from '../core/reading.ts';
import { MachineStateTracker, type StateChange } from './device-machine-state.ts';
import type { MachineStateView } from '../core/insight.ts';

interface Entry {
  readonly device: DeviceModel;
  readonly tracker: MachineStateTracker;
  readonly series: PointSeries;
}

export class SiteMachineStates {
  private readonly entries = new Map<string, Entry>();

  constructor(site: SiteModel, start: number) {
    for (const device of site.devices) {
      const states = device.profileDef.states;
      if (!states) continue;
      this.entries.set(device.id, {
        device,
        tracker: new MachineStateTracker(states, device.profileDef.signals, start),
        series: {
          measurement: 'machine_state',
          tags: { site: site.site.id, line: device.line, station: device.station, device: device.id, kind: device.profileDef.kind },
          fieldTypes: { state: 'string', previous: 'string', previous_s: 'float', reason: 'string' },
        },
      });
    }
  }

  /** Time in `producing` so far (ms); undefined for a device without `states` in its profile. */
  producingMs(device: string, now: number): number | undefined {
    return this.entries.get(device)?.tracker.durations(now).producing;
  }

  /** After a device's values changed at `at` (gateway clock): points for the changes, if any. */
  observe(device: DeviceModel, values: Readonly<Record<string, Value>>, at: number): Point[] | undefined {
    const e = this.entries.get(device.id);
    if (!e) return undefined;
    const changes = e.tracker.observe(values, at);
    return changes.length > 0 ? changes.map((c) => pointOf(e, c)) : undefined;
  }

  /** As time passes: devices whose data went stale go offline. */
  check(now: number): Point[] {
    const points: Point[] = [];
    for (const e of this.entries.values()) for (const c of e.tracker.check(now)) points.push(pointOf(e, c));
    return points;
  }

  /** Each device's state now, times in ms: what viewers get. */
  current(): Record<string, { state: MachineState; since: number; reason: string }> {
    return Object.fromEntries([...this.entries.values()].map((e) => [e.device.id, { state: e.tracker.state, since: e.tracker.stateSince, reason: e.tracker.why }]));
  }

  list(now: number): MachineStateView[] {
    return [...this.entries.values()].map((e) => {
      const ms = e.tracker.durations(now);
      return {
        device: e.device.id,
        state: e.tracker.state,
        since: new Date(e.tracker.stateSince).toISOString(),
        reason: e.tracker.why,
        seconds: Object.fromEntries(Object.entries(ms).map(([s, v]) => [s, Math.round(v) / 1000])) as Record<MachineState, number>,
      };
    });
  }
}

function pointOf(e: Entry, c: StateChange): Point {
  return { series: e.series, time: c.at, fields: { state: c.state, previous: c.previous, previous_s: c.previousMs / 1000, reason: c.reason } };
}
