// Replications → the figures a decision rests on: each a mean with its 95 % confidence
// interval; the time to the target as instants; the bottleneck as how often each machine was
// it and how it moves over the horizon; and the paired differences scenario − baseline.
import { MACHINE_STATES, type MachineState } from '../des/machine-states.ts';
import type { Oee, RunFigures } from './run-figures.ts';
import { estimate, estimateOrNull, pairedDifference, pairedDifferenceOrNull, predictionInterval, type Difference, type Estimate } from './statistics.ts';

export interface OeeEstimate {
  readonly oee: Estimate;
  readonly availability: Estimate;
  readonly performance: Estimate;
  readonly quality: Estimate;
}

export interface BottleneckSummary {
  /** The machine most often the bottleneck of the whole horizon; ties: the larger mean share. */
  readonly machine: string | null;
  /** Its station: parallel machines that never wait tie, and the first of them is named, so read the station. */
  readonly station: string | null;
  /** Per machine: in how many replications it was the bottleneck, and its share of the horizon as bottleneck (sole + shifting). */
  readonly machines: readonly { readonly id: string; readonly replications: number; readonly share: Estimate }[];
  /** How it moves: consecutive slices with the same most frequent bottleneck, with the share of replications that had it there. */
  readonly moves: readonly { readonly from: string; readonly to: string; readonly machine: string | null; readonly frequency: number }[];
}

export interface ScenarioFigures {
  readonly replications: number;
  /** With `interval95`, where one more run of the horizon falls (mean ± t·s·√(1 + 1/R)): what one real run is judged against. */
  readonly goodPerHour: Estimate & { readonly interval95: readonly [number, number] };
  readonly good: Estimate;
  readonly scrap: Estimate;
  readonly scrapRate: Estimate;
  /** Null without a target. `at` and `hours` only where every replication reached it. */
  readonly target: {
    readonly quantity: number;
    readonly reached: number;
    readonly hours: Estimate | null;
    readonly at: { readonly mean: string; readonly ci95: readonly [string, string] } | null;
  } | null;
  readonly plannedHours: Estimate;
  readonly oee: { readonly line: OeeEstimate | null; readonly machines: Readonly<Record<string, OeeEstimate | null>> };
  readonly machines: readonly { readonly id: string; readonly station: string; readonly utilisation: Estimate; readonly time: Readonly<Record<MachineState, Estimate>> }[];
  readonly buffers: readonly { readonly station: string; readonly capacity: number | null; readonly mean: Estimate; readonly max: Estimate }[];
  readonly wip: Estimate;
  readonly leadTime: { readonly mean: Estimate; readonly p95: Estimate };
  readonly bottleneck: BottleneckSummary;
}

export interface Differences {
  readonly goodPerHour: Difference;
  readonly good: Difference;
  readonly scrap: Difference;
  readonly scrapRate: Difference;
  readonly wip: Difference;
  readonly leadTimeMean: Difference;
  readonly leadTimeP95: Difference;
  /** Null where a replication of either did not reach the target. */
  readonly hoursToTarget: Difference | null;
  readonly oee: Difference | null;
}

const iso = (ms: number) => new Date(Math.round(ms)).toISOString();

function oeeEstimate(xs: readonly (Oee | null)[]): OeeEstimate | null {
  if (xs.length === 0 || xs.some((x) => x === null)) return null;
  const o = xs as Oee[];
  return { oee: estimate(o.map((x) => x.oee)), availability: estimate(o.map((x) => x.availability)), performance: estimate(o.map((x) => x.performance)), quality: estimate(o.map((x) => x.quality)) };
}

export function summarise(runs: readonly RunFigures[], target: number | undefined, startMs: number, sliceSeconds = 3600): ScenarioFigures {
  const of = (f: (r: RunFigures) => number) => estimate(runs.map(f));
  const first = runs[0]!;
  const hours = runs.map((r) => r.hoursToTarget);
  const reached = hours.filter((h) => h !== null).length;
  const hoursEstimate = estimateOrNull(hours);
  const machineIds = first.machines.map((m) => m.id);
  const machine = (r: RunFigures, id: string) => r.machines.find((m) => m.id === id)!;
  return {
    replications: runs.length,
    goodPerHour: { ...of((r) => r.goodPerHour), interval95: predictionInterval(runs.map((r) => r.goodPerHour)) },
    good: of((r) => r.good),
    scrap: of((r) => r.scrap),
    scrapRate: of((r) => r.scrapRate),
    target:
      target === undefined
        ? null
        : {
            quantity: target,
            reached,
            hours: hoursEstimate,
            at: hoursEstimate && { mean: iso(startMs + hoursEstimate.mean * 3.6e6), ci95: [iso(startMs + hoursEstimate.ci95[0] * 3.6e6), iso(startMs + hoursEstimate.ci95[1] * 3.6e6)] },
          },
    plannedHours: of((r) => r.plannedHours),
    oee: { line: oeeEstimate(runs.map((r) => r.line)), machines: Object.fromEntries(machineIds.map((id) => [id, oeeEstimate(runs.map((r) => machine(r, id).oee))])) },
    machines: first.machines.map((m) => ({
      id: m.id,
      station: m.station,
      utilisation: of((r) => machine(r, m.id).utilisation),
      time: Object.fromEntries(MACHINE_STATES.map((s) => [s, of((r) => machine(r, m.id).share[s])])) as Record<MachineState, Estimate>,
    })),
    buffers: first.buffers.map((b, k) => ({
      station: b.station,
      // Infinity is not JSON: an unlimited buffer is null.
      capacity: Number.isFinite(b.capacity) ? b.capacity : null,
      mean: of((r) => r.buffers[k]!.mean),
      max: of((r) => r.buffers[k]!.max),
    })),
    wip: of((r) => r.wip),
    leadTime: { mean: of((r) => r.leadTimeMean), p95: of((r) => r.leadTimeP95) },
    bottleneck: bottleneckSummary(runs, machineIds, startMs, sliceSeconds),
  };
}

function bottleneckSummary(runs: readonly RunFigures[], ids: readonly string[], startMs: number, sliceSeconds: number): BottleneckSummary {
  const machines = ids
    .map((id) => ({ id, replications: runs.filter((r) => r.bottleneck === id).length, share: estimate(runs.map((r) => r.machines.find((m) => m.id === id)!.bottleneckShare)) }))
    .sort((a, b) => b.replications - a.replications || b.share.mean - a.share.mean);
  const top = machines[0];
  const slices = Math.max(...runs.map((r) => r.slices.length));
  const moves: { from: string; to: string; machine: string | null; frequency: number; slices: number }[] = [];
  for (let k = 0; k < slices; k++) {
    const counts = new Map<string | null, number>();
    for (const r of runs) {
      const b = k < r.slices.length ? r.slices[k]! : null;
      counts.set(b, (counts.get(b) ?? 0) + 1);
    }
    let best: string | null = null;
    let n = -1;
    // Ties go to the first in the machines' order, so that the result does not depend on the map's order.
    for (const id of [...ids, null]) if ((counts.get(id) ?? 0) > n) [best, n] = [id, counts.get(id) ?? 0];
    const last = moves[moves.length - 1];
    const to = iso(startMs + (k + 1) * sliceSeconds * 1000);
    if (last && last.machine === best) {
      last.frequency = (last.frequency * last.slices + n / runs.length) / (last.slices + 1);
      last.slices++;
      last.to = to;
    } else {
      moves.push({ from: iso(startMs + k * sliceSeconds * 1000), to, machine: best, frequency: n / runs.length, slices: 1 });
    }
  }
  return {
    machine: top && top.replications > 0 ? top.id : null,
    station: top && top.replications > 0 ? (runs[0]!.machines.find((m) => m.id === top.id)?.station ?? null) : null,
    machines,
    moves: moves.map(({ from, to, machine, frequency }) => ({ from, to, machine, frequency: Number(frequency.toFixed(4)) })),
  };
}

export function differences(scenario: readonly RunFigures[], baseline: readonly RunFigures[]): Differences {
  const d = (f: (r: RunFigures) => number) => pairedDifference(scenario.map(f), baseline.map(f));
  return {
    goodPerHour: d((r) => r.goodPerHour),
    good: d((r) => r.good),
    scrap: d((r) => r.scrap),
    scrapRate: d((r) => r.scrapRate),
    wip: d((r) => r.wip),
    leadTimeMean: d((r) => r.leadTimeMean),
    leadTimeP95: d((r) => r.leadTimeP95),
    hoursToTarget: pairedDifferenceOrNull(scenario.map((r) => r.hoursToTarget), baseline.map((r) => r.hoursToTarget)),
    oee: pairedDifferenceOrNull(scenario.map((r) => r.line?.oee ?? null), baseline.map((r) => r.line?.oee ?? null)),
  };
}
