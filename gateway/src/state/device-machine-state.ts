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
  const rules = compileRules(states, signals);
  const i = firstMatch(rules, values);
  return i < 0 ? { state: states.default, reason: 'no rule matched' } : { state: rules[i]!.state, reason: reasonOf(rules[i]!, values) };
}

/** A rule made ready for every message: `in` as a set of strings, the signal's enum meanings at hand. */
interface CompiledRule {
  readonly state: Exclude<MachineState, 'offline'>;
  readonly signal: string;
  readonly accept: ReadonlySet<string> | undefined;
  readonly meanings: Readonly<Record<string, string>> | undefined;
  readonly above: number | undefined;
  readonly below: number | undefined;
}

function compileRules(states: States, signals: Readonly<Record<string, Signal>>): CompiledRule[] {
  return states.rules.map((r: StateRule) => {
    const signal = signals[r.signal];
    return {
      state: r.state,
      signal: r.signal,
      accept: r.in ? new Set(r.in.map(String)) : undefined,
      meanings: signal?.type === 'enum' ? signal.values : undefined,
      above: r.above,
      below: r.below,
    };
  });
}

/** The index of the first rule the values match, -1 for none. Allocates nothing: it runs for every reading. */
function firstMatch(rules: readonly CompiledRule[], values: Readonly<Record<string, Value>>): number {
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const value = values[rule.signal];
    if (value === undefined) continue;
    if (rule.accept) {
      const text = typeof value === 'string' ? value : String(value);
      const meaning = rule.meanings && typeof value === 'string' ? rule.meanings[value] : undefined;
      if (!rule.accept.has(text) && (meaning === undefined || !rule.accept.has(meaning))) continue;
    }
    if (rule.above !== undefined && !(typeof value === 'number' && value > rule.above)) continue;
    if (rule.below !== undefined && !(typeof value === 'number' && value < rule.below)) continue;
    return i;
  }
  return -1;
}

function reasonOf(rule: CompiledRule, values: Readonly<Record<string, Value>>): string {
  return `${rule.signal} = ${String(values[rule.signal])}`;
}

const NO_CHANGES: readonly StateChange[] = Object.freeze([]);

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
  private readonly rules: readonly CompiledRule[];

  constructor(
    private readonly states: States,
    signals: Readonly<Record<string, Signal>>,
    start: number,
  ) {
    this.since = start;
    this.offlineAfterMs = states.offlineAfterSeconds * 1000;
    this.rules = compileRules(states, signals);
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
  observe(values: Readonly<Record<string, Value>>, at: number): readonly StateChange[] {
    // First data from before the tracker's start: a recorded past whose clock was set back
    // after the gateway was built. Its time counts from that data, not from a start after it.
    if (this.lastSeen === -Infinity && at < this.since) this.since = at;
    const stale = this.check(at);
    this.lastSeen = Math.max(this.lastSeen, at);
    const i = firstMatch(this.rules, values);
    const state = i < 0 ? this.states.default : this.rules[i]!.state;
    if (state === this.current) return stale;
    const change = this.enter(state, Math.max(at, this.since), i < 0 ? 'no rule matched' : reasonOf(this.rules[i]!, values))!;
    return stale.length ? [...stale, change] : [change];
  }

  /** Time passed to `now`: goes offline if the data is stale by then. */
  check(now: number): readonly StateChange[] {
    if (this.current === 'offline') return NO_CHANGES;
    const staleAt = this.lastSeen + this.offlineAfterMs;
    if (now < staleAt) return NO_CHANGES;
    const change = this.enter('offline', Math.max(staleAt, this.since), `no data for ${this.states.offlineAfterSeconds} s`);
    return change ? [change] : NO_CHANGES;
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
