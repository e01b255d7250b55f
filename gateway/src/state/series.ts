// A production series (a startup's first series): parts per station and for the line,
// scrap, cycle times, the bottleneck, and OEE per machine and for the line. Pure: times
// and machine run times are handed in, so every figure can be checked by hand.
//
// Definitions (docs/shop-floor-insight.md):
// - planned time: from the series' start to its stop (or now), less its planned stops.
// - a machine's run time: its time in `producing` within the series, outside planned stops.
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
import type { CycleStats, Oee, PlannedStop, SeriesSummary } from '../core/insight.ts';

export interface SeriesSpec {
  readonly id: string;
  readonly product: string;
  readonly target: number;
  readonly line: string;
  /** Overrides the line's ideal cycle time (seconds per part). */
  readonly idealCycleSeconds?: number | undefined;
}

/**
 * What a series needs to go on in another process (the journal's copy): plain JSON. Run
 * times are the series' own (ms producing within it so far, null where unknown), because
 * the machine-state counters they come from start again with the gateway.
 */
export interface SeriesRecord {
  readonly spec: SeriesSpec;
  readonly startedAt: number;
  readonly stoppedAt: number | null;
  readonly plannedStops: readonly PlannedStop[];
  readonly devices: Readonly<Record<string, PartCount>>;
  /** Per station, the time of every part made there. */
  readonly partTimes: Readonly<Record<string, readonly number[]>>;
  readonly runMs: RunTimes;
}

export type RunTimes = Readonly<Record<string, number | null>>;

/** A station of the line that counts parts, in line order (the last is the output). */
export interface CountingStation {
  readonly id: string;
  readonly devices: readonly { readonly id: string; readonly idealCycleSeconds: number | undefined }[];
}

const NONE: Oee = { availability: null, performance: null, quality: null, oee: null };

/** Run time of one device within a series: closed segments plus the open one. null: unknown. */
interface RunAccount {
  counted: number;
  /** The device's producing time (ms, machine-state clock) when the open segment began; undefined while none is open. */
  since: number | undefined;
}

export type RunNow = (device: string) => number | undefined;

export class ProductionSeries {
  private stoppedAt: number | undefined;
  private readonly stops: { from: number; to: number | null; reason: string }[] = [];
  private readonly byDevice = new Map<string, PartCount>();
  private readonly times = new Map<string, number[]>();
  private readonly stationOf = new Map<string, string>();
  private readonly runs = new Map<string, RunAccount | null>();

  /**
   * `runAtStart`: each device's producing time (ms) so far when the series starts; its run
   * time in the series is measured from there (missing: from 0).
   */
  constructor(
    readonly spec: SeriesSpec,
    private readonly stations: readonly CountingStation[],
    readonly startedAt: number,
    runAtStart: ReadonlyMap<string, number | undefined>,
  ) {
    for (const s of stations) {
      this.times.set(s.id, []);
      for (const d of s.devices) {
        this.stationOf.set(d.id, s.id);
        this.byDevice.set(d.id, { produced: 0, scrap: 0 });
        this.runs.set(d.id, { counted: 0, since: runAtStart.get(d.id) ?? 0 });
      }
    }
  }

  /**
   * A series from its record, frozen: its run times stay as recorded until `continueRun`
   * (once the journal's later entries are applied). Devices no longer on the line are left out.
   */
  static restore(record: SeriesRecord, stations: readonly CountingStation[]): ProductionSeries {
    const series = new ProductionSeries(record.spec, stations, record.startedAt, new Map());
    series.stoppedAt = record.stoppedAt ?? undefined;
    series.stops.push(...record.plannedStops.map((p) => ({ ...p })));
    for (const [device, count] of Object.entries(record.devices)) {
      const mine = series.byDevice.get(device);
      if (mine) Object.assign(mine, count);
    }
    for (const [station, times] of Object.entries(record.partTimes)) series.times.get(station)?.push(...times);
    series.setRun(record.runMs);
    return series;
  }

  get running(): boolean {
    return this.stoppedAt === undefined;
  }

  get paused(): boolean {
    return this.stops.at(-1)?.to === null;
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
    const times = this.times.get(this.stationOf.get(device)!)!;
    for (let i = 0; i < count.produced; i++) times.push(at);
  }

  /**
   * `runNow(device)`: producing time (ms) so far, undefined for a device without a
   * machine-state model (its availability is unknown). Run times are fixed at the stop.
   */
  stop(at: number, runNow: RunNow): void {
    if (!this.running) return;
    this.closeRun(runNow);
    const open = this.stops.at(-1);
    if (open && open.to === null) open.to = at;
    this.stoppedAt = at;
  }

  /** A planned stop begins: planned time and run time pause until `resume`. */
  pause(at: number, reason: string, runNow: RunNow): void {
    if (!this.running || this.paused) return;
    this.closeRun(runNow);
    this.stops.push({ from: at, to: null, reason });
  }

  /** Without `runNow` (replaying a journal) run segments stay closed until `continueRun`. */
  resume(at: number, runNow?: RunNow): void {
    if (!this.running || !this.paused) return;
    this.stops.at(-1)!.to = at;
    if (runNow) this.continueRun(runNow);
  }

  /** Run times as recorded elsewhere (the journal), with no segment open. */
  setRun(runMs: RunTimes): void {
    for (const device of this.runs.keys()) {
      const ms = runMs[device];
      this.runs.set(device, ms === null || ms === undefined ? null : { counted: ms, since: undefined });
    }
  }

  /** Opens a run segment for each device from its producing time now, while the series runs and is not paused. */
  continueRun(runNow: RunNow): void {
    if (!this.running || this.paused) return;
    for (const [device, run] of this.runs) {
      if (!run) continue;
      const since = runNow(device);
      if (since === undefined) this.runs.set(device, null);
      else run.since = since;
    }
  }

  private closeRun(runNow: RunNow): void {
    for (const [device, run] of this.runs) {
      if (!run || run.since === undefined) continue;
      const ms = this.runOf(device, runNow);
      this.runs.set(device, ms === undefined ? null : { counted: ms, since: undefined });
    }
  }

  private runOf(device: string, runNow: RunNow): number | undefined {
    const run = this.runs.get(device);
    if (!run) return undefined;
    if (run.since === undefined) return run.counted;
    const now = runNow(device);
    return now === undefined ? undefined : run.counted + Math.max(0, now - run.since);
  }

  /** Each device's run time in the series so far. */
  runTimes(runNow: RunNow): RunTimes {
    return Object.fromEntries([...this.runs.keys()].map((d) => [d, this.runOf(d, runNow) ?? null]));
  }

  record(runNow: RunNow): SeriesRecord {
    return {
      spec: this.spec,
      startedAt: this.startedAt,
      stoppedAt: this.stoppedAt ?? null,
      plannedStops: this.stops.map((p) => ({ ...p })),
      devices: Object.fromEntries([...this.byDevice].map(([d, c]) => [d, { ...c }])),
      partTimes: Object.fromEntries([...this.times].map(([s, t]) => [s, [...t]])),
      runMs: this.runTimes(runNow),
    };
  }

  summary(now: number, runNow: RunNow): SeriesSummary {
    const end = this.stoppedAt ?? now;
    const stopMs = this.stops.reduce((ms, p) => ms + Math.max(0, Math.min(p.to ?? end, end) - p.from), 0);
    const plannedMs = Math.max(0, end - this.startedAt - stopMs);

    const machines = this.stations.flatMap((s) =>
      s.devices.map((d) => {
        const c = this.byDevice.get(d.id)!;
        const runMs = this.runOf(d.id, runNow);
        return { device: d.id, station: s.id, produced: c.produced, scrap: c.scrap, runSeconds: runMs === undefined ? null : runMs / 1000, oee: machineOee(plannedMs, runMs, d.idealCycleSeconds, c) };
      }),
    );

    const stationIdeal = (s: CountingStation): number | null => {
      const ideals = s.devices.map((d) => d.idealCycleSeconds).filter((x): x is number => x !== undefined);
      return ideals.length ? Math.max(...ideals) / s.devices.length : null;
    };
    const stations = this.stations.map((s) => {
      let produced = 0;
      let scrap = 0;
      for (const d of s.devices) {
        produced += this.byDevice.get(d.id)!.produced;
        scrap += this.byDevice.get(d.id)!.scrap;
      }
      return { id: s.id, produced, scrap, idealCycleSeconds: stationIdeal(s), cycleSeconds: cycleStats(cyclesOf(this.times.get(s.id)!, this.stops)) };
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
      plannedStop: this.paused ? { reason: this.stops.at(-1)!.reason, since: this.stops.at(-1)!.from } : null,
      plannedStops: this.stops.map((p) => ({ ...p })),
      plannedSeconds: plannedMs / 1000,
      plannedStopSeconds: stopMs / 1000,
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
 * before them. An interval that spans a planned stop is no cycle: the break is not the station's.
 */
function cyclesOf(times: readonly number[], stops: readonly PlannedStop[]): number[] {
  const sorted = [...times].sort((a, b) => a - b);
  const cycles: number[] = [];
  let i = 1;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[i]) j++;
    const [from, to] = [sorted[i - 1]!, sorted[i]!];
    const share = (to - from) / 1000 / (j - i + 1);
    if (!stops.some((p) => p.from < to && (p.to ?? Infinity) > from)) for (let k = i; k <= j; k++) cycles.push(share);
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
