// `fieldlab series status` prints a series whole, or as a visitor of a site that hides its
// product and counts gets it: dashes, never "undefined".
import { describe, expect, it } from 'vitest';
import type { LiveSeries } from '../../gateway/src/core/live-events.ts';
import { formatSeries } from '../../gateway/src/cli/series.ts';

const oee = { availability: 0.9, performance: 0.8, quality: 0.95, oee: 0.684 };
const whole: LiveSeries = {
  id: '20261201-0930', product: 'Housing', target: 50, line: 'line-a', startedAt: 0, stoppedAt: null, plannedStop: null, plannedStops: [], plannedSeconds: 3600, plannedStopSeconds: 0,
  total: 21, good: 20, scrap: 1, progress: 0.4, bottleneck: 'st-1', oee,
  stations: [{ id: 'st-1', produced: 21, scrap: 1, idealCycleSeconds: 30, cycleSeconds: { n: 20, mean: 31, min: 29, p10: 29, p50: 31, p90: 33, max: 34 } }],
  machines: [{ device: 'printer-01', station: 'st-1', produced: 21, scrap: 1, runSeconds: 3000, oee }],
};

describe('fieldlab series status', () => {
  it('prints the counts of a whole series', () => {
    const text = formatSeries(whole);
    expect(text).toContain('Housing');
    expect(text).toContain('good 20 of 50 (40.0 %)   scrap 1   total 21');
  });

  it('prints a visitor\'s series without product or counts, and no "undefined"', () => {
    const { product: _p, target: _t, total: _to, good: _g, scrap: _s, progress: _pr, ...rest } = whole;
    const visitor: LiveSeries = { ...rest, stations: [{ id: 'st-1', idealCycleSeconds: 30, cycleSeconds: { mean: 31, min: 29, p10: 29, p50: 31, p90: 33, max: 34 } }], machines: [{ device: 'printer-01', station: 'st-1', runSeconds: 3000, oee }] };
    const text = formatSeries(visitor);
    expect(text).not.toContain('undefined');
    expect(text).toContain('good — of — (—)');
    expect(text).toContain('OEE 68.4 %');
  });
});
