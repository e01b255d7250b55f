// What visitors are not sent, as the site file marks it (`visitors:`): hidden signals are
// removed from every device's values and signal list, a series loses its product name and
// counts. Applied where data leaves the gateway for a visitor (the live hub, the REST
// routes), so the values are absent from the wire, not merely hidden in the page.
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import type { Value } from '../core/reading.ts';
import type { SeriesSummary } from '../core/insight.ts';
import type { LiveSeries } from '../core/live-events.ts';
import type { HistoryAt, HistoryChanges, SeriesAt, TimelineMark } from '../core/history.ts';

/** A series as a visitor receives it: the fields the site hides are absent. */
export type VisitorSeries = LiveSeries;

const COUNT_FIELDS = ['target', 'total', 'good', 'scrap', 'progress'] as const;

const omit = <T extends object>(o: T, keys: readonly string[]): T => {
  const out = { ...o } as Record<string, unknown>;
  for (const k of keys) delete out[k];
  return out as T;
};

export class VisitorView {
  /** device id → signals visitors do not get; absent when none. */
  private readonly hidden = new Map<string, ReadonlySet<string>>();
  private readonly product: boolean;
  private readonly counts: boolean;

  constructor(site: SiteModel) {
    const rules = site.visitors.hideSignals.map((n) => (n.includes('.') ? { device: n.slice(0, n.indexOf('.')), signal: n.slice(n.indexOf('.') + 1) } : { device: undefined, signal: n }));
    for (const d of site.devices) {
      const set = new Set(rules.filter((r) => (r.device === undefined || r.device === d.id) && r.signal in d.profileDef.signals).map((r) => r.signal));
      if (set.size > 0) this.hidden.set(d.id, set);
    }
    this.product = site.visitors.hideSeries.includes('product');
    this.counts = site.visitors.hideSeries.includes('counts');
  }

  /** Whether anything is hidden from visitors at all (when not, their data is everybody's). */
  get hidesAnything(): boolean {
    return this.hidden.size > 0 || this.product || this.counts;
  }

  hiddenSignals(device: string): ReadonlySet<string> | undefined {
    return this.hidden.get(device);
  }

  /** `values` without the device's hidden signals (the same object when it has none). */
  values<T extends Readonly<Record<string, Value>>>(device: string, values: T): T {
    const hidden = this.hidden.get(device);
    if (!hidden) return values;
    let out: Record<string, Value> | undefined;
    for (const k of Object.keys(values)) {
      if (!hidden.has(k)) continue;
      out ??= { ...values };
      delete out[k];
    }
    return (out ?? values) as T;
  }

  series(s: SeriesSummary): VisitorSeries {
    if (!this.product && !this.counts) return s;
    const out: Record<string, unknown> = { ...s };
    if (this.product) delete out.product;
    if (this.counts) {
      for (const f of COUNT_FIELDS) delete out[f];
      // A cycle count is a part count less one: it goes too.
      out.stations = s.stations.map(({ produced: _p, scrap: _s, cycleSeconds, ...st }) => ({ ...st, cycleSeconds: cycleSeconds && (({ n: _n, ...c }) => c)(cycleSeconds) }));
      out.machines = s.machines.map(({ produced: _p, scrap: _s, ...m }) => m);
    }
    return out as VisitorSeries;
  }

  private seriesAt(s: SeriesAt): Partial<SeriesAt> {
    return omit(s, [...(this.product ? ['product'] : []), ...(this.counts ? ['target', 'good', 'scrap', 'total'] : [])]);
  }

  /** A series' marks lose the product name (their text is "<series id> <product>"). */
  marks(marks: readonly TimelineMark[]): TimelineMark[] {
    if (!this.product) return [...marks];
    return marks.map((m) => (m.kind.startsWith('series_') ? { ...m, text: m.text.split(' ')[0] ?? '' } : m));
  }

  historyAt(at: HistoryAt): HistoryAt {
    if (!this.hidesAnything) return at;
    return {
      ...at,
      devices: at.devices.map((d) => (d.values ? { ...d, values: this.values(d.id, d.values) } : d)),
      series: at.series.map((s) => this.seriesAt(s) as SeriesAt),
    };
  }

  historyChanges(c: HistoryChanges): HistoryChanges {
    if (!this.hidesAnything) return c;
    return {
      ...c,
      devices: c.devices.map((d) =>
        this.hidden.has(d.id)
          ? {
              ...d,
              points: d.points.map((p) => ({ t: p.t, v: this.values(d.id, p.v) })),
              ...(d.steps ? { steps: d.steps.map((st) => ({ t: st.t, last: this.values(d.id, st.last), min: this.values(d.id, st.min), max: this.values(d.id, st.max) })) } : {}),
            }
          : d,
      ),
      events: this.marks(c.events),
    };
  }
}
