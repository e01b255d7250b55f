// The one contract between the gateway's live hub and the twin viewer: socket.io's typed
// event maps, imported by both sides so every emit and handler is type-checked.
import type { MachineState, Signal, Twin } from '../../../device-profiles/schema/profile.ts';
import type { Value } from './reading.ts';
import type { AlarmInstance, CycleStats, SeriesSummary } from './insight.ts';
import type { Identity } from '../auth/auth-store.ts';

export interface LiveDevice {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly profile: string;
  readonly vendor: string;
  readonly model: string;
  readonly line: string;
  readonly station: string;
  readonly position: { readonly x: number; readonly y: number };
  readonly rotation: number;
  readonly signals: Readonly<Record<string, Pick<Signal, 'type' | 'unit' | 'range' | 'values' | 'description'>>>;
  readonly twin: Twin | null;
  /** Latest values, and when the device last sent data (ms since the epoch, 0 never). */
  readonly values: Readonly<Record<string, Value>>;
  readonly lastSeen: number;
}

export interface LiveSnapshot {
  readonly site: { readonly id: string; readonly name: string; readonly floor: { readonly width: number; readonly depth: number } };
  readonly lines: readonly {
    readonly id: string;
    readonly name: string;
    readonly stations: readonly { readonly id: string; readonly name: string; readonly position: { x: number; y: number }; readonly rotation: number; readonly size?: { width: number; depth: number } | undefined }[];
  }[];
  /** Only the devices the client subscribed to. */
  readonly devices: readonly LiveDevice[];
  readonly serverTime: number;
  /** At most this many change messages per second reach a client. */
  readonly rateHz: number;
  /** Whether the gateway answers the history API, so a viewer can replay. */
  readonly history: boolean;
}

/** Only what changed since the last message, per device: `v` values, `s` last seen. */
export interface LiveChanges {
  readonly t: number;
  readonly d: Readonly<Record<string, { readonly v: Readonly<Record<string, Value>>; readonly s: number }>>;
}

/** Which devices a client follows; empty or absent: everything. */
export interface LiveFilter {
  readonly lines?: readonly string[];
  readonly devices?: readonly string[];
}

/** An alarm as the gateway lists it (times in ms since the epoch). */
export type LiveAlarm = Readonly<AlarmInstance>;

/** What needs a person: each device's machine state and the alarms still listed. Sent whole (it is small) when it changes. */
export interface LiveInsight {
  readonly states: Readonly<Record<string, { readonly state: MachineState; readonly since: number; readonly reason: string }>>;
  readonly alarms: readonly LiveAlarm[];
  /** Production series running now, with their figures; for visitors, without what the site hides from them (product, counts). */
  readonly series: readonly LiveSeries[];
}

/**
 * A series as the socket sends it: whole to operators and above; to visitors of a site that
 * hides them, without its product name and counts (auth/visitor-view.ts), so a viewer must
 * not count on those fields.
 */
export type LiveSeries = Omit<SeriesSummary, HiddenSeriesField | 'stations' | 'machines'> &
  Partial<Pick<SeriesSummary, HiddenSeriesField>> & {
    readonly stations: readonly (Uncounted<SeriesSummary['stations'][number]> & { readonly cycleSeconds: (Omit<CycleStats, 'n'> & { readonly n?: number }) | null })[];
    readonly machines: readonly Uncounted<SeriesSummary['machines'][number]>[];
  };
type HiddenSeriesField = 'product' | 'target' | 'total' | 'good' | 'scrap' | 'progress';
type Uncounted<T extends { produced: number; scrap: number }> = Omit<T, 'produced' | 'scrap' | 'cycleSeconds'> & Partial<Pick<T, 'produced' | 'scrap'>>;

/** The insight as the shop floor has it, every series whole. */
export interface ShopFloorInsight extends LiveInsight {
  readonly series: readonly SeriesSummary[];
}

export interface ServerToClientEvents {
  snapshot: (snapshot: LiveSnapshot) => void;
  changes: (changes: LiveChanges) => void;
  insight: (insight: LiveInsight) => void;
}

export interface ClientToServerEvents {
  /** Replaces the client's filter; a fresh snapshot for it follows. */
  subscribe: (filter: LiveFilter) => void;
  /**
   * Acknowledges an alarm in the name of the socket's user (an operator or above); everyone
   * gets the new insight. `by` is ignored: who is logged in is recorded. The answer, when asked
   * for, says whether it was done or the coded reason it was not.
   */
  acknowledge: (ack: { readonly device: string; readonly alarm: string; readonly by?: string }, reply?: (answer: { readonly ok: boolean; readonly code?: string }) => void) => void;
}

export interface SocketData {
  /** Who connected (auth/auth-store.ts), checked again on every event. */
  identity: Identity;
  /** What the socket is sent: everything, or what the site lets visitors see. */
  view: 'full' | 'visitor';
  /** Events refused so far; too many and the socket is dropped. */
  refusals?: number;
  filter: LiveFilter;
  /** Set when the client fell behind: it gets a snapshot (the latest state) once it has caught up. */
  needsSnapshot: boolean;
}
