// A production series' figures as InfluxDB points: the series itself (`production_series`),
// each counting station (`production_station`: parts, scrap, cycle-time distribution) and each
// machine (`production_machine`: parts, scrap, run time, OEE and its factors). Written at every
// series event and once a minute while it runs (`event=progress`), so OEE has a history.
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import type { Point, PointSeries, Value } from '../core/reading.ts';
import type { Oee, SeriesSummary } from '../core/insight.ts';

export type SeriesEvent = 'start' | 'stop' | 'pause' | 'resume' | 'progress';

const OEE_FIELDS = { oee: 'float', availability: 'float', performance: 'float', quality: 'float' } as const;

export class SeriesPoints {
  private readonly series: PointSeries;
  private readonly stations = new Map<string, PointSeries>();
  private readonly machines = new Map<string, PointSeries>();

  constructor(private readonly site: SiteModel) {
    this.series = {
      measurement: 'production_series',
      tags: { site: site.site.id },
      fieldTypes: { event: 'string', series_id: 'string', product: 'string', line: 'string', target: 'int', total: 'int', good: 'int', scrap: 'int', planned_s: 'float', reason: 'string', ...OEE_FIELDS },
    };
  }

  of(event: SeriesEvent, s: SeriesSummary, at: number, reason?: string): Point[] {
    const fields: Record<string, Value> = { event, series_id: s.id, product: s.product, line: s.line, target: s.target, total: s.total, good: s.good, scrap: s.scrap, planned_s: s.plannedSeconds };
    if (reason !== undefined) fields.reason = reason;
    withOee(fields, s.oee);
    const points: Point[] = [{ series: this.series, time: at, fields }];
    for (const st of s.stations) {
      const f: Record<string, Value> = { event, series_id: s.id, produced: st.produced, scrap: st.scrap };
      if (st.idealCycleSeconds !== null) f.ideal_cycle_s = st.idealCycleSeconds;
      const c = st.cycleSeconds;
      if (c) Object.assign(f, { cycles: c.n, cycle_mean_s: c.mean, cycle_min_s: c.min, cycle_p10_s: c.p10, cycle_p50_s: c.p50, cycle_p90_s: c.p90, cycle_max_s: c.max });
      if (s.bottleneck === st.id) f.bottleneck = true;
      points.push({ series: this.stationSeries(s.line, st.id), time: at, fields: f });
    }
    for (const m of s.machines) {
      const f: Record<string, Value> = { event, series_id: s.id, produced: m.produced, scrap: m.scrap };
      if (m.runSeconds !== null) f.run_s = m.runSeconds;
      withOee(f, m.oee);
      points.push({ series: this.machineSeries(s.line, m.station, m.device), time: at, fields: f });
    }
    return points;
  }

  private stationSeries(line: string, station: string): PointSeries {
    const key = `${line}/${station}`;
    let s = this.stations.get(key);
    if (!s) {
      const cycle = { cycles: 'int', cycle_mean_s: 'float', cycle_min_s: 'float', cycle_p10_s: 'float', cycle_p50_s: 'float', cycle_p90_s: 'float', cycle_max_s: 'float' } as const;
      s = { measurement: 'production_station', tags: { site: this.site.site.id, line, station }, fieldTypes: { event: 'string', series_id: 'string', produced: 'int', scrap: 'int', ideal_cycle_s: 'float', bottleneck: 'bool', ...cycle } };
      this.stations.set(key, s);
    }
    return s;
  }

  private machineSeries(line: string, station: string, device: string): PointSeries {
    let s = this.machines.get(device);
    if (!s) {
      s = { measurement: 'production_machine', tags: { site: this.site.site.id, line, station, device }, fieldTypes: { event: 'string', series_id: 'string', produced: 'int', scrap: 'int', run_s: 'float', ...OEE_FIELDS } };
      this.machines.set(device, s);
    }
    return s;
  }
}

function withOee(fields: Record<string, Value>, oee: Oee): void {
  for (const k of ['oee', 'availability', 'performance', 'quality'] as const) if (oee[k] !== null) fields[k] = oee[k];
}
