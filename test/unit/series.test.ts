// Production series, parts and OEE against hand-computed figures.
import { describe, expect, it } from 'vitest';
import { ProductionSchema, type Signal } from '../../device-profiles/schema/profile.ts';
import { countParts } from '../../gateway/src/state/part-counter.ts';
import { ProductionSeries, type CountingStation } from '../../gateway/src/state/series.ts';

const S = 1000;
const stations: CountingStation[] = [
  { id: 'printing', devices: [{ id: 'printer-1', idealCycleSeconds: 600 }, { id: 'printer-2', idealCycleSeconds: 600 }] },
  { id: 'unloading', devices: [{ id: 'robot-1', idealCycleSeconds: 20 }] },
  { id: 'inspection', devices: [{ id: 'camera', idealCycleSeconds: 10 }] },
];
const spec = { id: 's1', product: 'Street-light housing', target: 20, line: 'streetlight' };

describe('part counting', () => {
  const signals: Record<string, Signal> = { job_state: { type: 'enum', store: true, event: false, values: { FINISH: 'done', RUNNING: 'printing' } } };
  it('counts counter increments, events and transitions, and not a counter reset or a first value', () => {
    const p = ProductionSchema.parse({ parts: [{ type: 'increment', signal: 'cycles' }, { type: 'increment', signal: 'failed', as: 'scrap' }] });
    expect(countParts(p, {}, {}, { cycles: 41 })).toBeUndefined();
    expect(countParts(p, {}, { cycles: 41, failed: 2 }, { cycles: 43, failed: 3 })).toEqual({ produced: 2, scrap: 1 });
    expect(countParts(p, {}, { cycles: 43 }, { cycles: 0 })).toBeUndefined();
    const events = ProductionSchema.parse({ parts: [{ type: 'event', signal: 'event', equals: 'PrintDone' }] });
    expect(countParts(events, {}, {}, { event: 'PrintDone' })).toEqual({ produced: 1, scrap: 0 });
    expect(countParts(events, {}, {}, { event: 'PrintStarted' })).toBeUndefined();
    const becomes = ProductionSchema.parse({ parts: [{ type: 'becomes', signal: 'job_state', to: 'done' }] });
    expect(countParts(becomes, signals, { job_state: 'RUNNING' }, { job_state: 'FINISH' })).toEqual({ produced: 1, scrap: 0 });
    expect(countParts(becomes, signals, { job_state: 'FINISH' }, { job_state: 'FINISH' })).toBeUndefined();
    expect(countParts(becomes, signals, {}, { job_state: 'FINISH' })).toBeUndefined();
  });
});

describe('production series', () => {
  it('computes counts, cycle times, bottleneck and OEE per machine and for the line', () => {
    // Producing time (ms) before the series: the series measures from here.
    const before = new Map([['printer-1', 100 * S], ['printer-2', 50 * S], ['robot-1', 0], ['camera', 0]]);
    const series = new ProductionSeries(spec, stations, 0, before);
    // printer-1: 5 parts, printer-2: 3 (offline for 1200 s mid-series).
    for (const at of [600, 1200, 1800, 2400, 3000]) series.part('printer-1', { produced: 1, scrap: 0 }, at * S);
    for (const at of [800, 1600, 3400]) series.part('printer-2', { produced: 1, scrap: 0 }, at * S);
    for (let i = 0; i < 8; i++) series.part('robot-1', { produced: 1, scrap: 0 }, (700 + i * 300) * S);
    for (let i = 0; i < 8; i++) series.part('camera', { produced: 1, scrap: i === 3 ? 1 : 0 }, (720 + i * 300) * S);
    series.part('somebody-else', { produced: 5, scrap: 0 }, 100 * S);
    const runNow = (d: string) => ({ 'printer-1': 3100 * S, 'printer-2': 2450 * S, 'robot-1': 1800 * S, camera: 3600 * S })[d] ?? 0;
    series.stop(3600 * S, runNow);
    const r = series.summary(9999 * S, () => 0); // after the stop, later run times do not matter

    expect(r.plannedSeconds).toBe(3600);
    expect([r.total, r.scrap, r.good]).toEqual([8, 1, 7]);
    expect(r.progress).toBeCloseTo(7 / 20, 10);
    const p1 = r.machines.find((m) => m.device === 'printer-1')!;
    // A = 3000/3600, P = 600 × 5 / 3000 = 1, Q = 1.
    expect(p1.runSeconds).toBe(3000);
    expect(p1.oee.availability).toBeCloseTo(0.8333, 4);
    expect(p1.oee.performance).toBeCloseTo(1, 10);
    expect(p1.oee.oee).toBeCloseTo(0.8333, 4);
    const p2 = r.machines.find((m) => m.device === 'printer-2')!;
    // Offline a third of the time: A = 2400/3600, P = 600 × 3 / 2400 = 0.75.
    expect(p2.oee).toMatchObject({ quality: 1 });
    expect(p2.oee.availability).toBeCloseTo(2 / 3, 10);
    expect(p2.oee.performance).toBeCloseTo(0.75, 10);
    expect(p2.oee.oee).toBeCloseTo(0.5, 10);
    const cam = r.machines.find((m) => m.device === 'camera')!;
    expect(cam.oee.quality).toBeCloseTo(7 / 8, 10);
    // Line: ideal = the printing station's 600 s / 2 printers = 300 s. OEE = 7 × 300 / 3600.
    expect(r.stations.map((s) => s.idealCycleSeconds)).toEqual([300, 20, 10]);
    expect(r.oee.oee).toBeCloseTo(0.5833, 4);
    expect(r.oee.quality).toBeCloseTo(0.875, 10);
    expect(r.oee.availability).toBeCloseTo(0.75, 10);
    expect(r.oee.performance).toBeCloseTo(0.8889, 4);
    // Printing: 8 parts at 600, 800, 1200, 1600, 1800, 2400, 3000, 3400 → 7 cycles, mean (3400-600)/7 = 400 s.
    const printing = r.stations.find((s) => s.id === 'printing')!;
    expect(printing.cycleSeconds).toMatchObject({ n: 7, min: 200, max: 600 });
    expect(printing.cycleSeconds!.mean).toBeCloseTo(400, 10);
    expect(r.stations.find((s) => s.id === 'unloading')!.cycleSeconds).toMatchObject({ n: 7, mean: 300 });
    expect(r.bottleneck).toBe('printing');
  });

  it('a series with zero planned time has no OEE, and counts nothing after its stop', () => {
    const series = new ProductionSeries(spec, stations, 5 * S, new Map());
    series.stop(5 * S, () => 0);
    series.part('camera', { produced: 1, scrap: 0 }, 6 * S);
    const r = series.summary(10 * S, () => 0);
    expect(r.plannedSeconds).toBe(0);
    expect(r.total).toBe(0);
    expect(r.oee).toEqual({ availability: null, performance: null, quality: null, oee: null });
    expect(r.machines.every((m) => m.oee.oee === null)).toBe(true);
  });

  it('a machine that never produced: availability 0, OEE 0; no parts: quality unknown', () => {
    const series = new ProductionSeries(spec, stations, 0, new Map());
    const r = series.summary(600 * S, () => 0);
    expect(r.machines[0]!.oee).toEqual({ availability: 0, performance: null, quality: null, oee: 0 });
    expect(r.oee).toMatchObject({ availability: 0, quality: null, oee: 0 });
    expect(r.bottleneck).toBeNull();
  });

  it('packing after inspection: the packed parts are the good ones, the inspection scrap adds to the total', () => {
    const line: CountingStation[] = [
      { id: 'inspection', devices: [{ id: 'camera', idealCycleSeconds: 5 }] },
      { id: 'packing', devices: [{ id: 'packer', idealCycleSeconds: 10 }] },
    ];
    const series = new ProductionSeries(spec, line, 0, new Map());
    series.part('camera', { produced: 10, scrap: 2 }, 100 * S);
    series.part('packer', { produced: 7, scrap: 0 }, 200 * S); // one good part still on its way
    const r = series.summary(1000 * S, () => undefined);
    expect([r.good, r.scrap, r.total]).toEqual([7, 2, 9]);
    expect(r.oee.quality).toBeCloseTo(7 / 9, 10);
    // No machine-state model: availability unknown, so no line availability or performance.
    expect(r.oee).toMatchObject({ availability: null, performance: null });
    expect(r.oee.oee).toBeCloseTo((7 * 10) / 1000, 10);
  });

  it('planned stops leave planned time, run time and the cycles across them out', () => {
    const line: CountingStation[] = [{ id: 'printing', devices: [{ id: 'printer-1', idealCycleSeconds: 600 }] }];
    const series = new ProductionSeries(spec, line, 0, new Map([['printer-1', 0]]));
    // The printer produces the whole time, through the break too (its producing clock is t).
    const producing = (t: number) => () => t * S;
    for (const at of [600, 1200, 1800, 2400, 3000, 3600]) series.part('printer-1', { produced: 1, scrap: 0 }, at * S);
    series.pause(1000 * S, 'Break', producing(1000));
    const during = series.summary(1300 * S, producing(1300));
    expect(during.plannedStop).toEqual({ reason: 'Break', since: 1000 * S });
    expect(during.plannedSeconds).toBe(1000);
    expect(during.machines[0]!.runSeconds).toBe(1000); // its producing during the break is not run time
    series.resume(1600 * S, producing(1600));
    series.pause(3500 * S, 'End of shift', producing(3500));
    series.stop(3700 * S, producing(3700)); // stopped during a planned stop: that stop ends with it
    const r = series.summary(9999 * S, producing(9999));
    expect(r.plannedStop).toBeNull();
    expect(r.plannedStops).toEqual([
      { from: 1000 * S, to: 1600 * S, reason: 'Break' },
      { from: 3500 * S, to: 3700 * S, reason: 'End of shift' },
    ]);
    // Planned: 3700 − 600 − 200 = 2900 s; run: 1000 + (3500 − 1600) = 2900 s.
    expect([r.plannedSeconds, r.plannedStopSeconds]).toEqual([2900, 800]);
    expect(r.machines[0]!.runSeconds).toBe(2900);
    expect(r.machines[0]!.oee.availability).toBe(1);
    // P = 600 × 6 / 2900; the line: OEE = 6 × 600 / 2900.
    expect(r.machines[0]!.oee.performance).toBeCloseTo(3600 / 2900, 10);
    expect(r.oee.oee).toBeCloseTo(3600 / 2900, 10);
    // Cycles 600→1200 and 1200→1800 span the break, 3000→3600 runs into the end of shift: two are left.
    expect(r.stations[0]!.cycleSeconds).toMatchObject({ n: 2, mean: 600, min: 600, max: 600 });
  });

  it('a pause or resume out of turn changes nothing', () => {
    const series = new ProductionSeries(spec, stations, 0, new Map());
    series.resume(10 * S, () => 0);
    series.pause(20 * S, 'Break', () => 0);
    series.pause(30 * S, 'Again', () => 0);
    expect(series.summary(40 * S, () => 0).plannedStops).toEqual([{ from: 20 * S, to: null, reason: 'Break' }]);
    series.stop(50 * S, () => 0);
    series.resume(60 * S, () => 0);
    expect(series.summary(70 * S, () => 0)).toMatchObject({ plannedSeconds: 20, plannedStopSeconds: 30, plannedStop: null });
  });
});
