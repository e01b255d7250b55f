// The values of a replayed stretch of history, per device as full merged states in time
// order, so "the state at t" is one binary search however fast the playhead moves. A device
// has data at t only within its look-back after a sample (the gateway's rule for `at`): a
// longer silence is a gap, shown as no data, never as the last value frozen.
import type { Value } from '../../../gateway/src/core/reading.ts';
import type { ValueHistory } from '../live/shown-state.ts';

export interface ReplaySample {
  readonly t: number;
  /** The device's whole state then. */
  readonly v: Readonly<Record<string, Value>>;
  /** How much later than `t` this sample still speaks for: a rollup row is stamped with its minute's start. */
  readonly slack: number;
}

const DEFAULT_LOOKBACK_MS = 60_000;

export class ReplayHistory implements ValueHistory {
  version = 0;
  private readonly samples = new Map<string, ReplaySample[]>();
  private readonly lookbacks = new Map<string, number>();
  private at = 0;

  /** The instant shown: `stateAt` and `lastSeen` answer for it unless asked for another. */
  get playhead(): number {
    return this.at;
  }

  set playhead(t: number) {
    if (t === this.at) return;
    this.at = t;
    this.version++;
  }

  setLookback(id: string, ms: number): void {
    this.lookbacks.set(id, ms);
  }

  /** Forgets everything (a seek elsewhere starts afresh). */
  clear(): void {
    this.samples.clear();
    this.version++;
  }

  /**
   * Adds a device's samples, oldest first, after those held: held samples at or after the
   * first new one are replaced (a window fetched again, or overlapping its neighbour).
   */
  append(id: string, add: readonly ReplaySample[]): void {
    if (add.length === 0) return;
    const list = this.samples.get(id) ?? [];
    let keep = list.length;
    while (keep > 0 && list[keep - 1]!.t >= add[0]!.t) keep--;
    list.length = keep;
    for (const s of add) list.push(s);
    this.samples.set(id, list);
    this.version++;
  }

  /** The state held just before `t` however old, to carry signals into a stepped window that only lists their changes. */
  latestBefore(id: string, t: number): Readonly<Record<string, Value>> {
    const list = this.samples.get(id);
    if (!list) return {};
    const i = lastAtOrBefore(list, t - 1);
    return i >= 0 ? list[i]!.v : {};
  }

  /** Drops samples older than `t`, but keeps the one before it (the state at `t`). */
  trimBefore(t: number): void {
    for (const list of this.samples.values()) {
      const i = lastAtOrBefore(list, t);
      if (i > 0) list.splice(0, i);
    }
  }

  stateAt(id: string, t = this.at): Record<string, Value> {
    const s = this.sampleAt(id, t);
    return s ? { ...s.v } : {};
  }

  lastSeen(id: string, t = this.at): number {
    return this.sampleAt(id, t)?.t ?? 0;
  }

  series(id: string, signal: string, from: number, to = this.at): [number[], number[]] {
    const xs: number[] = [];
    const ys: number[] = [];
    const list = this.samples.get(id) ?? [];
    for (let i = Math.max(0, lastAtOrBefore(list, from)); i < list.length; i++) {
      const s = list[i]!;
      if (s.t > to) break;
      const v = s.v[signal];
      if (s.t >= from && typeof v === 'number') {
        xs.push(s.t / 1000);
        ys.push(v);
      }
    }
    return [xs, ys];
  }

  /** Samples held, all devices together (for the benchmark and tests). */
  get size(): number {
    let n = 0;
    for (const l of this.samples.values()) n += l.length;
    return n;
  }

  private sampleAt(id: string, t: number): ReplaySample | undefined {
    const list = this.samples.get(id);
    if (!list) return undefined;
    const i = lastAtOrBefore(list, t);
    if (i < 0) return undefined;
    const s = list[i]!;
    return t - s.t <= (this.lookbacks.get(id) ?? DEFAULT_LOOKBACK_MS) + s.slack ? s : undefined;
  }
}

/** Index of the last sample at or before `t`, -1 when none. */
function lastAtOrBefore(list: readonly ReplaySample[], t: number): number {
  let lo = 0;
  let hi = list.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.t <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
