// What the kiosk says: the series in the captions, enum meanings, the summary's OEE.
import { describe, expect, it } from 'vitest';
import type { SeriesSummary } from '../../gateway/src/core/insight.ts';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { describe as caption, experimentCaption, replayCaption, summarize } from '../../twin-viewer/src/panels/kiosk-captions.ts';
import type { ExperimentResult } from '../../simulators/src/experiments/run-experiment.ts';
import type { PlacedMachine } from '../../twin-viewer/src/scene/twin-scene.ts';

const site = loadSite();
/** A placed machine as the captions read it: its device from the demo site, a status. */
function placed(id: string, status: PlacedMachine['status']): PlacedMachine {
  const d = site.devices.find((x) => x.id === id)!;
  const device = { id: d.id, name: d.name, kind: d.profileDef.kind, line: d.line, station: d.station, signals: d.profileDef.signals } as unknown as PlacedMachine['device'];
  return { device, status } as unknown as PlacedMachine;
}
const series = { product: 'street-light housing', target: 200, total: 36, good: 35, scrap: 1, line: 'streetlight', stoppedAt: null, oee: { availability: 0.9, performance: 0.8, quality: 35 / 36, oee: 0.9 * 0.8 * (35 / 36) } } as unknown as SeriesSummary;

describe('kiosk captions', () => {
  it('tell the series at inspection: the part in work is the one after those counted', () => {
    expect(caption(placed('inspection-01', 'running'), {}, series)).toBe('Street-light housing 37 of 200 is being inspected — 35 good, 1 scrap so far');
  });

  it('leave out what the site hides from visitors: the product, the counts', () => {
    // As the gateway sends a series to a visitor: those fields are absent, not empty.
    const { product: _p, ...noProduct } = series as unknown as Record<string, unknown>;
    const { target: _t, total: _n, good: _g, scrap: _s, progress: _x, ...noCounts } = series as unknown as Record<string, unknown>;
    const inspection = placed('inspection-01', 'running');
    expect(caption(inspection, {}, noProduct as unknown as SeriesSummary)).toBe('Part 37 of 200 is being inspected — 35 good, 1 scrap so far');
    expect(caption(inspection, {}, noCounts as unknown as SeriesSummary)).toBe('A street-light housing is being inspected');
    expect(caption(placed('conveyor-01', 'running'), { belt_speed: 0.25 }, noCounts as unknown as SeriesSummary)).not.toMatch(/undefined|made so far/);
    expect(summarize('Line', [inspection], noCounts as unknown as SeriesSummary)).toBe('Line: 1 of 1 machines working · Street-light housing · OEE 70 % (availability 90 %, performance 80 %, quality 97 %)');
  });

  it("say a robot's operational mode by its meaning", () => {
    expect(caption(placed('robot-01', 'running'), { operational_mode: '3', cycle_count: 12 })).toBe('Robot 1 is moving parts, in automatic mode — 12 cycles so far');
  });

  it("sum the line up with its series and live OEE", () => {
    const machines = [placed('robot-01', 'running'), placed('printer-01', 'idle')];
    expect(summarize('First series', machines, series)).toBe('First series: 1 of 2 machines working · Street-light housing: 35 of 200 good · OEE 70 % (availability 90 %, performance 80 %, quality 97 %)');
  });

  it('say of a machine without data whether it is waiting for it or had none then', () => {
    expect(caption(placed('printer-01', 'unknown'), {})).toBe('Printer 1: waiting for its first data');
    expect(caption(placed('printer-01', 'unknown'), {}, undefined, true)).toBe('Printer 1: no data recorded then');
  });

  it('say what a replaying kiosk shows: which day, which hours, how fast', () => {
    const at = (d: number, h: number) => new Date(2026, 10, d, h, 0).getTime();
    expect(replayCaption(at(30, 6), at(30, 14), 240, at(1 + 30, 9))).toBe('Yesterday, 06:00–14:00, at 240×');
    expect(replayCaption(at(30, 6), at(30, 14), 240, at(30, 15))).toBe('Today, 06:00–14:00, at 240×');
    expect(replayCaption(at(27, 22), at(28, 6), 600, at(30, 9))).toBe('Friday 27 November, 22:00–06:00, at 600×');
  });

  it('say a prepared experiment as a share of today with its interval, and nothing from a model that failed its check', () => {
    const words = { device: (id: string) => placed(id, 'running').device, stationName: (id: string | null) => (id === 'printing' ? 'Print farm' : String(id)) };
    const result = (significant: boolean, withinTolerance: boolean) =>
      ({
        line: 'streetlight',
        replications: 20,
        validation: { withinTolerance },
        baseline: { goodPerHour: { mean: 35.8 } },
        scenario: { changes: [{ station: 'printing', add: 1, like: 'printer-04' }] },
        differences: { goodPerHour: significant ? { mean: 9.1, ci95: [8.8, 9.4], significant } : { mean: 0.4, ci95: [-0.7, 1.5], significant } },
      }) as unknown as ExperimentResult;
    expect(experimentCaption(result(true, true), words, 'street-light housing')).toBe(
      'What if: +1 printer at Print farm?\nThis line would make 25 % more street-light housings an hour (95 %: +25 to +26 %) — 20 simulated runs, checked against its own record',
    );
    expect(experimentCaption(result(false, true), words)).toBe('What if: +1 printer at Print farm?\nThis line would make about as many good parts an hour as now (95 %: −2 to +4 %) — 20 simulated runs, checked against its own record');
    expect(experimentCaption(result(true, false), words)).toBeUndefined();
  });
});
