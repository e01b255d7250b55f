// A series' figures as InfluxDB points: the series, every counting station, every machine.
import { describe, expect, it } from 'vitest';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { SiteProduction } from '../../gateway/src/state/site-production.ts';

const S = 1000;
const T0 = Date.UTC(2026, 10, 30, 8);

describe('series points', () => {
  it('one point for the series, one per counting station and one per machine; once a minute while it runs', () => {
    const site = loadSite();
    const robot = site.devices.find((d) => d.id === 'robot-02')!;
    const production = new SiteProduction(site, () => 0);
    expect(production.progress(T0)).toEqual([]); // nothing running
    const { points: started } = production.start({ product: 'Housing', target: 10, line: 'streetlight' }, T0);
    production.observe(robot, { cycle_count: 1 }, { cycle_count: 3 }, T0 + 60 * S);
    const points = production.progress(T0 + 120 * S);
    const by = (m: string) => points.filter((p) => p.series.measurement === m);
    expect(started).toHaveLength(points.length);
    expect(by('production_series').map((p) => p.fields)).toEqual([expect.objectContaining({ event: 'progress', good: 2, planned_s: 120 })]);
    expect(by('production_station').map((p) => p.series.tags.station)).toEqual(['printing', 'unloading', 'inspection', 'packing']);
    expect(by('production_machine').map((p) => p.series.tags.device)).toEqual(['printer-01', 'printer-02', 'printer-03', 'printer-04', 'robot-01', 'inspection-01', 'robot-02']);
    const packer = by('production_machine').find((p) => p.series.tags.device === 'robot-02')!;
    // Its ideal cycle is 12 s: 2 parts in 120 s with no producing time seen.
    expect(packer.fields).toMatchObject({ event: 'progress', produced: 2, scrap: 0, run_s: 0, availability: 0 });
    expect(points.every((p) => p.time === T0 + 120 * S && p.fields.series_id === started[0]!.fields.series_id)).toBe(true);
  });
});
