// What the history API answers (gateway/src/history/ computes it from InfluxDB; http/ sends
// it). Times are epoch milliseconds. Gaps are gaps: a device silent at an instant has no
// values, never an old value dressed as a current one.
import type { MachineState } from '../../../device-profiles/schema/profile.ts';
import type { Value } from './reading.ts';

/** Which devices a history request is about, resolved against the site by the caller. */
export interface HistoryScope {
  readonly devices: readonly string[];
}

export interface DeviceAt {
  readonly id: string;
  /** Time of the latest point at or before the instant that lies within the device's look-back; null when none does. */
  readonly time: number | null;
  /** Every stored signal as that point carried it (the device's merged state then); null: no data at the instant. */
  readonly values: Readonly<Record<string, Value>> | null;
  /** The latest point at or before the instant however old (within the raw retention), to say how long it was silent. */
  readonly lastSeen: number | null;
}

export interface StateAt {
  readonly device: string;
  readonly state: MachineState;
  /** When this state began (the time of its change event). */
  readonly since: number;
  readonly reason: string;
}

export interface AlarmAt {
  readonly device: string;
  readonly alarm: string;
  readonly severity: string;
  readonly text: string;
  readonly value: string;
  /** The last `raised` event of this alarm at or before the instant. */
  readonly raisedAt: number | null;
  /** The last event at or before the instant. */
  readonly lastEvent: 'raised' | 'acknowledged' | 'cleared';
  readonly lastEventAt: number;
  readonly active: boolean;
  readonly acknowledged: boolean;
  readonly acknowledgedBy: string | null;
}

export interface SeriesAt {
  readonly id: string;
  readonly product: string;
  readonly line: string;
  readonly target: number;
  readonly good: number;
  readonly scrap: number;
  readonly total: number;
  readonly oee: number | null;
  readonly availability: number | null;
  readonly performance: number | null;
  readonly quality: number | null;
  /** The production_series point the figures come from: its event and time. */
  readonly event: string;
  readonly figuresAt: number;
}

/** Where an answer was read: raw points, or the 1-minute rollups (and the events' copies) kept longer. */
export type HistoryTier = 'raw' | 'rollup';

export interface HistoryAt {
  readonly t: number;
  readonly tier: HistoryTier;
  readonly devices: readonly DeviceAt[];
  /** Each device's machine state at the instant, from its change events; absent where none was recorded. */
  readonly states: readonly StateAt[];
  /** Alarms listed at the instant: active, or cleared and not yet acknowledged. */
  readonly alarms: readonly AlarmAt[];
  /** Production series running at the instant. */
  readonly series: readonly SeriesAt[];
}

/** A device's values over a window: every point (raw), or per step the last, min and max of numbers and each change of the rest. */
export interface DeviceChanges {
  readonly id: string;
  /** How long after a point the device still has data (its look-back, as in `at`): a longer silence is a gap. */
  readonly lookbackMs: number;
  readonly points: readonly { readonly t: number; readonly v: Readonly<Record<string, Value>> }[];
  /** Only when stepped: per step start, last/min/max of each numeric signal (min and max empty when only the last was asked for). */
  readonly steps?: readonly { readonly t: number; readonly last: Readonly<Record<string, number>>; readonly min: Readonly<Record<string, number>>; readonly max: Readonly<Record<string, number>> }[];
}

export interface TimelineMark {
  readonly t: number;
  readonly kind: 'state' | 'alarm_raised' | 'alarm_acknowledged' | 'alarm_cleared' | 'series_start' | 'series_pause' | 'series_resume' | 'series_stop';
  readonly device: string | null;
  readonly text: string;
  /** A state mark's new machine state, so a player can apply it without reading the text. */
  readonly state?: MachineState;
  /** An alarm mark's alarm id and severity, and who acknowledged it. */
  readonly alarm?: string;
  readonly severity?: string;
  readonly by?: string;
}

export interface HistoryChanges {
  readonly from: number;
  readonly to: number;
  readonly tier: HistoryTier;
  /** Seconds per step; null when the points are raw. */
  readonly step: number | null;
  readonly devices: readonly DeviceChanges[];
  /** State changes and alarm events in the window, oldest first. */
  readonly events: readonly TimelineMark[];
  /** True when a bound cut the answer short; ask for a shorter window or a longer step. */
  readonly truncated: boolean;
}

/** The history API's reads. Each rejects with a FieldlabError (`unavailable`) when InfluxDB does not answer. */
export interface HistoryReads {
  at(t: number, scope: HistoryScope): Promise<HistoryAt>;
  /** `lastOnly`: a stepped window without min and max (a player needs only the last; a third of the bytes). */
  changes(from: number, to: number, scope: HistoryScope, stepSeconds?: number, options?: { readonly lastOnly?: boolean }): Promise<HistoryChanges>;
  marks(from: number, to: number, scope: HistoryScope): Promise<{ readonly marks: readonly TimelineMark[]; readonly truncated: boolean }>;
}
