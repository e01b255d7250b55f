// What the scene and panels show, wherever it comes from: the live stream, the history
// replayed at an instant, or a simulated replication of an experiment. All answer the same
// questions, so switching between them swaps this one object and nothing else (no second
// scene, no second set of panels).
import type { LiveAlarm, LiveInsight } from '../../../gateway/src/core/live-events.ts';
import type { LiveSeries } from '../../../gateway/src/core/live-events.ts';
import type { Value } from '../../../gateway/src/core/reading.ts';

/** Per device, its values over time. */
export interface ValueHistory {
  /** Bumped on every change of what `stateAt` would answer, so a renderer knows when to draw. */
  readonly version: number;
  /** The merged values at `t` (default: the instant shown); empty where the device had no data then. */
  stateAt(id: string, t?: number): Record<string, Value>;
  /** When the device last sent data as of `t` (default: the instant shown); 0: no data then. */
  lastSeen(id: string, t?: number): number;
  /** A numeric signal's samples in [from, to] (seconds, values), for charts. */
  series(id: string, signal: string, from: number, to?: number): [number[], number[]];
}

/** An alarm as the alarm list shows it; the live hub's carry more than a replay knows. */
export type ShownAlarm = Pick<LiveAlarm, 'device' | 'alarm' | 'severity' | 'text' | 'raisedAt' | 'clearedAt' | 'acknowledgedBy'>;

export interface ShownInsight {
  readonly states: LiveInsight['states'];
  readonly alarms: readonly ShownAlarm[];
  readonly series: readonly LiveSeries[];
}

/** Where a simulated line has its parts at the instant shown: per station its buffer's level, per machine whether it holds one. */
export interface LineStock {
  bufferAt(station: string): number;
  holds(machine: string): boolean;
}

export interface ShownState {
  /** scenario: a simulated replication (replay/scenario-state.ts); like a replay, nothing on show can be acknowledged or changed. */
  readonly mode: 'live' | 'replay' | 'scenario';
  readonly history: ValueHistory;
  /** Machine states, alarms and series as the gateway judged them at the instant shown. */
  readonly insight: ShownInsight;
  /** Bumped whenever `insight` changed. */
  readonly insightVersion: number;
  /** The instant shown, by the gateway's clock (live: now). */
  now(): number;
  /** A simulated line's parts (a scenario); live and replay have the material flow instead. */
  readonly stock?: LineStock;
}

const SEVERITY_ORDER = ['critical', 'warning', 'info'] as const;

/** A device's machine state and its worst active alarm, from an insight. */
export function judgedFrom(insight: ShownInsight, id: string): { state: string | undefined; alarm: (typeof SEVERITY_ORDER)[number] | undefined } {
  const active = insight.alarms.filter((a) => a.device === id && a.clearedAt === undefined);
  return { state: insight.states[id]?.state, alarm: SEVERITY_ORDER.find((s) => active.some((a) => a.severity === s)) };
}
