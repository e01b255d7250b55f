// Alarms declared in a device's profile: thresholds with hysteresis and delay, rate of
// change, stale data, and fault codes with readable text. Lifecycle: raised → acknowledged
// (by whom, when) → cleared, in either order; an alarm stays listed until it is both
// cleared and acknowledged (the usual rule in alarm management, ISA-18.2). Pure: every
// call takes the time, so tests drive it with a controllable clock.
import type { Alarm } from '../../../device-profiles/schema/profile.ts';
import type { Value } from '../core/reading.ts';
import type { AlarmInstance } from '../core/insight.ts';

export interface AlarmEvent {
  readonly type: 'raised' | 'acknowledged' | 'cleared';
  readonly at: number;
  /** The instance after the event (a copy). */
  readonly alarm: Readonly<AlarmInstance>;
}

/** What one reading brought, and its time: the device's clock when it sent one, else the gateway's. */
export interface Sample {
  readonly values: Readonly<Record<string, Value>>;
  readonly time: number;
}

interface Watch {
  readonly def: Alarm;
  instance: AlarmInstance | undefined;
  /** threshold: since when the condition holds (delay running). */
  pendingSince: number | undefined;
  pendingValue: Value | undefined;
  /** code: the last value seen. */
  lastCode: Value | undefined;
  /** rate: the previous sample, by its own time. */
  previous: { value: number; at: number } | undefined;
  /** Raised since this gateway started: then its own instance supersedes any from before. */
  raisedHere: boolean;
}

export class DeviceAlarms {
  private readonly watches: Watch[];
  private lastSeen: number;

  constructor(
    readonly device: string,
    defs: readonly Alarm[],
    start: number,
    /** Machine seconds per real second (a simulation run faster): rates are measured in machine time. */
    private readonly timeScale = 1,
  ) {
    this.watches = defs.map((def) => ({ def, instance: undefined, pendingSince: undefined, pendingValue: undefined, previous: undefined, lastCode: undefined, raisedHere: false }));
    this.lastSeen = start;
  }

  /**
   * The device's merged values after data arrived at `at`. `sample` is what this reading
   * brought and its own time (the device's clock when it sent one): a rate is measured
   * between two samples of its signal, by the device's clock, so a reading without the
   * signal moves nothing and a burst of queued messages after a reconnect is no spike.
   */
  observe(values: Readonly<Record<string, Value>>, at: number, sample: Sample = { values, time: at }): AlarmEvent[] {
    const events: AlarmEvent[] = [];
    this.collect(at, events);
    this.lastSeen = Math.max(this.lastSeen, at);
    for (const w of this.watches) {
      const d = w.def;
      if (d.type === 'stale') {
        if (isOpen(w)) this.clear(w, at, events);
        continue;
      }
      const value = values[d.signal];
      if (value === undefined) continue;
      if (d.type === 'threshold') this.threshold(w, d, value, at, events);
      else if (d.type === 'code') this.code(w, d, value, at, events);
      else if (sample.values[d.signal] !== undefined) this.rate(w, d, value, sample.time, at, events);
    }
    return events;
  }

  /** Time passed to `now`: delays that ran out, data that went stale. */
  check(now: number): AlarmEvent[] {
    const events: AlarmEvent[] = [];
    this.collect(now, events);
    return events;
  }

  private collect(now: number, events: AlarmEvent[]): void {
    for (const w of this.watches) {
      const d = w.def;
      if (d.type === 'threshold' && w.pendingSince !== undefined && !isOpen(w) && now - w.pendingSince >= d.delaySeconds * 1000) {
        this.raise(w, w.pendingSince + d.delaySeconds * 1000, w.pendingValue, d.text, events);
        w.pendingSince = undefined;
      } else if (d.type === 'stale' && !isOpen(w) && now - this.lastSeen >= d.seconds * 1000) {
        this.raise(w, this.lastSeen + d.seconds * 1000, undefined, d.text, events);
      }
    }
  }

  acknowledge(alarm: string, by: string, at: number): AlarmEvent | undefined {
    const w = this.watches.find((x) => x.def.id === alarm);
    const inst = w?.instance;
    if (!w || !inst || inst.acknowledgedAt !== undefined) return undefined;
    inst.acknowledgedAt = at;
    inst.acknowledgedBy = by;
    const event: AlarmEvent = { type: 'acknowledged', at, alarm: { ...inst } };
    if (inst.clearedAt !== undefined) w.instance = undefined;
    return event;
  }

  /**
   * An instance listed before a restart (still active, or cleared and not acknowledged),
   * taken over unless this alarm was raised here since the start, which supersedes it as a
   * new raise does. False when not taken. The next data judges the condition afresh.
   */
  restore(instance: AlarmInstance): boolean {
    const w = this.watches.find((x) => x.def.id === instance.alarm);
    if (!w || w.raisedHere || (instance.clearedAt !== undefined && instance.acknowledgedAt !== undefined)) return false;
    w.instance = { ...instance, device: this.device, type: w.def.type };
    // A code repeated since the start would otherwise never be compared with the restored one,
    // and a delay that started before must not date a raise while this instance is open.
    w.lastCode = undefined;
    w.pendingSince = undefined;
    return true;
  }

  /** Alarms still listed: active, or cleared but not yet acknowledged. */
  list(): AlarmInstance[] {
    return this.watches.flatMap((w) => (w.instance ? [{ ...w.instance }] : []));
  }

  private threshold(w: Watch, d: Extract<Alarm, { type: 'threshold' }>, value: Value, at: number, events: AlarmEvent[]): void {
    if (typeof value !== 'number') return;
    const beyond = d.above !== undefined ? value > d.above : value < d.below!;
    if (isOpen(w)) {
      const back = d.above !== undefined ? value <= d.above - d.hysteresis : value >= d.below! + d.hysteresis;
      if (back) this.clear(w, at, events);
      return;
    }
    if (!beyond) {
      w.pendingSince = undefined;
      return;
    }
    if (w.pendingSince === undefined) {
      w.pendingSince = at;
      w.pendingValue = value;
    }
    if (at - w.pendingSince >= d.delaySeconds * 1000) {
      this.raise(w, w.pendingSince + d.delaySeconds * 1000, value, d.text, events);
      w.pendingSince = undefined;
    }
  }

  private rate(w: Watch, d: Extract<Alarm, { type: 'rate' }>, value: Value, sampledAt: number, at: number, events: AlarmEvent[]): void {
    if (typeof value !== 'number') return;
    const prev = w.previous;
    if (prev && sampledAt <= prev.at) return; // out of order or the same instant: no rate, and the later sample stays the base
    w.previous = { value, at: sampledAt };
    if (!prev) return;
    const perSecond = (value - prev.value) / ((sampledAt - prev.at) / 1000) / this.timeScale;
    const beyond = d.perSecond > 0 ? perSecond > d.perSecond : perSecond < d.perSecond;
    if (beyond && !isOpen(w)) this.raise(w, at, Math.round(perSecond * 1000) / 1000, d.text, events);
    else if (!beyond && isOpen(w)) this.clear(w, at, events);
  }

  private code(w: Watch, d: Extract<Alarm, { type: 'code' }>, value: Value, at: number, events: AlarmEvent[]): void {
    // The same code again changes nothing: most readings repeat it.
    if (value === w.lastCode) return;
    w.lastCode = value;
    const code = String(value);
    const text = d.codes[code];
    if (isOpen(w) && w.instance!.value !== code) this.clear(w, at, events);
    if (text !== undefined && !isOpen(w)) this.raise(w, at, code, `${d.text}: ${text}`, events);
  }

  private raise(w: Watch, at: number, value: Value | undefined, text: string, events: AlarmEvent[]): void {
    // A cleared, unacknowledged instance is superseded by the new one (its history is in InfluxDB).
    w.raisedHere = true;
    w.instance = {
      device: this.device,
      alarm: w.def.id,
      severity: w.def.severity,
      type: w.def.type,
      text,
      value,
      raisedAt: at,
      clearedAt: undefined,
      acknowledgedAt: undefined,
      acknowledgedBy: undefined,
    };
    events.push({ type: 'raised', at, alarm: { ...w.instance } });
  }

  private clear(w: Watch, at: number, events: AlarmEvent[]): void {
    const inst = w.instance!;
    inst.clearedAt = at;
    events.push({ type: 'cleared', at, alarm: { ...inst } });
    if (inst.acknowledgedAt !== undefined) w.instance = undefined;
  }
}

/** Raised and not yet cleared. */
function isOpen(w: Watch): boolean {
  return w.instance !== undefined && w.instance.clearedAt === undefined;
}
