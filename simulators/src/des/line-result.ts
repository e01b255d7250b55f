// A run's figures, from what the recorder kept: per machine its time split, per station its
// parts, work in progress and time spent there (the terms of Little's law), per buffer its
// level, for the line good parts, scrap, lead times, throughput over time and the bottleneck.
import { quantileSorted } from 'simple-statistics';
import { activePeriodBottleneck, type BottleneckResult } from './bottleneck.ts';
import type { LineParams } from './line-params.ts';
import type { LineRecorder } from './line-recorder.ts';
import { MACHINE_STATES, STATE_COUNT, type MachineState } from './machine-states.ts';

export interface MachineResult {
  readonly id: string;
  readonly station: string;
  /** Seconds in each state over the measured window; they add up to its length. */
  readonly time: Readonly<Record<MachineState, number>>;
  /** Parts finished (good or scrap), breakdowns, setups done. */
  readonly cycles: number;
  readonly failures: number;
  readonly setups: number;
}

export interface StationResult {
  readonly id: string;
  /** Parts that left the station (on to the next, out of the line, or as scrap). */
  readonly departures: number;
  readonly scrap: number;
  /** Time-average parts at the station: in its buffer or on its machines (blocked ones too). */
  readonly wip: number;
  /** Mean time a departed part spent at the station, from entering its buffer to leaving. */
  readonly sojourn: number;
  /** Departures per second. Little's law: wip ≈ throughput × sojourn. */
  readonly throughput: number;
  /** The buffer in front of the station. */
  readonly buffer: { readonly capacity: number; readonly mean: number; readonly max: number };
}

export interface LineResult {
  readonly seed: number;
  /** The measured window: from the end of the warm-up to the end of the run (seconds). */
  readonly from: number;
  readonly to: number;
  /** Events the kernel handled. */
  readonly events: number;
  readonly good: number;
  readonly scrap: number;
  readonly goodPerHour: number;
  /** Time-average parts in the line. */
  readonly wip: number;
  /** Of the good parts finished in the window, from entering the line to leaving it. */
  readonly leadTime: { readonly mean: number; readonly p95: number; readonly count: number };
  /** All parts that left the line in the window (good and scrap) and their mean time in it: Little's law for the line. */
  readonly departures: number;
  readonly sojourn: number;
  /** The finishing time of every good part from t = 0 on, warm-up included, in order. */
  readonly goodTimes: Float64Array;
  /** Good parts finished in each slice of `sliceSeconds` from t = 0. */
  readonly throughput: { readonly sliceSeconds: number; readonly goodPerSlice: readonly number[] };
  readonly stations: readonly StationResult[];
  readonly machines: readonly MachineResult[];
  readonly bottleneck: BottleneckResult;
}

/** When the n-th good part was finished (seconds from t = 0), or undefined if it was not within the run. */
export function timeToGood(r: LineResult, n: number): number | undefined {
  return n >= 1 && n <= r.goodTimes.length ? r.goodTimes[n - 1] : undefined;
}

export function buildResult(p: LineParams, rec: LineRecorder, events: number): LineResult {
  const span = rec.to - rec.from;
  const sliceSeconds = p.sliceSeconds ?? 3600;
  const machines: MachineResult[] = [];
  const periods = [];
  let i = 0;
  for (const station of p.stations) {
    for (const m of station.machines) {
      const time = Object.fromEntries(MACHINE_STATES.map((s, k) => [s, rec.time[i * STATE_COUNT + k]!])) as Record<MachineState, number>;
      machines.push({ id: m.id, station: station.id, time, cycles: rec.cycles[i]!, failures: rec.failures[i]!, setups: rec.setups[i]! });
      periods.push({ id: m.id, periods: rec.periods[i]!.toArray() });
      i++;
    }
  }
  const stations = p.stations.map((s, k): StationResult => {
    const departures = rec.departures[k]!;
    return {
      id: s.id,
      departures,
      scrap: rec.scrapAt[k]!,
      wip: rec.zoneArea[k]! / span,
      sojourn: departures > 0 ? rec.sojourn[k]! / departures : 0,
      throughput: departures / span,
      buffer: { capacity: k === 0 ? Infinity : (s.buffer ?? Infinity), mean: rec.bufferArea[k]! / span, max: rec.bufferMax[k]! },
    };
  });
  const lead = rec.leadTimes.toArray().sort();
  const goodTimes = rec.goodTimes.toArray();
  const goodPerSlice = new Array<number>(Math.max(1, Math.ceil(rec.to / sliceSeconds))).fill(0);
  for (const t of goodTimes) {
    const k = Math.min(goodPerSlice.length - 1, Math.floor(t / sliceSeconds));
    goodPerSlice[k] = goodPerSlice[k]! + 1;
  }
  return {
    seed: p.seed,
    from: rec.from,
    to: rec.to,
    events,
    good: rec.good,
    scrap: rec.scrap,
    goodPerHour: (rec.good / span) * 3600,
    wip: rec.wipArea / span,
    leadTime: {
      mean: lead.length > 0 ? lead.reduce((a, b) => a + b, 0) / lead.length : 0,
      // simple-statistics reads the sorted sample by index only, so a typed array serves.
      p95: lead.length > 0 ? quantileSorted(lead as unknown as number[], 0.95) : 0,
      count: lead.length,
    },
    departures: rec.lineDepartures,
    sojourn: rec.lineDepartures > 0 ? rec.lineSojourn / rec.lineDepartures : 0,
    goodTimes,
    throughput: { sliceSeconds, goodPerSlice },
    stations,
    machines,
    bottleneck: activePeriodBottleneck(periods, rec.from, rec.to, sliceSeconds),
  };
}
