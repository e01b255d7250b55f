// What a run of the line model records as it goes, in flat arrays: each machine's time per
// state and its active periods, each station's parts (the area under its count, departures,
// time spent), each buffer's level, the line's work in progress, and every good part's lead
// time and finishing time. The model calls it at each change; `line-result.ts` turns it into
// figures. Statistics start again at the end of the warm-up (`reset`); the finishing times of
// good parts are kept from t = 0, for the time to the N-th good part.
import { Float64List } from './growable.ts';
import { STATE_COUNT, isActive } from './machine-states.ts';

export class LineRecorder {
  /** The measured window. */
  from = 0;
  to = 0;
  /** Per machine × state, seconds. */
  readonly time: Float64Array;
  readonly cycles: Float64Array;
  readonly failures: Float64Array;
  readonly setups: Float64Array;
  /** Per machine: [start, end, ...] of its active periods, from t = 0. */
  readonly periods: Float64List[] = [];
  private readonly since: Float64Array;
  private readonly activeSince: Float64Array;

  /** Per station: parts in its buffer or on its machines. */
  readonly zone: Float64Array;
  readonly zoneArea: Float64Array;
  private readonly zoneSince: Float64Array;
  readonly departures: Float64Array;
  readonly sojourn: Float64Array;
  readonly scrapAt: Float64Array;
  readonly bufferArea: Float64Array;
  readonly bufferMax: Float64Array;
  private readonly bufferSince: Float64Array;

  wip = 0;
  wipArea = 0;
  private wipSince = 0;
  /** Parts that left the line, good or scrap, and their total time in it. */
  lineDepartures = 0;
  lineSojourn = 0;
  good = 0;
  scrap = 0;
  readonly leadTimes = new Float64List(1024);
  readonly goodTimes = new Float64List(1024);

  constructor(stations: number, machines: number) {
    this.time = new Float64Array(machines * STATE_COUNT);
    this.cycles = new Float64Array(machines);
    this.failures = new Float64Array(machines);
    this.setups = new Float64Array(machines);
    this.since = new Float64Array(machines);
    this.activeSince = new Float64Array(machines);
    for (let m = 0; m < machines; m++) this.periods.push(new Float64List());
    this.zone = new Float64Array(stations);
    this.zoneArea = new Float64Array(stations);
    this.zoneSince = new Float64Array(stations);
    this.departures = new Float64Array(stations);
    this.sojourn = new Float64Array(stations);
    this.scrapAt = new Float64Array(stations);
    this.bufferArea = new Float64Array(stations);
    this.bufferMax = new Float64Array(stations);
    this.bufferSince = new Float64Array(stations);
  }

  /** Machine m goes from state `old` to `next` at `now`. */
  state(m: number, old: number, next: number, now: number): void {
    this.time[m * STATE_COUNT + old] = this.time[m * STATE_COUNT + old]! + (now - this.since[m]!);
    this.since[m] = now;
    const was = isActive(old);
    if (was === isActive(next)) return;
    const list = this.periods[m]!;
    if (was) {
      list.push(this.activeSince[m]!);
      list.push(now);
    } else if (list.last() === now) {
      // An active period that ended at this very instant goes on: no wait came between.
      list.pop();
      this.activeSince[m] = list.pop();
    } else this.activeSince[m] = now;
  }

  arrive(s: number, now: number): void {
    this.zoneArea[s] = this.zoneArea[s]! + this.zone[s]! * (now - this.zoneSince[s]!);
    this.zoneSince[s] = now;
    this.zone[s] = this.zone[s]! + 1;
  }

  depart(s: number, entered: number, now: number): void {
    this.zoneArea[s] = this.zoneArea[s]! + this.zone[s]! * (now - this.zoneSince[s]!);
    this.zoneSince[s] = now;
    this.zone[s] = this.zone[s]! - 1;
    this.departures[s] = this.departures[s]! + 1;
    this.sojourn[s] = this.sojourn[s]! + (now - entered);
  }

  /** Before station s's buffer changes from `length` parts. */
  bufferChanging(s: number, length: number, now: number): void {
    this.bufferArea[s] = this.bufferArea[s]! + length * (now - this.bufferSince[s]!);
    this.bufferSince[s] = now;
  }

  bufferGrew(s: number, length: number): void {
    if (length > this.bufferMax[s]!) this.bufferMax[s] = length;
  }

  enterLine(now: number): void {
    this.wipArea += this.wip * (now - this.wipSince);
    this.wipSince = now;
    this.wip++;
  }

  /** A part leaves the line; returns the good parts finished since t = 0. */
  leaveLine(entered: number, good: boolean, now: number): number {
    this.wipArea += this.wip * (now - this.wipSince);
    this.wipSince = now;
    this.wip--;
    this.lineDepartures++;
    this.lineSojourn += now - entered;
    if (!good) {
      this.scrap++;
      return this.goodTimes.length;
    }
    this.good++;
    this.leadTimes.push(now - entered);
    this.goodTimes.push(now);
    return this.goodTimes.length;
  }

  /** The end of the warm-up: every statistic but the finishing times starts again from now. */
  reset(now: number, bufferLengths: (s: number) => number): void {
    this.since.fill(now);
    for (const a of [this.time, this.cycles, this.failures, this.setups, this.zoneArea, this.departures, this.sojourn, this.scrapAt, this.bufferArea]) a.fill(0);
    this.zoneSince.fill(now);
    this.bufferSince.fill(now);
    for (let s = 0; s < this.bufferMax.length; s++) this.bufferMax[s] = bufferLengths(s);
    this.wipArea = 0;
    this.wipSince = now;
    this.lineDepartures = this.lineSojourn = this.good = this.scrap = 0;
    this.leadTimes.clear();
    this.from = now;
  }

  /** The end of the run: every open span is counted up to now. */
  close(now: number, phases: Uint8Array, bufferLengths: (s: number) => number): void {
    this.to = now;
    for (let m = 0; m < phases.length; m++) {
      const phase = phases[m]!;
      this.time[m * STATE_COUNT + phase] = this.time[m * STATE_COUNT + phase]! + (now - this.since[m]!);
      this.since[m] = now;
      if (isActive(phase)) {
        this.periods[m]!.push(this.activeSince[m]!);
        this.periods[m]!.push(now);
      }
    }
    for (let s = 0; s < this.zone.length; s++) {
      this.bufferChanging(s, bufferLengths(s), now);
      this.zoneArea[s] = this.zoneArea[s]! + this.zone[s]! * (now - this.zoneSince[s]!);
      this.zoneSince[s] = now;
    }
    this.wipArea += this.wip * (now - this.wipSince);
    this.wipSince = now;
  }
}
