// Parts from every device whose profile declares `production`, and the production series
// running on each line: points for the sinks (measurements `part` and `production_series`) and the
// figures for the REST API and viewers. One series at a time per line.
import type { DeviceModel, SiteModel } from '../../../device-profiles/schema/load.ts';
import type { Point, Series, Value } from '../core/reading.ts';
import { countParts } from './part-counter.ts';
import { ProductionSeries, type CountingStation, type SeriesSpec, type SeriesSummary } from './series.ts';

export class SeriesError extends Error {
  readonly code = 'FL_SERIES';
  constructor(
    message: string,
    readonly status: 400 | 404 | 409,
  ) {
    super(message);
    this.name = 'SeriesError';
  }
}

export class SiteProduction {
  private readonly stations = new Map<string, CountingStation[]>();
  private readonly all: ProductionSeries[] = [];
  private readonly runningOn = new Map<string, ProductionSeries>();
  private readonly partSeries = new Map<string, Series>();
  private readonly seriesSeries: Series;
  private nextId = 1;

  constructor(
    private readonly site: SiteModel,
    /** A device's time in `producing` so far (ms), from the machine states. */
    private readonly producingMs: (device: string, now: number) => number | undefined,
  ) {
    for (const line of site.lines) {
      const counting: CountingStation[] = [];
      for (const station of line.stations) {
        const devices = site.devices.filter((d) => d.line === line.id && d.station === station.id && d.profileDef.production);
        if (devices.length) counting.push({ id: station.id, devices: devices.map((d) => ({ id: d.id, idealCycleSeconds: d.profileDef.production!.idealCycleSeconds })) });
      }
      this.stations.set(line.id, counting);
    }
    this.seriesSeries = {
      measurement: 'production_series',
      tags: { site: site.site.id },
      fieldTypes: { event: 'string', series_id: 'string', product: 'string', line: 'string', target: 'int', total: 'int', good: 'int', scrap: 'int', oee: 'float', availability: 'float', performance: 'float', quality: 'float' },
    };
  }

  /** Before a reading is merged: its parts, counted for the line's series; a point when there are any. */
  observe(device: DeviceModel, before: Readonly<Record<string, Value>>, reading: Readonly<Record<string, Value>>, at: number): Point | undefined {
    const production = device.profileDef.production;
    if (!production) return undefined;
    const count = countParts(production, device.profileDef.signals, before, reading);
    if (!count) return undefined;
    const series = this.runningOn.get(device.line);
    series?.part(device.id, count, at);
    let s = this.partSeries.get(device.id);
    if (!s) {
      s = { measurement: 'part', tags: { site: this.site.site.id, line: device.line, station: device.station, device: device.id }, fieldTypes: { produced: 'int', scrap: 'int', series_id: 'string' } };
      this.partSeries.set(device.id, s);
    }
    return { series: s, time: at, fields: { produced: count.produced, scrap: count.scrap, series_id: series?.spec.id ?? '' } };
  }

  start(input: Omit<SeriesSpec, 'id'>, at: number): { summary: SeriesSummary; point: Point } {
    const stations = this.stations.get(input.line);
    if (!stations) throw new SeriesError(`no line "${input.line}" in this site (lines: ${[...this.stations.keys()].join(', ')})`, 404);
    if (stations.length === 0) throw new SeriesError(`line "${input.line}" has no device that counts parts (a profile's production section)`, 400);
    const current = this.runningOn.get(input.line);
    if (current) throw new SeriesError(`series ${current.spec.id} (${current.spec.product}) is running on line "${input.line}"; stop it first`, 409);
    // Named by its start (unique across gateway restarts, readable in InfluxDB), with a counter for the same second.
    const stamp = new Date(at).toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
    const id = this.all.some((x) => x.spec.id === stamp) ? `${stamp}-${this.nextId++}` : stamp;
    const spec: SeriesSpec = { ...input, id };
    const runAtStart = new Map(stations.flatMap((s) => s.devices.map((d) => [d.id, this.producingMs(d.id, at)] as const)));
    const series = new ProductionSeries(spec, stations, at, runAtStart);
    this.all.push(series);
    this.runningOn.set(input.line, series);
    const summary = series.summary(at, (d) => this.producingMs(d, at));
    return { summary, point: this.pointOf('start', summary, at) };
  }

  stop(id: string, at: number): { summary: SeriesSummary; point: Point } {
    const series = this.all.find((s) => s.spec.id === id);
    if (!series) throw new SeriesError(`no series "${id}"`, 404);
    if (!series.running) throw new SeriesError(`series "${id}" has already stopped`, 409);
    series.stop(at, (d) => this.producingMs(d, at));
    this.runningOn.delete(series.spec.line);
    const summary = series.summary(at, (d) => this.producingMs(d, at));
    return { summary, point: this.pointOf('stop', summary, at) };
  }

  /** Running series first, then the rest newest first. */
  list(now: number): SeriesSummary[] {
    return [...this.all]
      .sort((a, b) => Number(b.running) - Number(a.running) || b.startedAt - a.startedAt)
      .map((s) => s.summary(now, (d) => this.producingMs(d, now)));
  }

  /** The series running now (one per line at most). */
  running(now: number): SeriesSummary[] {
    return [...this.runningOn.values()].map((s) => s.summary(now, (d) => this.producingMs(d, now)));
  }

  get(id: string, now: number): SeriesSummary | undefined {
    return this.all.find((s) => s.spec.id === id)?.summary(now, (d) => this.producingMs(d, now));
  }

  private pointOf(event: 'start' | 'stop', s: SeriesSummary, at: number): Point {
    const fields: Record<string, Value> = { event, series_id: s.id, product: s.product, line: s.line, target: s.target, total: s.total, good: s.good, scrap: s.scrap };
    for (const k of ['oee', 'availability', 'performance', 'quality'] as const) if (s.oee[k] !== null) fields[k] = s.oee[k];
    return { series: this.seriesSeries, time: at, fields };
  }
}
