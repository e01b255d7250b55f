// What the gateway tells people about the shop floor, in the shapes the REST API and the
// live hub send: machine states, alarms, production series, device values. Plain data, the
// state layer builds it and the HTTP and live layers pass it on; neither imports state/.
import type { Alarm, MachineState } from '../../../device-profiles/schema/profile.ts';
import type { Value } from './reading.ts';

export interface DeviceSnapshot {
  readonly id: string;
  readonly values: Readonly<Record<string, Value>>;
  /** ms since the epoch of the latest reading, 0 when none yet. */
  readonly lastSeen: number;
  readonly messages: number;
}

export interface MachineStateView {
  readonly device: string;
  readonly state: MachineState;
  /** ISO time the current state began. */
  readonly since: string;
  readonly reason: string;
  /** Seconds in each state since the gateway started. */
  readonly seconds: Record<MachineState, number>;
}

export interface AlarmInstance {
  readonly device: string;
  readonly alarm: string;
  readonly severity: Alarm['severity'];
  readonly type: Alarm['type'];
  /** The profile's text, with a fault code's own text after it. */
  readonly text: string;
  /** The value that raised it (for code alarms, the code). */
  readonly value: Value | undefined;
  readonly raisedAt: number;
  clearedAt: number | undefined;
  acknowledgedAt: number | undefined;
  acknowledgedBy: string | undefined;
}

/** A break, a changeover, a shift end: time nobody planned to produce in. `to` null while it lasts. */
export interface PlannedStop {
  readonly from: number;
  readonly to: number | null;
  readonly reason: string;
}

export interface Oee {
  readonly availability: number | null;
  readonly performance: number | null;
  readonly quality: number | null;
  readonly oee: number | null;
}

export interface CycleStats {
  readonly n: number;
  readonly mean: number;
  readonly min: number;
  readonly p10: number;
  readonly p50: number;
  readonly p90: number;
  readonly max: number;
}

export interface SeriesSummary {
  readonly id: string;
  readonly product: string;
  readonly target: number;
  readonly line: string;
  readonly startedAt: number;
  readonly stoppedAt: number | null;
  /** The planned stop going on now, if any. */
  readonly plannedStop: { readonly reason: string; readonly since: number } | null;
  readonly plannedStops: readonly PlannedStop[];
  /** Elapsed time less planned stops. */
  readonly plannedSeconds: number;
  readonly plannedStopSeconds: number;
  readonly total: number;
  readonly good: number;
  readonly scrap: number;
  /** good / target, 0..1 (above 1 once the target is passed). */
  readonly progress: number;
  readonly stations: readonly { readonly id: string; readonly produced: number; readonly scrap: number; readonly idealCycleSeconds: number | null; readonly cycleSeconds: CycleStats | null }[];
  /** The station with the longest mean cycle time (at least two cycles seen). */
  readonly bottleneck: string | null;
  /** runSeconds: null for a device without a machine-state model. */
  readonly machines: readonly { readonly device: string; readonly station: string; readonly produced: number; readonly scrap: number; readonly runSeconds: number | null; readonly oee: Oee }[];
  readonly oee: Oee;
}

/** What a person gives to start a series; the gateway names it. */
export interface SeriesStart {
  readonly product: string;
  readonly target: number;
  readonly line: string;
  /** Overrides the line's ideal cycle time (seconds per part). */
  readonly idealCycleSeconds?: number | undefined;
}
