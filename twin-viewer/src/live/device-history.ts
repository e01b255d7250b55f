// The viewer's one source of state: per device, a short history of values, so the scene
// and panels ask "what was the state at time t?" The live stream fills it now; replay from
// InfluxDB and virtual experiments will fill it the same way, and nothing else changes.
import type { Value } from '../../../gateway/src/core/reading.ts';
import type { ValueHistory } from './shown-state.ts';

export interface Sample {
  readonly t: number;
  readonly v: Readonly<Record<string, Value>>;
}

const KEEP_MS = 10 * 60_000;

export class DeviceHistory implements ValueHistory {
  /** device id → samples of changed values, oldest first. */
  private readonly samples = new Map<string, Sample[]>();
  /** device id → merged latest values, and when the device last sent data. */
  private readonly latest = new Map<string, { values: Record<string, Value>; lastSeen: number }>();
  /** Bumped on every change, so a renderer can tell whether to draw again. */
  version = 0;

  reset(id: string, values: Readonly<Record<string, Value>>, lastSeen: number): void {
    this.latest.set(id, { values: { ...values }, lastSeen });
    this.samples.set(id, [{ t: lastSeen, v: { ...values } }]);
    this.version++;
  }

  add(id: string, t: number, values: Readonly<Record<string, Value>>): void {
    const l = this.latest.get(id) ?? { values: {}, lastSeen: 0 };
    Object.assign(l.values, values);
    l.lastSeen = Math.max(l.lastSeen, t);
    this.latest.set(id, l);
    const list = this.samples.get(id) ?? [];
    list.push({ t, v: values });
    while (list.length > 0 && list[0]!.t < t - KEEP_MS) list.shift();
    this.samples.set(id, list);
    this.version++;
  }

  /** The merged values of a device as they were at `t` (now: the latest). */
  stateAt(id: string, t?: number): Record<string, Value> {
    if (t === undefined) return this.latest.get(id)?.values ?? {};
    const out: Record<string, Value> = {};
    for (const s of this.samples.get(id) ?? []) {
      if (s.t > t) break;
      Object.assign(out, s.v);
    }
    return out;
  }

  /** Live, the latest data is what is shown: `t` is not asked for. */
  lastSeen(id: string): number {
    return this.latest.get(id)?.lastSeen ?? 0;
  }

  /** A signal's numeric samples in [from, to], for charts. */
  series(id: string, signal: string, from: number, to = Infinity): [number[], number[]] {
    const xs: number[] = [];
    const ys: number[] = [];
    for (const s of this.samples.get(id) ?? []) {
      const v = s.v[signal];
      if (s.t >= from && s.t <= to && typeof v === 'number') {
        xs.push(s.t / 1000);
        ys.push(v);
      }
    }
    return [xs, ys];
  }
}
