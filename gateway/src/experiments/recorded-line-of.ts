// A line's record (the calibration's input, simulators/src/experiments/recorded-line.ts) from
// the rows InfluxDB holds for a window. Pure: rows in, RecordedLine out; the queries are in
// recorded-from-influx.ts. A machine's state holds from its change event to the next, as
// the history API reads it; every time is clipped to the window.
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import { MACHINE_STATES, type MachineState } from '../../../device-profiles/schema/profile.ts';
import type { RecordedLine, RecordedMachine } from '../../../simulators/src/experiments/recorded-line.ts';

export interface PartRow {
  readonly t: number;
  readonly produced: number;
  readonly scrap: number;
}

export interface StateRow {
  readonly t: number;
  readonly state: string;
  /** The state before this change and how long it lasted (the `machine_state` point's `previous`, `previous_s`). */
  readonly previous?: string | undefined;
  readonly previousSeconds?: number | undefined;
}

export interface MachineRows {
  readonly parts: readonly PartRow[];
  /** The latest change at or before the window's start, if any was recorded. */
  readonly initial: StateRow | undefined;
  /** The changes after the window's start, oldest first. */
  readonly changes: readonly StateRow[];
}

export interface PlannedStop {
  readonly from: number;
  readonly to: number;
  readonly reason: string;
}

interface Segment {
  readonly start: number;
  readonly end: number;
  readonly state: MachineState;
  /** False for the last one, which the window's end cuts off. */
  readonly ended: boolean;
}

const isState = (s: string | undefined): s is MachineState => (MACHINE_STATES as readonly string[]).includes(s ?? '');

export interface RecordedLineInput {
  readonly line: string;
  readonly from: number;
  readonly to: number;
  readonly series: string | null;
  readonly plannedStops: readonly PlannedStop[];
  /** By device id; a device of the line without rows recorded nothing. */
  readonly machines: ReadonlyMap<string, MachineRows>;
}

/**
 * The record of `line` over [from, to]. Machines in the order of the line's stations, then
 * the site file's. Line good parts are those its last counting station passed, less the
 * scrap found there; line scrap is all scrap found on the line (as a production series counts).
 * A device whose profile declares no machine states (an inspection cell) has no state
 * seconds, failures, repairs or cycles: its gaps between parts mix work and waiting, which
 * nothing recorded tells apart.
 */
export function recordedLineOf(site: SiteModel, input: RecordedLineInput): RecordedLine {
  const line = site.lines.find((l) => l.id === input.line);
  if (!line) throw new RangeError(`no line ${input.line}`);
  const stations = line.stations.map((s) => s.id);
  const devices = site.devices.filter((d) => d.line === line.id).sort((a, b) => stations.indexOf(a.station) - stations.indexOf(b.station));
  const machines = devices.map((d) => machineOf(d.id, d.station, d.profileDef.states !== undefined, d.station === stations[0], input.machines.get(d.id) ?? { parts: [], initial: undefined, changes: [] }, input));
  const counting = devices.filter((d) => d.profileDef.production);
  const output = counting.at(-1)?.station;
  const atOutput = machines.filter((m) => m.station === output);
  const outputScrap = atOutput.reduce((n, m) => n + m.scrap, 0);
  const good = Math.max(0, atOutput.reduce((n, m) => n + m.produced, 0) - outputScrap);
  const scrap = machines.reduce((n, m) => n + m.scrap, 0);
  return { line: line.id, from: input.from, to: input.to, series: input.series, machines, plannedStops: input.plannedStops, good, scrap };
}

function machineOf(device: string, station: string, judged: boolean, first: boolean, rows: MachineRows, w: RecordedLineInput): RecordedMachine {
  const segments = judged ? segmentsOf(rows, w.from, w.to) : [];
  const seconds: Record<MachineState, number> = { producing: 0, idle: 0, setup: 0, fault: 0, offline: 0 };
  const upBetweenFailures: number[] = [];
  const repairs: number[] = [];
  let up = 0;
  for (const s of segments) {
    const inWindow = (Math.min(s.end, w.to) - Math.max(s.start, w.from)) / 1000;
    seconds[s.state] += inWindow;
    if (s.state === 'producing') up += inWindow;
    if (s.state !== 'fault') continue;
    // A fault that began before the window ends a run the window did not see begin.
    if (s.start >= w.from) upBetweenFailures.push(up);
    up = 0;
    if (s.ended) repairs.push((s.end - s.start) / 1000);
  }
  const parts = rows.parts.filter((p) => p.t >= w.from && p.t <= w.to);
  return {
    device,
    station,
    cycles: judged ? cyclesOf(parts, segments, first, w.plannedStops) : [],
    upBetweenFailures,
    repairs,
    produced: parts.reduce((n, p) => n + p.produced, 0),
    scrap: parts.reduce((n, p) => n + p.scrap, 0),
    seconds,
  };
}

/** The machine's states as back-to-back segments covering [from, to] (the first may begin before `from`). */
function segmentsOf(rows: MachineRows, from: number, to: number): Segment[] {
  const first = rows.changes[0];
  let state: MachineState;
  let start: number;
  if (rows.initial && isState(rows.initial.state)) {
    state = rows.initial.state;
    start = rows.initial.t;
  } else if (first && isState(first.previous)) {
    // No change before the window is kept (older than the look-back): the first change says what it ended.
    state = first.previous;
    start = first.previousSeconds !== undefined ? first.t - first.previousSeconds * 1000 : from;
  } else {
    state = 'offline';
    start = from;
  }
  const segments: Segment[] = [];
  for (const c of rows.changes) {
    if (c.t <= from || c.t > to || !isState(c.state)) continue;
    segments.push({ start, end: c.t, state, ended: true });
    state = c.state;
    start = c.t;
  }
  segments.push({ start, end: to, state, ended: false });
  return segments.filter((s) => s.end > s.start);
}

/**
 * A machine's cycle times: for each gap between consecutive parts with no planned stop and
 * no `offline` in it, the seconds of the gap it spent making the part, as the line model's
 * cycle means it. That is `producing` and `setup` (a printer heats up for every job: the
 * model's setups come only at the start and after a stop, so a setup between parts belongs
 * to the cycle), and at the line's first station also `idle` (the model never starves the
 * first station, so its idle time between parts is its own, e.g. a printer's part taken off,
 * not waiting for material). `fault` is left out: the failures model adds it back; idle at
 * a later station is waiting for parts (or to hand one on), which the model makes itself.
 * Parts counted in one point (a counter that stepped by n) share its time, as a production
 * series counts them.
 */
function cyclesOf(parts: readonly PartRow[], segments: readonly Segment[], first: boolean, stops: readonly PlannedStop[]): number[] {
  const made = parts.filter((p) => p.produced > 0);
  const cycles: number[] = [];
  let k = 0;
  for (let i = 1; i < made.length; i++) {
    const [a, b] = [made[i - 1]!, made[i]!];
    if (b.t <= a.t) continue;
    if (stops.some((s) => s.from < b.t && s.to > a.t)) continue;
    while (k < segments.length && segments[k]!.end <= a.t) k++;
    let ms = 0;
    let offline = false;
    for (let j = k; j < segments.length && segments[j]!.start < b.t; j++) {
      const s = segments[j]!;
      const overlap = Math.min(s.end, b.t) - Math.max(s.start, a.t);
      if (overlap <= 0) continue;
      if (s.state === 'offline') offline = true;
      if (s.state === 'producing' || s.state === 'setup' || (first && s.state === 'idle')) ms += overlap;
    }
    if (offline || ms <= 0) continue;
    const share = ms / 1000 / b.produced;
    for (let n = 0; n < b.produced; n++) cycles.push(share);
  }
  return cycles;
}
