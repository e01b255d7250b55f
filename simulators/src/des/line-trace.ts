// A run's timed events, for playing one replication in the twin: machine state changes,
// buffer levels, parts finished good and scrapped, as flat numbers (t, kind, index, value).
// The model calls it only when a run is traced; an untraced run never reaches this file.
// Kept to a window [from, to]: what happens before `from` only moves the current picture,
// which is written as events at `from` (every machine's state, every buffer's level) so that a
// window can be shown without the run before it. Counts are kept from t = 0 whatever the
// window and the cap, so the trace's totals are the run's.
import { Float64List } from './growable.ts';
import { STARVED } from './machine-states.ts';

/** A machine's state changed: index = machine, value = its state (an index into MACHINE_STATES). */
export const TRACE_STATE = 0;
/** A buffer's level changed: index = station (the buffer in front of it), value = parts in it. */
export const TRACE_BUFFER = 1;
/** A good part left the line: index = the last station, value = good parts so far, from t = 0. */
export const TRACE_GOOD = 2;
/** A part was found to be scrap: index = the station, value = parts scrapped there so far, from t = 0. */
export const TRACE_SCRAP = 3;

export interface TraceWindow {
  readonly from: number;
  readonly to: number;
  /** Events kept at most; past it the trace is `truncated` (counts go on). */
  readonly maxEvents: number;
}

export class LineTrace {
  /** [t, kind, index, value, t, kind, …], in time order. */
  readonly events = new Float64List(4096);
  truncated = false;
  /** Good parts and scrap per station, from t = 0, as of the last event seen. */
  good = 0;
  readonly scrap: Float64Array;
  /** The counts as of `from`. */
  goodBefore = 0;
  readonly scrapBefore: Float64Array;
  private readonly state: Uint8Array;
  private readonly level: Float64Array;
  private opened = false;
  /** The events' length just after the last buffer event pushed, and the level before it. */
  private lastBuffer = -1;
  private lastBufferBefore = 0;

  constructor(
    machines: number,
    stations: number,
    readonly window: TraceWindow,
  ) {
    // The model's machines start starved and its buffers empty, before their first change.
    this.state = new Uint8Array(machines).fill(STARVED);
    this.level = new Float64Array(stations);
    this.scrap = new Float64Array(stations);
    this.scrapBefore = new Float64Array(stations);
  }

  machineState(t: number, m: number, state: number): void {
    if (this.state[m] === state) return;
    this.reach(t);
    this.state[m] = state;
    this.add(t, TRACE_STATE, m, state);
  }

  bufferLevel(t: number, s: number, level: number): void {
    if (this.level[s] === level) return;
    this.reach(t);
    const before = this.level[s]!;
    this.level[s] = level;
    // A part put in and taken out at one instant (a machine free downstream) is no level anyone
    // saw: the last event, that buffer's at this instant, is changed or taken back, not added to.
    const e = this.events;
    const n = e.length;
    if (!this.truncated && this.lastBuffer === n && e.get(n - 4) === t && e.get(n - 2) === s) {
      if (level === this.lastBufferBefore) {
        for (let k = 0; k < 4; k++) e.pop();
        this.lastBuffer = -1;
      } else e.set(n - 1, level);
      return;
    }
    this.add(t, TRACE_BUFFER, s, level);
    if (e.length === n + 4) {
      this.lastBuffer = e.length;
      this.lastBufferBefore = before;
    }
  }

  goodPart(t: number, s: number): void {
    this.reach(t);
    this.add(t, TRACE_GOOD, s, ++this.good);
    if (t < this.window.from) this.goodBefore = this.good;
  }

  scrapPart(t: number, s: number): void {
    this.reach(t);
    this.scrap[s] = this.scrap[s]! + 1;
    this.add(t, TRACE_SCRAP, s, this.scrap[s]!);
    if (t < this.window.from) this.scrapBefore[s] = this.scrap[s]!;
  }

  /** The end of the run: a window with no event in it still gets its picture at `from`. */
  close(): void {
    if (!this.opened) this.open();
  }

  /** Time reaches t: at the window's start, the picture as it stands is written first. */
  private reach(t: number): void {
    if (!this.opened && t >= this.window.from) this.open();
  }

  private add(t: number, kind: number, index: number, value: number): void {
    if (t >= this.window.from && t <= this.window.to) this.push(t, kind, index, value);
  }

  private open(): void {
    this.opened = true;
    const at = this.window.from;
    for (let m = 0; m < this.state.length; m++) this.push(at, TRACE_STATE, m, this.state[m]!);
    for (let s = 0; s < this.level.length; s++) this.push(at, TRACE_BUFFER, s, this.level[s]!);
  }

  private push(t: number, kind: number, index: number, value: number): void {
    if (this.truncated) return;
    if (this.events.length >= this.window.maxEvents * 4) {
      this.truncated = true;
      return;
    }
    this.events.push(t);
    this.events.push(kind);
    this.events.push(index);
    this.events.push(value);
  }
}
