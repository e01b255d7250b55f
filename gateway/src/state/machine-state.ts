// A device's machine state — producing, idle, setup, fault, offline — from the rules in
// its profile, and the time spent in each. Pure: every call takes the time, so the logic
// is tested against a controllable clock and replays give the same answers.
import type { MachineState, Signal, States, StateRule } from '../../../device-profiles/schema/profile.ts';
import type { Value } from '../core/reading.ts';

export interface StateChange {
  readonly state: MachineState;
  readonly previous: MachineState;
  /** ms since the epoch. */
  readonly at: number;
  /** How long the previous state lasted, ms. */
  readonly previousMs: number;
  /** Which rule or condition decided, for people. */
  readonly reason: string;
}

/** The state the rules give for these values (offline is decided by time, not here). */
export function evaluateState(states: States, signals: Readonly<Record<string, Signal>>, values: Readonly<Record<string, Value>>): { state: Exclude<MachineState, 'offline'>; reason: string } {
  for (const rule of states.rules) {
    const value = values[rule.signal];
    if (value !== undefined && matches(rule, signals[rule.signal], value)) return { state: rule.state, reason: `${rule.signal} = ${String(value)}` };
  }
  return { state: states.default, reason: 'no rule matched' };
}

function matches(rule: StateRule, signal: Signal | undefined, value: Value): boolean {
  if (rule.in) {
    const meaning = signal?.type === 'enum' && typeof value === 'string' ? signal.values?.[value] : undefined;
    const hit = rule.in.some((c) => c === value || String(c) === String(value) || (meaning !== undefined && c === meaning));
    if (!hit) return false;
  }
  if (rule.above !== undefined && !(typeof value === 'number' && value > rule.above)) return false;
  if (rule.below !== undefined && !(typeof value === 'number' && value < rule.below)) return false;
  return true;
}

export const ALL_STATES: readonly MachineState[] = ['producing', 'idle', 'setup', 'fault', 'offline'];

/**
 * One device. Starts offline (no data yet). `observe` is called with the device's merged
 * values whenever data arrives; `check` as time passes, to notice silence. A device is
 * offline from the moment its last data became `offlineAfterSeconds` old — that instant,
 * not when it was noticed — so durations do not depend on how often `check` runs.
 */
export class MachineStateTracker {
  private current: MachineState = 'offline';
  private since: number;
  private lastSeen = -Infinity;
  private reason = 'no data yet';
  private readonly totals: Record<MachineState, number> = { producing: 0, idle: 0, setup: 0, fault: 0, offline: 0 };
  private readonly offlineAfterMs: number;

  constructor(
    private readonly states: States,
    private readonly signals: Readonly<Record<string, Signal>>,
    start: number,
  ) {
    this.since = start;
    this.offlineAfterMs = states.offlineAfterSeconds * 1000;
  }

  get state(): MachineState {
    return this.current;
  }

  /** When the current state began (ms). */
  get stateSince(): number {
    return this.since;
  }

  get why(): string {
    return this.reason;
  }

  /** Data arrived at `at` (the gateway's clock); returns the changes it caused, oldest first. */
  observe(values: Readonly<Record<string, Value>>, at: number): StateChange[] {
    const changes = this.check(at);
    this.lastSeen = Math.max(this.lastSeen, at);
    const next = evaluateState(this.states, this.signals, values);
    const change = this.enter(next.state, Math.max(at, this.since), next.reason);
    if (change) changes.push(change);
    return changes;
  }

  /** Time passed to `now`: goes offline if the data is stale by then. */
  check(now: number): StateChange[] {
    if (this.current === 'offline') return [];
    const staleAt = this.lastSeen + this.offlineAfterMs;
    if (now < staleAt) return [];
    const change = this.enter('offline', Math.max(staleAt, this.since), `no data for ${this.states.offlineAfterSeconds} s`);
    return change ? [change] : [];
  }

  /** Milliseconds spent in each state from the start to `now`, the current state included. */
  durations(now: number): Record<MachineState, number> {
    const out = { ...this.totals };
    out[this.current] += Math.max(0, now - this.since);
    return out;
  }

  private enter(state: MachineState, at: number, reason: string): StateChange | undefined {
    if (state === this.current) return undefined;
    const previous = this.current;
    const previousMs = at - this.since;
    this.totals[previous] += previousMs;
    this.current = state;
    this.since = at;
    this.reason = reason;
    return { state, previous, at, previousMs, reason };
  }
}
