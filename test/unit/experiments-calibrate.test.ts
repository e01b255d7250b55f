// Calibration against known truth: a record drawn from known distributions gives back their
// means within their standard error and, for a clear case, the right family first by AIC;
// too few observations give the profile's ideal values, marked assumed, with why.
import { describe, expect, it } from 'vitest';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { mean, sampler, type Distribution } from '../../simulators/src/des/distributions.ts';
import { RandomStream } from '../../simulators/src/des/random-streams.ts';
import { calibrate, MIN_CYCLES } from '../../simulators/src/experiments/calibrate.ts';
import { fitAll } from '../../simulators/src/experiments/fit.ts';
import type { RecordedLine, RecordedMachine } from '../../simulators/src/experiments/recorded-line.ts';

const site = loadSite();
const draw = (d: Distribution, n: number, name: string) => {
  const s = sampler(d);
  const rng = new RandomStream(7, name);
  return Array.from({ length: n }, () => s(rng.next()));
};
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const se = (xs: number[]) => Math.sqrt(xs.reduce((a, b) => a + (b - avg(xs)) ** 2, 0) / (xs.length - 1) / xs.length);

function machine(device: string, station: string, more: Partial<RecordedMachine> = {}): RecordedMachine {
  return { device, station, cycles: [], upBetweenFailures: [], repairs: [], produced: 0, scrap: 0, seconds: { producing: 0, idle: 0, setup: 0, fault: 0, offline: 0 }, ...more };
}

const from = Date.parse('2026-11-30T06:00:00Z');
function record(machines: RecordedMachine[]): RecordedLine {
  return { line: 'streetlight', from, to: from + 8 * 3600e3, series: 's-1', machines, plannedStops: [{ from: from + 4 * 3600e3, to: from + 4.5 * 3600e3, reason: 'lunch' }], good: 0, scrap: 0 };
}

describe('fitting cycle times', () => {
  it('ranks the family the data came from first, gamma with shape 4 well before exponential', () => {
    const xs = draw({ type: 'gamma', shape: 4, scale: 60 }, 2000, 'g');
    const fits = fitAll(xs);
    expect(fits[0]!.family).toBe('gamma');
    const g = fits[0]!.distribution as { shape: number; scale: number };
    // The shape's standard error by maximum likelihood is about k·√(2/n) ≈ 0.13 here.
    expect(Math.abs(g.shape - 4)).toBeLessThan(0.4);
    expect(fits.find((f) => f.family === 'exponential')!.aic - fits[0]!.aic).toBeGreaterThan(1000);
    expect(fits[0]!.qqError).toBeLessThan(0.02);
  });

  it('ranks lognormal and Weibull first for their own data', () => {
    expect(fitAll(draw({ type: 'lognormal', mu: Math.log(240), sigma: 0.4 }, 2000, 'l'))[0]!.family).toBe('lognormal');
    expect(fitAll(draw({ type: 'weibull', shape: 0.8, scale: 300 }, 2000, 'w'))[0]!.family).toBe('weibull');
    expect(fitAll(draw({ type: 'exponential', mean: 300 }, 2000, 'e'))[0]!.family).toMatch(/exponential|gamma|weibull/);
    const w = fitAll(draw({ type: 'weibull', shape: 2.5, scale: 300 }, 2000, 'w2')).find((f) => f.family === 'weibull')!.distribution as { shape: number; scale: number };
    expect(w.shape).toBeCloseTo(2.5, 0);
    expect(w.scale / 300).toBeCloseTo(1, 1);
  });
});

describe('calibrating from a record', () => {
  const printer = draw({ type: 'gamma', shape: 4, scale: 60 }, 1500, 'p');
  const up = draw({ type: 'exponential', mean: 3600 }, 60, 'up');
  const repairs = draw({ type: 'exponential', mean: 300 }, 60, 'rep');
  const rec = record([
    machine('printer-01', 'printing', { cycles: printer, upBetweenFailures: up, repairs, produced: 1500, seconds: { producing: up.reduce((a, b) => a + b, 0), idle: 0, setup: 0, fault: 0, offline: 0 } }),
    machine('robot-01', 'unloading', { cycles: [11, 12, 13, 12, 12], produced: 5 }),
    machine('inspection-01', 'inspection', { cycles: draw({ type: 'normal', mean: 5, sd: 0.3 }, 1000, 'i'), produced: 1000, scrap: 40 }),
  ]);
  const entry = (c: ReturnType<typeof calibrate>, p: string) => c.report.entries.find((e) => e.parameter === p)!;

  it('recovers means within their standard error, with the observations they rest on', () => {
    const c = calibrate(site, rec);
    const cycle = entry(c, 'machines.printer-01.cycle');
    expect(cycle).toMatchObject({ source: 'recorded', observations: 1500 });
    expect(Math.abs(cycle.mean! - 240)).toBeLessThan(3 * se(printer));
    expect(mean(c.options.machines!['printer-01']!.cycle!)).toBeCloseTo(avg(printer), 9);
    const mtbf = entry(c, 'machines.printer-01.failures.between');
    expect(mtbf).toMatchObject({ source: 'recorded', observations: 60 });
    // An exponential mean's standard error is the mean over √n.
    expect(Math.abs(mtbf.mean! - 3600)).toBeLessThan((3 * 3600) / Math.sqrt(60));
    expect(Math.abs(entry(c, 'machines.printer-01.failures.repair').mean! - 300)).toBeLessThan((3 * 300) / Math.sqrt(60));
    expect(entry(c, 'stations.inspection.scrap')).toMatchObject({ value: 0.04, observations: 1000, source: 'recorded' });
    expect(c.plannedStops).toEqual([[4 * 3600, 4.5 * 3600]]);
  });

  it('fits where asked, with every family listed by AIC', () => {
    const c = calibrate(site, rec, 'best');
    const cycle = entry(c, 'machines.printer-01.cycle');
    expect(cycle.source).toBe('fitted');
    expect(cycle.fits!.map((f) => f.family)[0]).toBe('gamma');
    expect(c.options.machines!['printer-01']!.cycle!.type).toBe('gamma');
    expect(calibrate(site, rec, 'lognormal').options.machines!['printer-01']!.cycle!.type).toBe('lognormal');
  });

  it('uses the profile ideal where data are too few, marked assumed with why', () => {
    const c = calibrate(site, rec);
    expect(entry(c, 'machines.robot-01.cycle')).toMatchObject({ source: 'assumed', observations: 5, value: { type: 'deterministic', value: 12 } });
    expect(entry(c, 'machines.robot-01.cycle').why).toContain(`5 cycles recorded (< ${MIN_CYCLES}): the ideal cycle time of profile robotics-arm`);
    // Not in the record at all, and no ideal in its profile: said so plainly.
    expect(entry(c, 'machines.conveyor-01.cycle')).toMatchObject({ source: 'assumed', observations: 0 });
    expect(entry(c, 'machines.conveyor-01.cycle').why).toContain('has no ideal cycle time');
    expect(entry(c, 'machines.robot-01.failures.between')).toMatchObject({ source: 'assumed', value: null });
    expect(entry(c, 'stations.unloading.scrap')).toMatchObject({ source: 'assumed', value: 0 });
    expect(entry(c, 'stations.packing.buffer')).toMatchObject({ source: 'assumed', value: 2 });
    expect(c.report.assumed).toBe(c.report.entries.filter((e) => e.source === 'assumed').length);
    expect(c.report.assumed).toBeGreaterThan(10);
  });

  it('hashes the record canonically', () => {
    const a = calibrate(site, rec).report.hash;
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(rec).reverse()))) as RecordedLine;
    expect(calibrate(site, reordered).report.hash).toBe(a);
    expect(calibrate(site, { ...rec, good: 1 }).report.hash).not.toBe(a);
    expect(calibrate(site, rec, 'best').report.hash).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses an empty window and another line', () => {
    expect(() => calibrate(site, { ...rec, to: rec.from })).toThrow(/calibration window is empty/);
    expect(() => calibrate(site, { ...rec, line: 'assembly' })).toThrow(/line "assembly"/);
  });
});
