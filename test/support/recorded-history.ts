// A line's history written straight into InfluxDB in the gateway's schema (`part`,
// `machine_state`, `production_series`), from a seeded generator that keeps the truth: each
// machine's cycle times, operating times between failures, repair times, counts and seconds
// per state, as a RecordedLine should say them. Known structure, so the truth is not computed
// by the code under test: producing runs of parts, each run ended by a fault or an idle gap.
import type { RecordedMachine } from '../../simulators/src/experiments/recorded-line.ts';

export interface MachinePlan {
  readonly device: string;
  readonly station: string;
  readonly kind: string;
  /** Cycle times drawn uniformly from [min, max] seconds. */
  readonly cycle: readonly [number, number];
  /** Probability that a run ends in a fault (else an idle gap), and the fault's length range. */
  readonly faultShare: number;
  readonly repair: readonly [number, number];
  readonly scrapShare?: number;
  /** In fault since this many seconds before the window opens (a fault the window sees end). */
  readonly faultAtStart?: number;
  /** False for a device whose profile declares no machine states (the inspection station): no `machine_state` points. */
  readonly judged?: boolean;
  /** At the line's first station: its idle time between parts counts in the next cycle. */
  readonly firstStation?: boolean;
}

export interface WrittenHistory {
  readonly lines: string[];
  readonly truth: Map<string, Omit<RecordedMachine, 'station'>>;
  readonly plannedStop: { readonly from: number; readonly to: number; readonly reason: string };
}

/** A small seeded generator (mulberry32): the same seed, the same history. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const esc = (s: string) => s.replace(/[ ,=]/g, (c) => `\\${c}`);

/**
 * Every machine: producing from `from` (or in fault until a little after), runs of 3..8 parts,
 * each run ended by a fault or an idle gap; idle through the planned stop and after `to - 600 s`.
 * A cycle is a part's producing seconds since the previous part (a fault between them left
 * out), plus the idle gap before it at the first station; none across the planned stop.
 * The series `id` starts at `from`, pauses and resumes around the planned stop, stops at `to`.
 */
export function writeLineHistory(site: string, line: string, plans: readonly MachinePlan[], from: number, to: number, series: string, seed = 1): WrittenHistory {
  const rand = seeded(seed);
  const between = (r: readonly [number, number]) => Math.round((r[0] + rand() * (r[1] - r[0])) * 1000);
  const lines: string[] = [];
  const stop = { from: from + Math.round((to - from) * 0.5), to: from + Math.round((to - from) * 0.5) + 900_000, reason: 'Break' };
  const truth = new Map<string, Omit<RecordedMachine, 'station'>>();
  for (const p of plans) {
    const tags = `site=${esc(site)},line=${esc(line)},station=${esc(p.station)},device=${esc(p.device)}`;
    let state = 'idle';
    let since = from - 3_600_000;
    const judged = p.judged ?? true;
    const change = (t: number, next: string) => {
      if (judged) lines.push(`machine_state,${tags},kind=${esc(p.kind)} state="${next}",previous="${state}",previous_s=${(t - since) / 1000},reason="test" ${t}`);
      state = next;
      since = t;
    };
    const m = { device: p.device, cycles: [] as number[], upBetweenFailures: [] as number[], repairs: [] as number[], produced: 0, scrap: 0, seconds: { producing: 0, idle: 0, setup: 0, fault: 0, offline: 0 } };
    let t = from;
    if (p.faultAtStart) {
      change(from - p.faultAtStart * 1000, 'fault');
      const end = from + between(p.repair);
      m.repairs.push((end - (from - p.faultAtStart * 1000)) / 1000);
      m.seconds.fault += (end - from) / 1000;
      t = end;
    }
    let up = 0;
    // A part before this one with no planned stop since, and the idle seconds since it that count (first station).
    let open = false;
    let idleSince = 0;
    const last = to - 600_000;
    const maxCycle = p.cycle[1] * 1000;
    const idleUntil = (until: number) => {
      change(t, 'idle');
      m.seconds.idle += (until - t) / 1000;
      if (p.firstStation) idleSince += until - t;
      t = until;
    };
    while (t + maxCycle < last) {
      // No run, fault or gap reaches into the planned stop: the machine waits idle through it.
      if (t < stop.to && t + Math.max(maxCycle, p.repair[1] * 1000, 60_000) > stop.from) {
        idleUntil(stop.to);
        open = false;
        continue;
      }
      // A run of parts.
      change(t, 'producing');
      const runStart = t;
      const parts = 3 + Math.floor(rand() * 6);
      let ended = false;
      for (let k = 0; k < parts; k++) {
        const c = between(p.cycle);
        if (t + c >= last || (t < stop.to && t + c > stop.from)) {
          ended = t + c >= last;
          break;
        }
        t += c;
        const scrap = rand() < (p.scrapShare ?? 0) ? 1 : 0;
        lines.push(`part,${tags} produced=1i,scrap=${scrap}i,series_id="${series}" ${t}`);
        m.produced++;
        m.scrap += scrap;
        if (open) m.cycles.push((c + idleSince) / 1000);
        open = true;
        idleSince = 0;
      }
      m.seconds.producing += (t - runStart) / 1000;
      up += (t - runStart) / 1000;
      if (ended) break;
      if (t < stop.to && t + Math.max(p.repair[1] * 1000, 60_000) > stop.from) {
        idleUntil(stop.to);
        open = false;
      } else if (rand() < p.faultShare) {
        change(t, 'fault');
        const r = between(p.repair);
        m.upBetweenFailures.push(up);
        m.repairs.push(r / 1000);
        m.seconds.fault += r / 1000;
        up = 0;
        t += r;
      } else {
        idleUntil(t + between([5, 60]));
      }
    }
    if (t < to) idleUntil(to);
    if (!judged) {
      // Not judged: no states, so no cycles (its gaps mix work and waiting), failures or repairs.
      m.cycles = [];
      m.upBetweenFailures = [];
      m.repairs = [];
      m.seconds = { producing: 0, idle: 0, setup: 0, fault: 0, offline: 0 };
    }
    truth.set(p.device, m);
  }
  const s = (event: string, t: number, extra = '') => lines.push(`production_series,site=${esc(site)} event="${event}",series_id="${series}",product="Housing",line="${line}",target=200i,good=0i,scrap=0i,total=0i${extra} ${t}`);
  s('start', from);
  s('progress', from + 60_000);
  s('pause', stop.from, ',reason="Break"');
  s('resume', stop.to);
  s('stop', to);
  return { lines, truth, plannedStop: stop };
}

export async function writeLines(influxUrl: string, database: string, lines: readonly string[]): Promise<void> {
  await fetch(`${influxUrl}/query`, { method: 'POST', body: new URLSearchParams({ q: `CREATE DATABASE "${database}"` }) });
  for (let i = 0; i < lines.length; i += 5000) {
    const res = await fetch(`${influxUrl}/write?db=${database}&precision=ms`, { method: 'POST', body: lines.slice(i, i + 5000).join('\n') });
    if (!res.ok) throw new Error(`InfluxDB refused the history: ${res.status} ${await res.text()}`);
  }
}
