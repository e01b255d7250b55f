// One replication's figures, taken from its `LineResult` right after the run so that only a
// few numbers per replication are kept: throughput, scrap, the time to the target, OEE and
// its factors per machine and for the line, each machine's time split, buffers, work in
// progress, lead time and the bottleneck (overall and per slice).
//
// OEE as docs/shop-floor-insight.md defines it for a production series, with the model's
// states: planned time = the window less off-shift time (nights, breaks, planned stops);
// run time = working; availability = run time / planned time (so waiting, blocked, failed
// and setup time are all availability losses, as the gateway's `producing` share is);
// performance = ideal cycle × parts / run time; quality = the station's good share; line OEE
// = good × the line's ideal cycle (the slowest station's ideal over its machines) / planned.
import type { LineResult } from '../des/line-result.ts';
import { MACHINE_STATES, type MachineState } from '../des/machine-states.ts';
import type { Design } from './apply-changes.ts';

export interface Oee {
  readonly oee: number;
  readonly availability: number;
  readonly performance: number;
  readonly quality: number;
}

export interface RunFigures {
  readonly goodPerHour: number;
  readonly good: number;
  readonly scrap: number;
  /** Scrap / (good + scrap); 0 with no parts. */
  readonly scrapRate: number;
  readonly wip: number;
  readonly leadTimeMean: number;
  readonly leadTimeP95: number;
  /** Hours from the start to the target's last good part; null: not reached within the horizon (or no target). */
  readonly hoursToTarget: number | null;
  readonly plannedHours: number;
  readonly line: Oee | null;
  readonly machines: readonly {
    readonly id: string;
    readonly station: string;
    /** Share of the window in each state. */
    readonly share: Readonly<Record<MachineState, number>>;
    /** Working share of planned time: the producing share the gateway records. */
    readonly utilisation: number;
    readonly oee: Oee | null;
    /** Share of the window as bottleneck (sole + shifting). */
    readonly bottleneckShare: number;
  }[];
  readonly buffers: readonly { readonly station: string; readonly capacity: number; readonly mean: number; readonly max: number }[];
  readonly bottleneck: string | null;
  /** The bottleneck of each slice (null: nobody active, e.g. off shift). */
  readonly slices: readonly (string | null)[];
}

export function runFigures(r: LineResult, design: Design, target: number | undefined): RunFigures {
  const span = r.to - r.from;
  const offShift = r.machines[0]?.time.offShift ?? 0;
  const planned = span - offShift;
  const stationScrap = new Map(r.stations.map((s) => [s.id, s.departures > 0 ? s.scrap / s.departures : 0]));
  const shares = new Map(r.bottleneck.overall.shares.map((s) => [s.id, (s.sole + s.shifting) / span]));
  const machines = r.machines.map((m) => {
    const share = Object.fromEntries(MACHINE_STATES.map((s) => [s, m.time[s] / span])) as Record<MachineState, number>;
    const availability = planned > 0 ? m.time.working / planned : 0;
    const ideal = design.ideal[m.id];
    let oee: Oee | null = null;
    if (ideal !== undefined && planned > 0) {
      const performance = m.time.working > 0 ? (ideal * m.cycles) / m.time.working : 0;
      const quality = 1 - (stationScrap.get(m.station) ?? 0);
      oee = { oee: availability * performance * quality, availability, performance, quality };
    }
    return { id: m.id, station: m.station, share, utilisation: availability, oee, bottleneckShare: shares.get(m.id) ?? 0 };
  });
  const total = r.good + r.scrap;
  const good = target !== undefined && target <= r.goodTimes.length ? r.goodTimes[target - 1]! : undefined;
  return {
    goodPerHour: r.goodPerHour,
    good: r.good,
    scrap: r.scrap,
    scrapRate: total > 0 ? r.scrap / total : 0,
    wip: r.wip,
    leadTimeMean: r.leadTime.mean,
    leadTimeP95: r.leadTime.p95,
    hoursToTarget: good !== undefined ? good / 3600 : null,
    plannedHours: planned / 3600,
    line: lineOee(r, design, machines, planned),
    machines,
    buffers: r.stations.slice(1).map((s) => ({ station: s.id, capacity: s.buffer.capacity, mean: s.buffer.mean, max: s.buffer.max })),
    bottleneck: r.bottleneck.overall.bottleneck ?? null,
    slices: r.bottleneck.slices.map((s) => s.bottleneck ?? null),
  };
}

/** The line's OEE from its slowest station by ideal cycle (stations whose machines have no ideal are left out). */
function lineOee(r: LineResult, design: Design, machines: RunFigures['machines'], planned: number): Oee | null {
  let slowest: { id: string; cycle: number } | undefined;
  for (const s of design.stations) {
    const ideals = s.machines.map((m) => design.ideal[m.id]);
    if (ideals.some((x) => x === undefined)) continue;
    // Parallel machines share the work: the station's ideal is one part per ideal / n (the mean ideal for mixed machines).
    const cycle = (ideals as number[]).reduce((a, b) => a + b, 0) / ideals.length / ideals.length;
    if (!slowest || cycle > slowest.cycle) slowest = { id: s.id, cycle };
  }
  if (!slowest || !(planned > 0)) return null;
  const total = r.good + r.scrap;
  const oee = (r.good * slowest.cycle) / planned;
  const quality = total > 0 ? r.good / total : 0;
  const at = machines.filter((m) => m.station === slowest!.id);
  const availability = at.reduce((a, m) => a + m.utilisation, 0) / at.length;
  const performance = availability > 0 && quality > 0 ? oee / (availability * quality) : 0;
  return { oee, availability, performance, quality };
}
