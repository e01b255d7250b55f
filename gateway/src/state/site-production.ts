// Parts from every device whose profile declares `production`, and the production series
// running on each line: points for the sinks (measurements `part` and `production_series`) and the
// figures for the REST API and viewers. One series at a time per line. Every change to a series
// goes to its journal as it happens, so a gateway that restarts goes on with it (`restore`).
import type { DeviceModel, SiteModel } from '../../../device-profiles/schema/load.ts';
import type { Point, PointSeries, Value } from '../core/reading.ts';
import { countParts } from './part-counter.ts';
import { SeriesPoints, type SeriesEvent } from './series-points.ts';
import { ProductionSeries, type CountingStation, type RunTimes, type SeriesRecord, type SeriesSpec } from './series.ts';
import type { SeriesSummary } from '../core/insight.ts';
import { FieldlabError } from '../core/errors.ts';

/**
 * One line of the series journal. `series` is a whole series (a start, or a copy written when
 * the journal is compacted); `seen` the last values of a device's counting signals (a counter,
 * a job state), so parts made while the gateway was down count when it is back.
 */
export type JournalEntry =
  | { readonly e: 'series'; readonly record: SeriesRecord }
  | { readonly e: 'seen'; readonly device: string; readonly values: Readonly<Record<string, Value>> }
  | { readonly e: 'part'; readonly id: string; readonly device: string; readonly produced: number; readonly scrap: number; readonly at: number; readonly runMs: RunTimes }
  | { readonly e: 'pause'; readonly id: string; readonly at: number; readonly reason: string; readonly runMs: RunTimes }
  | { readonly e: 'resume'; readonly id: string; readonly at: number }
  | { readonly e: 'stop'; readonly id: string; readonly at: number; readonly runMs: RunTimes }
  | { readonly e: 'run'; readonly id: string; readonly at: number; readonly runMs: RunTimes };

/** Where the journal goes (runtime/series-journal.ts): appended in order (written at the owner's flush), replaced whole when compacted. */
export interface SeriesJournalWriter {
  append(entry: JournalEntry): void;
  rewrite(entries: readonly JournalEntry[]): void;
  /** Entries appended since the last rewrite. */
  readonly appended: number;
}

/** Compact the journal once it holds this many entries more than its series. */
const COMPACT_AFTER = 20_000;

export class SiteProduction {
  private readonly stations = new Map<string, CountingStation[]>();
  private readonly all: ProductionSeries[] = [];
  private readonly runningOn = new Map<string, ProductionSeries>();
  private readonly partSeries = new Map<string, PointSeries>();
  private readonly points: SeriesPoints;
  private nextId = 1;
  private journal: SeriesJournalWriter | undefined;
  /** Per device, the latest values of its counting signals (increment and becomes rules). */
  private readonly seen = new Map<string, Record<string, Value>>();
  /** Values seen before a restart that this process's device state does not hold yet. */
  private readonly restoredSeen = new Map<string, Record<string, Value>>();

  constructor(
    private readonly site: SiteModel,
    /** A device's time in `producing` so far (ms), from the machine states. */
    private readonly producingMs: (device: string, now: number) => number | undefined,
    /** Stopped series kept (listed, and in the journal) besides the running ones. */
    private readonly keepStopped = 100,
    /** Machine seconds per real second (an accelerated simulation): ideal cycle times shrink by it. */
    private readonly timeScale = 1,
  ) {
    for (const line of site.lines) {
      const counting: CountingStation[] = [];
      for (const station of line.stations) {
        const devices = site.devices.filter((d) => d.line === line.id && d.station === station.id && d.profileDef.production);
        if (devices.length) counting.push({ id: station.id, devices: devices.map((d) => ({ id: d.id, idealCycleSeconds: this.scaled(d.profileDef.production!.idealCycleSeconds) })) });
      }
      this.stations.set(line.id, counting);
    }
    this.points = new SeriesPoints(site);
  }

  private scaled(seconds: number | undefined): number | undefined {
    return seconds === undefined ? undefined : seconds / this.timeScale;
  }

  /** Whether any line has a station that counts parts (else there is nothing to journal). */
  get countsParts(): boolean {
    return [...this.stations.values()].some((s) => s.length > 0);
  }

  /** Before a reading is merged: its parts, counted for the line's series; a point when there are any. */
  observe(device: DeviceModel, before: Readonly<Record<string, Value>>, reading: Readonly<Record<string, Value>>, at: number): Point | undefined {
    const production = device.profileDef.production;
    if (!production) return undefined;
    const prior = this.priorOf(device.id, before, reading);
    const count = countParts(production, device.profileDef.signals, prior, reading);
    this.remember(device, prior, reading, at);
    if (!count) return undefined;
    const series = this.runningOn.get(device.line);
    if (series?.counts(device.id)) {
      series.part(device.id, count, at);
      this.log({ e: 'part', id: series.spec.id, device: device.id, produced: count.produced, scrap: count.scrap, at, runMs: series.runTimes(this.runNow(at)) }, at);
    }
    let s = this.partSeries.get(device.id);
    if (!s) {
      s = { measurement: 'part', tags: { site: this.site.site.id, line: device.line, station: device.station, device: device.id }, fieldTypes: { produced: 'int', scrap: 'int', series_id: 'string' } };
      this.partSeries.set(device.id, s);
    }
    return { series: s, time: at, fields: { produced: count.produced, scrap: count.scrap, series_id: series?.spec.id ?? '' } };
  }

  /** The values a reading is judged against: the device state's, or the last ones before a restart. */
  private priorOf(device: string, before: Readonly<Record<string, Value>>, reading: Readonly<Record<string, Value>>): Readonly<Record<string, Value>> {
    const restored = this.restoredSeen.get(device);
    if (!restored) return before;
    const prior = { ...restored, ...before };
    // Once a signal has a value in this process, the device state holds it.
    for (const k of Object.keys(reading)) delete restored[k];
    if (Object.keys(restored).length === 0) this.restoredSeen.delete(device);
    return prior;
  }

  /** Journals a counting signal's new value (a counter step, a job state): rare next to the telemetry. */
  private remember(device: DeviceModel, prior: Readonly<Record<string, Value>>, reading: Readonly<Record<string, Value>>, at: number): void {
    let changed: Record<string, Value> | undefined;
    for (const rule of device.profileDef.production!.parts) {
      if (rule.type === 'event') continue;
      const v = reading[rule.signal];
      if (v !== undefined && v !== prior[rule.signal]) (changed ??= {})[rule.signal] = v;
    }
    if (!changed) return;
    const seen = this.seen.get(device.id);
    if (seen) Object.assign(seen, changed);
    else this.seen.set(device.id, { ...changed });
    this.log({ e: 'seen', device: device.id, values: changed }, at);
  }

  start(input: Omit<SeriesSpec, 'id'>, at: number): { summary: SeriesSummary; points: Point[] } {
    const stations = this.stations.get(input.line);
    if (!stations) throw new FieldlabError('FL_LINE_NOT_FOUND', { line: input.line, lines: [...this.stations.keys()] });
    if (stations.length === 0) throw new FieldlabError('FL_LINE_COUNTS_NO_PARTS', { line: input.line });
    const current = this.runningOn.get(input.line);
    if (current) throw new FieldlabError('FL_SERIES_ALREADY_RUNNING', { line: input.line, id: current.spec.id, product: current.spec.product });
    // Named by its start (unique across gateway restarts, readable in InfluxDB), with a counter for the same second.
    const stamp = new Date(at).toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
    const id = this.all.some((x) => x.spec.id === stamp) ? `${stamp}-${this.nextId++}` : stamp;
    const spec: SeriesSpec = { ...input, id, idealCycleSeconds: this.scaled(input.idealCycleSeconds) };
    const runAtStart = new Map(stations.flatMap((s) => s.devices.map((d) => [d.id, this.producingMs(d.id, at)] as const)));
    const series = new ProductionSeries(spec, stations, at, runAtStart);
    this.all.push(series);
    this.runningOn.set(input.line, series);
    this.log({ e: 'series', record: series.record(this.runNow(at)) }, at);
    return this.changed(series, 'start', at);
  }

  stop(id: string, at: number): { summary: SeriesSummary; points: Point[] } {
    const series = this.find(id);
    series.stop(at, this.runNow(at));
    this.runningOn.delete(series.spec.line);
    this.log({ e: 'stop', id, at, runMs: series.runTimes(this.runNow(at)) }, at);
    const done = this.changed(series, 'stop', at);
    this.forgetOld();
    return done;
  }

  /** A planned stop (a break, a changeover) begins: it is left out of planned time and run time. */
  pause(id: string, reason: string, at: number): { summary: SeriesSummary; points: Point[] } {
    const series = this.find(id);
    if (series.paused) throw new FieldlabError('FL_SERIES_ALREADY_PAUSED', { id, reason: series.summary(at, this.runNow(at)).plannedStop!.reason });
    series.pause(at, reason, this.runNow(at));
    this.log({ e: 'pause', id, at, reason, runMs: series.runTimes(this.runNow(at)) }, at);
    return this.changed(series, 'pause', at, reason);
  }

  resume(id: string, at: number): { summary: SeriesSummary; points: Point[] } {
    const series = this.find(id);
    if (!series.paused) throw new FieldlabError('FL_SERIES_NOT_PAUSED', { id });
    series.resume(at, this.runNow(at));
    this.log({ e: 'resume', id, at }, at);
    return this.changed(series, 'resume', at);
  }

  /** A running series, or a FieldlabError saying why not. */
  private find(id: string): ProductionSeries {
    const series = this.all.find((s) => s.spec.id === id);
    if (!series) throw new FieldlabError('FL_SERIES_NOT_FOUND', { id });
    if (!series.running) throw new FieldlabError('FL_SERIES_STOPPED', { id });
    return series;
  }

  private changed(series: ProductionSeries, event: SeriesEvent, at: number, reason?: string): { summary: SeriesSummary; points: Point[] } {
    const summary = series.summary(at, this.runNow(at));
    return { summary, points: this.points.of(event, summary, at, reason) };
  }

  private runNow(at: number): (device: string) => number | undefined {
    return (d) => this.producingMs(d, at);
  }

  /**
   * Continues the series a journal holds (read by the gateway before its sources start).
   * Returns what could not be restored, for the log: a series on a line the site no longer has.
   */
  restore(entries: readonly JournalEntry[], at: number): string[] {
    const problems: string[] = [];
    const byId = new Map<string, ProductionSeries>();
    for (const entry of entries) {
      if (entry.e === 'seen') {
        const seen = this.seen.get(entry.device) ?? {};
        this.seen.set(entry.device, Object.assign(seen, entry.values));
        this.restoredSeen.set(entry.device, { ...seen });
        continue;
      }
      if (entry.e === 'series') {
        const stations = this.stations.get(entry.record.spec.line);
        if (!stations) problems.push(`series ${entry.record.spec.id}: no line "${entry.record.spec.line}" in this site any more`);
        else byId.set(entry.record.spec.id, ProductionSeries.restore(entry.record, stations));
        continue;
      }
      const series = byId.get(entry.id);
      if (!series) continue;
      if (entry.e === 'part') series.part(entry.device, { produced: entry.produced, scrap: entry.scrap }, entry.at);
      else if (entry.e === 'pause') series.pause(entry.at, entry.reason, () => undefined);
      else if (entry.e === 'resume') series.resume(entry.at);
      else if (entry.e === 'stop') series.stop(entry.at, () => undefined);
      if ('runMs' in entry) series.setRun(entry.runMs);
    }
    for (const series of byId.values()) {
      if (this.all.some((s) => s.spec.id === series.spec.id)) continue;
      if (series.running && this.runningOn.has(series.spec.line)) {
        problems.push(`series ${series.spec.id}: another series is running on line "${series.spec.line}"`);
        continue;
      }
      series.continueRun(this.runNow(at));
      this.all.push(series);
      if (series.running) this.runningOn.set(series.spec.line, series);
    }
    return problems;
  }

  /** From now on every change goes to `journal`, which is first rewritten with the series kept. */
  attach(journal: SeriesJournalWriter, at: number): void {
    this.journal = journal;
    this.forgetOld();
    this.compact(at);
  }

  /** Now and then while series run: their run times so far, so a crash loses little of them. */
  tick(at: number): void {
    for (const series of this.runningOn.values()) this.log({ e: 'run', id: series.spec.id, at, runMs: series.runTimes(this.runNow(at)) }, at);
  }

  /** Once a minute while series run: their figures as points (`event=progress`), for OEE over time. */
  progress(at: number): Point[] {
    return [...this.runningOn.values()].flatMap((series) => this.points.of('progress', series.summary(at, this.runNow(at)), at));
  }

  private log(entry: JournalEntry, at: number): void {
    if (!this.journal) return;
    this.journal.append(entry);
    if (this.journal.appended > COMPACT_AFTER) this.compact(at);
  }

  private compact(at: number): void {
    const entries: JournalEntry[] = [...this.seen].map(([device, values]) => ({ e: 'seen', device, values }));
    for (const s of this.all) entries.push({ e: 'series', record: s.record(this.runNow(at)) });
    this.journal?.rewrite(entries);
  }

  /** Stopped series beyond `keepStopped` leave the list and the journal (their figures stay in InfluxDB). */
  private forgetOld(): void {
    const stopped = this.all.filter((s) => !s.running).sort((a, b) => b.startedAt - a.startedAt);
    for (const old of stopped.slice(this.keepStopped)) this.all.splice(this.all.indexOf(old), 1);
  }

  /** Running series first, then the rest newest first. */
  list(now: number): SeriesSummary[] {
    return [...this.all]
      .sort((a, b) => Number(b.running) - Number(a.running) || b.startedAt - a.startedAt)
      .map((s) => s.summary(now, this.runNow(now)));
  }

  /** The series running now (one per line at most). */
  running(now: number): SeriesSummary[] {
    return [...this.runningOn.values()].map((s) => s.summary(now, this.runNow(now)));
  }

  get(id: string, now: number): SeriesSummary | undefined {
    return this.all.find((s) => s.spec.id === id)?.summary(now, this.runNow(now));
  }

}
