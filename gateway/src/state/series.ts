// A production series (a startup's first series): parts per station and for the line,
// scrap, cycle times, the bottleneck, and OEE per machine and for the line. Pure: times
// and machine run times are handed in, so every figure can be checked by hand.
//
// Definitions (docs/shop-floor-insight.md):
// - planned time: from the series' start to its stop (or now); no planned stops yet.
// - a machine's run time: its time in `producing` within the series.
// - availability = run time / planned time
// - performance = ideal cycle time × parts produced / run time
// - quality = good / produced (a machine: its own scrap rules; the line: all scrap found on it)
// - OEE = availability × performance × quality
// - the line: good = parts counted at its output (the last counting station) less the scrap
//   found there; total = good + all scrap found on the line; ideal cycle
//   time = the slowest station's (a device's ideal divided by the devices working in parallel
//   there), or the series' own; OEE = good × ideal / planned; availability = the mean of
//   that station's machines; quality = good / total; performance = OEE / (A × Q).
import type { PartCount } from './part-counter.ts';

export interface SeriesSpec {
  readonly id: string;
  readonly product: string;
  readonly target: number;
  readonly line: string;
  /** Overrides the line's ideal cycle time (seconds per part). */
  readonly idealCycleSeconds?: number | undefined;
}

/** A station of the line that counts parts, in line order (the last is the output). */
export interface CountingStation {
  readonly id: string;
  readonly devices: readonly { readonly id: string; readonly idealCycleSeconds: number | undefined }[];
}

export interface Oee {
  readonly availability: number | null;
  readonly performance: number | null;
  readonly quality: number | null;
  readonly oee: number | null;
}

export interface CycleStats {
  readonly n: number;
  readonly mean: number;
  readonly min: number;
  readonly p10: number;
  readonly p50: number;
  readonly p90: number;
  readonly max: number;
}

export interface SeriesSummary {
  readonly id: string;
  readonly product: string;
  readonly target: number;
  readonly line: string;
  readonly startedAt: number;
  readonly stoppedAt: number | null;
  readonly plannedSeconds: number;
  readonly total: number;
  readonly good: number;
  readonly scrap: number;
  /** good / target, 0..1 (above 1 once the target is passed). */
  readonly progress: number;
  readonly stations: readonly { readonly id: string; readonly produced: number; readonly scrap: number; readonly idealCycleSeconds: number | null; readonly cycleSeconds: CycleStats | null }[];
  /** The station with the longest mean cycle time (at least two cycles seen). */
  readonly bottleneck: string | null;
  /** runSeconds: null for a device without a machine-state model. */
  readonly machines: readonly { readonly device: string; readonly station: string; readonly produced: number; readonly scrap: number; readonly runSeconds: number | null; readonly oee: Oee }[];
  readonly oee: Oee;
}

const NONE: Oee = { availability: null, performance: null, quality: null, oee: null };

export class ProductionSeries {
  private stoppedAt: number | undefined;
  private runAtStop: Map<string, number | undefined> | undefined;
  private readonly byDevice = new Map<string, PartCount>();
  /** Per station its counts and the time of every part made there. */
  private readonly byStation = new Map<string, PartCount & { times: number[] }>();
  private readonly stationOf = new Map<string, string>();

  /**
   * `runAtStart(device)`: the device's producing time (ms) so far when the series starts;
   * later run times are measured from it.
   */
  constructor(
    readonly spec: SeriesSpec,
    private readonly stations: readonly CountingStation[],
    readonly startedAt: number,
    private readonly runAtStart: ReadonlyMap<string, number | undefined>,
  ) {
    for (const s of stations) {
      this.byStation.set(s.id, { produced: 0, scrap: 0, times: [] });
      for (const d of s.devices) {
        this.stationOf.set(d.id, s.id);
        this.byDevice.set(d.id, { produced: 0, scrap: 0 });
      }
    }
  }

  get running(): boolean {
    return this.stoppedAt === undefined;
  }

  /** Whether this series counts the device's parts. */
  counts(device: string): boolean {
    return this.running && this.stationOf.has(device);
  }

  part(device: string, count: PartCount, at: number): void {
    if (!this.counts(device)) return;
    const d = this.byDevice.get(device)!;
    d.produced += count.produced;
    d.scrap += count.scrap;
    const s = this.byStation.get(this.stationOf.get(device)!)!;
    s.scrap += count.scrap;
    if (count.produced === 0) return;
    s.produced += count.produced;
    for (let i = 0; i < count.produced; i++) s.times.push(at);
  }

  /**
   * `runNow(device)`: producing time (ms) so far, captured so a stopped series stays fixed;
   * undefined for a device without a machine-state model (its availability is unknown).
   */
  stop(at: number, runNow: (device: string) => number | undefined): void {
    if (!this.running) return;
    this.stoppedAt = at;
    this.runAtStop = new Map([...this.stationOf.keys()].map((d) => [d, runNow(d)]));
  }

  summary(now: number, runNow: (device: string) => number | undefined): SeriesSummary {
    const end = this.stoppedAt ?? now;
    const plannedMs = Math.max(0, end - this.startedAt);
    const run = (device: string): number | undefined => {
      const at = this.runAtStop ? this.runAtStop.get(device) : runNow(device);
      return at === undefined ? undefined : Math.max(0, at - (this.runAtStart.get(device) ?? 0));
    };

    const machines = this.stations.flatMap((s) =>
      s.devices.map((d) => {
        const c = this.byDevice.get(d.id)!;
        const runMs = run(d.id);
        return { device: d.id, station: s.id, produced: c.produced, scrap: c.scrap, runSeconds: runMs === undefined ? null : runMs / 1000, oee: machineOee(plannedMs, runMs, d.idealCycleSeconds, c) };
      }),
    );

    const stationIdeal = (s: CountingStation): number | null => {
      const ideals = s.devices.map((d) => d.idealCycleSeconds).filter((x): x is number => x !== undefined);
      return ideals.length ? Math.max(...ideals) / s.devices.length : null;
    };
    const stations = this.stations.map((s) => {
      const c = this.byStation.get(s.id)!;
      return { id: s.id, produced: c.produced, scrap: c.scrap, idealCycleSeconds: stationIdeal(s), cycleSeconds: cycleStats(cyclesOf(c.times)) };
    });
    // What leaves the output station, less what it found bad itself, is good; the scrap
    // taken out before it (an inspection upstream of packing) was made too.
    const output = stations[stations.length - 1];
    const scrap = stations.reduce((n, s) => n + s.scrap, 0);
    const good = Math.max(0, (output?.produced ?? 0) - (output?.scrap ?? 0));
    const total = good + scrap;

    let bottleneck: string | null = null;
    let slowest = -1;
    for (const s of stations) if (s.cycleSeconds && s.cycleSeconds.n >= 2 && s.cycleSeconds.mean > slowest) [bottleneck, slowest] = [s.id, s.cycleSeconds.mean];

    // The designed constraint: the slowest station by ideal cycle time.
    let constraint: (typeof stations)[number] | undefined;
    for (const s of stations) if (s.idealCycleSeconds !== null && (!constraint || s.idealCycleSeconds > constraint.idealCycleSeconds!)) constraint = s;
    const ideal = this.spec.idealCycleSeconds ?? constraint?.idealCycleSeconds ?? null;
    const constraintMachines = constraint ? machines.filter((m) => m.station === constraint!.id) : machines;
    const known = constraintMachines.filter((m) => m.oee.availability !== null);
    const availability = plannedMs > 0 && known.length ? known.reduce((a, m) => a + m.oee.availability!, 0) / known.length : null;
    const quality = total > 0 ? good / total : null;
    const oee = plannedMs > 0 && ideal !== null ? (good * ideal * 1000) / plannedMs : null;
    const performance = oee !== null && availability && quality ? oee / (availability * quality) : null;

    const { id, product, target, line } = this.spec;
    return {
      id,
      product,
      target,
      line,
      startedAt: this.startedAt,
      stoppedAt: this.stoppedAt ?? null,
      plannedSeconds: plannedMs / 1000,
      total,
      good,
      scrap,
      progress: this.spec.target > 0 ? good / this.spec.target : 0,
      stations,
      bottleneck,
      machines,
      oee: plannedMs > 0 ? { availability, performance, quality, oee } : NONE,
    };
  }
}

function machineOee(plannedMs: number, runMs: number | undefined, ideal: number | undefined, c: PartCount): Oee {
  if (plannedMs <= 0) return NONE;
  const quality0 = c.produced > 0 ? Math.max(0, c.produced - c.scrap) / c.produced : null;
  if (runMs === undefined) return { availability: null, performance: null, quality: quality0, oee: null };
  const availability = runMs / plannedMs;
  const performance = runMs > 0 && ideal !== undefined ? (ideal * 1000 * c.produced) / runMs : null;
  const quality = c.produced > 0 ? Math.max(0, c.produced - c.scrap) / c.produced : null;
  const oee = performance !== null && quality !== null ? availability * performance * quality : availability === 0 ? 0 : null;
  return { availability, performance, quality, oee };
}

/**
 * The station's cycle times: intervals between consecutive parts, in time order (devices
 * working in parallel interleave). Parts a counter reported at once share the interval
 * before them.
 */
function cyclesOf(times: readonly number[]): number[] {
  const sorted = [...times].sort((a, b) => a - b);
  const cycles: number[] = [];
  let i = 1;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[i]) j++;
    const share = (sorted[i]! - sorted[i - 1]!) / 1000 / (j - i + 1);
    for (let k = i; k <= j; k++) cycles.push(share);
    i = j + 1;
  }
  return cycles;
}

function cycleStats(cycles: readonly number[]): CycleStats | null {
  if (cycles.length === 0) return null;
  const sorted = [...cycles].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { n: sorted.length, mean: sorted.reduce((a, b) => a + b, 0) / sorted.length, min: sorted[0]!, p10: at(0.1), p50: at(0.5), p90: at(0.9), max: sorted[sorted.length - 1]! };
}
