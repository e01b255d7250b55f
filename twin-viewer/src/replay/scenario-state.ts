// A simulated replication on show: the trace of one replication of an experiment
// (GET /api/experiments/:id/trace) answers the questions the scene and panels ask of the
// live stream and of a replay, at a simulated instant, so the very same scene plays it.
// Simulated t seconds stand for start + t·1000 ms on the shared clock.
//
// Seeking is a binary search per machine and per buffer: the events are split once into one
// time-ordered list per machine, per buffer and for the counts, so the picture at any instant
// is the last entry at or before it in each list: O((machines + stations) · log events) per
// seek, forward or backward, whatever the trace's length, and exactly what a replay from
// t = 0 gives (no checkpoints to keep in step).
import { TRACE_KIND, type ExperimentTrace, type SimulatedMachineState } from '../../../gateway/src/core/experiments.ts';
import type { MachineState } from '../../../device-profiles/schema/profile.ts';
import type { Value } from '../../../gateway/src/core/reading.ts';
import type { LineStock, ShownAlarm, ShownInsight, ShownState, ValueHistory } from '../live/shown-state.ts';

/**
 * The line model's states in the viewer's words. The viewer has no blocked or starved: both
 * are idle (waiting, not broken), and the reason says which; off shift is shown as offline
 * (grey: nobody expects it to produce), the reason says why.
 */
export const SHOWN_AS: Readonly<Record<SimulatedMachineState, { readonly state: MachineState; readonly reason: string }>> = {
  working: { state: 'producing', reason: 'working' },
  blocked: { state: 'idle', reason: 'blocked' },
  starved: { state: 'idle', reason: 'starved' },
  failed: { state: 'fault', reason: 'breakdown' },
  setup: { state: 'setup', reason: 'setup' },
  offShift: { state: 'offline', reason: 'off shift' },
};

/** The signal `history.stateAt` answers for a machine after the first station: the parts in the buffer in front of its station. */
export const BUFFER_SIGNAL = 'buffer_level';
const FAILED = 'failed';

/** One time-ordered list of (t, value). */
interface Steps {
  readonly t: Float64Array;
  readonly v: Float64Array;
}

/** The index of the last entry at or before t; -1 when t comes before the first. */
export function lastAtOrBefore(times: Float64Array, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

function stepsOf(trace: ExperimentTrace, kind: number, count: number): Steps[] {
  const n = new Int32Array(count);
  for (const e of trace.events) if (e[1] === kind) n[e[2]]!++;
  const out = Array.from(n, (k) => ({ t: new Float64Array(k), v: new Float64Array(k) }));
  n.fill(0);
  for (const e of trace.events) {
    if (e[1] !== kind) continue;
    const s = out[e[2]]!;
    const i = n[e[2]]!++;
    s.t[i] = e[0];
    s.v[i] = e[3];
  }
  return out;
}

export interface ScenarioCounts {
  /** Good parts the line finished, from simulated t = 0. */
  readonly good: number;
  /** Parts scrapped, in all and per station id, from t = 0. */
  readonly scrap: number;
  readonly scrapAt: Readonly<Record<string, number>>;
}

export class ScenarioState implements ShownState {
  readonly mode = 'scenario';
  readonly history: ValueHistory;
  insight: ShownInsight = { states: {}, alarms: [], series: [] };
  insightVersion = 0;
  /** Epoch ms that simulated t = 0 stands for. */
  readonly startMs: number;
  /** The simulated seconds the trace covers; a seek is held within them. */
  readonly fromSeconds: number;
  readonly toSeconds: number;
  private t: number;
  private readonly states: Steps[];
  private readonly buffers: Steps[];
  private readonly good: Steps;
  private readonly scrap: Steps[];
  private readonly machineIndex = new Map<string, number>();
  private readonly stationIndex = new Map<string, number>();
  /** Per machine, the index of its state entry now on show (-1: none yet). */
  private readonly shownState: Int32Array;
  private readonly shownBuffer: Int32Array;
  private historyVersion = 0;

  constructor(readonly trace: ExperimentTrace) {
    this.startMs = Date.parse(trace.start);
    this.fromSeconds = trace.window.fromSeconds;
    this.toSeconds = trace.window.toSeconds;
    trace.machines.forEach((m, i) => this.machineIndex.set(m.id, i));
    trace.stations.forEach((s, i) => this.stationIndex.set(s.id, i));
    this.states = stepsOf(trace, TRACE_KIND.state, trace.machines.length);
    this.buffers = stepsOf(trace, TRACE_KIND.buffer, trace.stations.length);
    this.good = stepsOf(trace, TRACE_KIND.good, trace.stations.length)[trace.stations.length - 1]!;
    this.scrap = stepsOf(trace, TRACE_KIND.scrap, trace.stations.length);
    this.shownState = new Int32Array(trace.machines.length).fill(-2);
    this.shownBuffer = new Int32Array(trace.stations.length).fill(-2);
    this.t = this.fromSeconds;
    const self = this;
    this.history = {
      get version() {
        return self.historyVersion;
      },
      stateAt: (id, t) => this.valuesAt(id, t),
      // A simulated machine is never stale: its data is as fresh as the instant shown.
      lastSeen: (id, t) => (this.machineIndex.has(id) ? (t ?? this.now()) : 0),
      series: (id, signal, from, to = Infinity) => (signal === BUFFER_SIGNAL ? this.bufferSeries(this.stationOfMachine(id), from, to) : [[], []]),
    };
    this.seek(this.fromSeconds);
  }

  /** The simulated seconds on show. */
  get seconds(): number {
    return this.t;
  }

  now(): number {
    return this.startMs + this.t * 1000;
  }

  /** Shows simulated second `t` (held within the trace's window); `insightVersion` moves when a machine's state or alarm did. */
  seek(t: number): void {
    this.t = Math.min(this.toSeconds, Math.max(this.fromSeconds, t));
    let statesChanged = false;
    for (let m = 0; m < this.states.length; m++) {
      const i = lastAtOrBefore(this.states[m]!.t, this.t);
      if (i !== this.shownState[m]) statesChanged = true;
      this.shownState[m] = i;
    }
    let buffersChanged = false;
    for (let s = 0; s < this.buffers.length; s++) {
      const i = lastAtOrBefore(this.buffers[s]!.t, this.t);
      if (i !== this.shownBuffer[s]) buffersChanged = true;
      this.shownBuffer[s] = i;
    }
    if (buffersChanged) this.historyVersion++;
    if (statesChanged) {
      this.insight = this.insightNow();
      this.insightVersion++;
    }
  }

  /** Shows the instant `ms` of the shared clock (a timeline's playhead). */
  seekTime(ms: number): void {
    this.seek((ms - this.startMs) / 1000);
  }

  /** The line model's own state of a machine at the instant shown (blocked and starved apart); undefined for an id the trace lacks. */
  simulatedState(machineId: string): SimulatedMachineState | undefined {
    const m = this.machineIndex.get(machineId);
    if (m === undefined) return undefined;
    const i = this.shownState[m]!;
    return i < 0 ? undefined : this.trace.states[this.states[m]!.v[i]!];
  }

  /** Where the line model has its parts at the instant shown: buffers' levels, and machines working or blocked (holding a part). */
  readonly stock: LineStock = {
    bufferAt: (station) => {
      const s = this.stationIndex.get(station);
      if (s === undefined) return 0;
      const i = this.shownBuffer[s]!;
      return i >= 0 ? this.buffers[s]!.v[i]! : 0;
    },
    holds: (machine) => {
      const state = this.simulatedState(machine);
      return state === 'working' || state === 'blocked';
    },
  };

  /** Good parts and scrap from simulated t = 0 up to the instant shown. */
  counts(): ScenarioCounts {
    const gi = lastAtOrBefore(this.good.t, this.t);
    const good = gi >= 0 ? this.good.v[gi]! : this.trace.counts.from.good;
    const scrapAt: Record<string, number> = {};
    let scrap = 0;
    this.trace.stations.forEach((st, s) => {
      const i = lastAtOrBefore(this.scrap[s]!.t, this.t);
      const n = i >= 0 ? this.scrap[s]!.v[i]! : (this.trace.counts.from.scrap[s] ?? 0);
      scrapAt[st.id] = n;
      scrap += n;
    });
    return { good, scrap, scrapAt };
  }

  /**
   * A buffer's level over time, for a chart: [epoch seconds, parts], one point per change
   * (draw it as steps), in [fromMs, toMs] of the shared clock, with the level in force at
   * `fromMs` as the first point. Empty for an unknown station.
   */
  bufferLevels(stationId: string, fromMs = -Infinity, toMs = Infinity): [number[], number[]] {
    return this.bufferSeries(this.stationIndex.get(stationId), fromMs, toMs);
  }

  private bufferSeries(s: number | undefined, fromMs: number, toMs: number): [number[], number[]] {
    const xs: number[] = [];
    const ys: number[] = [];
    if (s === undefined) return [xs, ys];
    const steps = this.buffers[s]!;
    const from = (fromMs - this.startMs) / 1000;
    const to = (toMs - this.startMs) / 1000;
    let i = Math.max(0, lastAtOrBefore(steps.t, from));
    for (; i < steps.t.length && steps.t[i]! <= to; i++) {
      xs.push(Math.max(steps.t[i]!, from) + this.startMs / 1000);
      ys.push(steps.v[i]!);
    }
    return [xs, ys];
  }

  private stationOfMachine(id: string): number | undefined {
    const m = this.machineIndex.get(id);
    if (m === undefined) return undefined;
    const s = this.stationIndex.get(this.trace.machines[m]!.station);
    // The first station is fed without limit: no buffer to show.
    return s === undefined || s === 0 ? undefined : s;
  }

  /** `{ buffer_level }` for a machine after the first station; `{}` for the first station's and for ids the trace lacks. */
  private valuesAt(id: string, ms?: number): Record<string, Value> {
    const s = this.stationOfMachine(id);
    if (s === undefined) return {};
    const steps = this.buffers[s]!;
    const i = ms === undefined ? this.shownBuffer[s]! : lastAtOrBefore(steps.t, (ms - this.startMs) / 1000);
    return i >= 0 ? { [BUFFER_SIGNAL]: steps.v[i]! } : {};
  }

  private insightNow(): ShownInsight {
    const states: Record<string, ShownInsight['states'][string]> = {};
    const alarms: ShownAlarm[] = [];
    this.trace.machines.forEach((m, k) => {
      const i = this.shownState[k]!;
      if (i < 0) return;
      const steps = this.states[k]!;
      const simulated = this.trace.states[steps.v[i]!]!;
      // A machine's entries never repeat a state, so this one's time is when it began (the window's start when it began before).
      const since = this.startMs + steps.t[i]! * 1000;
      states[m.id] = { ...SHOWN_AS[simulated], since };
      // Nothing can be acknowledged in a simulation: acknowledgedBy stays undefined, and the panels hide the button as in a replay.
      if (simulated === FAILED) alarms.push({ device: m.id, alarm: 'breakdown', severity: 'critical', text: 'breakdown (simulated)', raisedAt: since, clearedAt: undefined, acknowledgedBy: undefined });
    });
    // Series figures (targets, OEE, cycle statistics) are the gateway's judgement of a real
    // series; a simulated run has none to give honestly: `counts()` gives its parts.
    return { states, alarms, series: [] };
  }
}
