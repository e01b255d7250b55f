// A whole experiment on the demo line, calibrated from a record the model itself wrote: the
// validation gate passes for it and fails for a line that did 20 % better; a faster robot
// program does not help while the printers are the bottleneck and does once they are not;
// same inputs, same numbers; progress and cancelling.
import { describe, expect, it } from 'vitest';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { siteLineParams } from '../../simulators/src/des/site-line.ts';
import { calibrate } from '../../simulators/src/experiments/calibrate.ts';
import { ExperimentAbortedError, runExperiment } from '../../simulators/src/experiments/run-experiment.ts';
import { DEFAULT_TOLERANCE, validate } from '../../simulators/src/experiments/validate.ts';
import { scenarioFromBody, type ScenarioInput } from '../../simulators/src/experiments/scenario.ts';
import { demoTruth, recordFromModel } from '../support/recorded-from-model.ts';

const site = loadSite();
const { recorded } = recordFromModel(site, demoTruth(11, { hours: 24, stops: [[4 * 3600, 4.5 * 3600]] }));
const experiment = (s: Omit<ScenarioInput, 'line'>, rec = recorded, hooks = {}) => runExperiment(site, rec, scenarioFromBody({ line: 'streetlight', replications: 10, horizon: { hours: 24 }, seed: 5, ...s }), hooks);
const fasterRobots = [{ machine: 'robot-01', cycle: { factor: 0.8 } }, { machine: 'robot-02', cycle: { factor: 0.8 } }];

describe('the validation gate', () => {
  it('passes for a record the model wrote itself', () => {
    const r = experiment({ changes: [] });
    expect(r.validation.withinTolerance).toBe(true);
    expect(r.validation.recordedGoodPerHour).toBeCloseTo(recorded.good / 24, 9);
    expect(Math.abs(r.validation.throughput.relativeDifference!)).toBeLessThan(0.05);
    expect(r.validation.warnings).toEqual([]);
    expect(r.scenario).toBeNull();
    expect(r.validation.utilisation.find((u) => u.id === 'printer-01')!.withinTolerance).toBe(true);
  });

  it('fails for a line that recorded 20 % more good parts, and the experiment says so', () => {
    const better = { ...recorded, good: Math.round(recorded.good * 1.2) };
    const r = experiment({ changes: [] }, better);
    expect(r.validation.withinTolerance).toBe(false);
    expect(r.validation.throughput.relativeDifference!).toBeGreaterThan(0.15);
    expect(r.warnings[0]).toMatch(/the model fails validation: recorded .* good parts per hour/);
    // Still run, with its figures.
    expect(r.baseline.goodPerHour.mean).toBeGreaterThan(0);
  });

  it('also holds throughput to its relative tolerance, not only to the interval', () => {
    const calibration = calibrate(site, recorded);
    const { params } = siteLineParams(site, { ...calibration.options, horizon: { seconds: 1 } });
    const design = { stations: params.stations, ideal: {}, calendar: undefined, target: undefined };
    const loose = validate(design, calibration, recorded, { seed: 5, replications: 10 });
    const off = Math.abs(loose.throughput.relativeDifference!);
    expect(loose.withinTolerance).toBe(true);
    const tight = validate(design, calibration, recorded, { seed: 5, replications: 10 }, undefined, { ...DEFAULT_TOLERANCE, throughput: off / 2 });
    expect(tight.throughput.recorded).toBeGreaterThanOrEqual(tight.throughput.interval95[0]);
    expect(tight.throughput.recorded).toBeLessThanOrEqual(tight.throughput.interval95[1]);
    expect(tight.withinTolerance).toBe(false);
  });
});

describe('what a change is worth', () => {
  it('a faster robot program does not help while the printers are the bottleneck', () => {
    const r = experiment({ changes: fasterRobots });
    expect(r.bottleneck.before.machine).toMatch(/^printer-/);
    expect(r.bottleneck.before.station).toBe('printing');
    expect(r.bottleneck.after!.machine).toMatch(/^printer-/);
    const d = r.differences!.goodPerHour;
    expect(Math.abs(d.mean)).toBeLessThan(0.01 * r.baseline.goodPerHour.mean);
  });

  it('helps once the printers are not: the packing robot is then the bottleneck', () => {
    // Printers ten times faster: 24 s a part each, 6 s for the four; packing's 15 s holds the line.
    const fastPrinters = { station: 'printing', cycle: { factor: 0.1 } };
    const before = experiment({ changes: [fastPrinters] });
    expect(before.scenario!.bottleneck.machine).toBe('robot-02');
    const r = experiment({ changes: [fastPrinters, ...fasterRobots] });
    const gain = r.scenario!.goodPerHour.mean / before.scenario!.goodPerHour.mean - 1;
    expect(gain).toBeGreaterThan(0.15);
    expect(gain).toBeLessThan(0.3);
    expect(r.differences!.goodPerHour.significant).toBe(true);
  });

  it('a fifth printer brings the target forward, with an interval in calendar time', () => {
    const r = experiment({ changes: [{ station: 'printing', add: 1 }], horizon: { untilGood: 200 }, start: '2026-12-03T14:00:00+01:00' });
    const before = r.baseline.target!;
    const after = r.scenario!.target!;
    expect(before.reached).toBe(10);
    expect(after.hours!.mean).toBeLessThan(before.hours!.mean);
    expect(Date.parse(after.at!.ci95[0])).toBeLessThanOrEqual(Date.parse(after.at!.mean));
    expect(Date.parse(before.at!.mean)).toBeGreaterThan(Date.parse('2026-12-03T13:00:00Z'));
    expect(r.differences!.hoursToTarget!.significant).toBe(true);
    expect(r.differences!.hoursToTarget!.mean).toBeLessThan(0);
  });
});

describe('reproducibility and control', () => {
  it('gives identical numbers for identical inputs, JSON and all', () => {
    const a = experiment({ changes: [{ station: 'printing', add: 1 }], replications: 4 });
    const b = experiment({ changes: [{ station: 'printing', add: 1 }], replications: 4 });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(a.inputHash).toMatch(/^[0-9a-f]{64}$/);
    const c = experiment({ changes: [{ station: 'printing', add: 1 }], replications: 4, seed: 6 });
    expect(c.baseline.goodPerHour).not.toEqual(a.baseline.goodPerHour);
    expect(c.inputHash).not.toBe(a.inputHash);
  });

  it('reports progress to 1 and stops when cancelled', () => {
    const seen: number[] = [];
    experiment({ changes: [{ station: 'printing', add: 1 }], replications: 3 }, recorded, { progress: (f: number) => seen.push(f) });
    expect(seen).toHaveLength(9);
    expect(seen.at(-1)).toBe(1);
    expect([...seen].sort((x, y) => x - y)).toEqual(seen);
    const signal = { aborted: false };
    expect(() => experiment({ changes: [], replications: 3 }, recorded, { signal, progress: (f: number) => (signal.aborted = f > 0.3) })).toThrow(ExperimentAbortedError);
  });

  it('runs a sweep, one scenario per value, each against the same baseline', () => {
    const r = experiment({ sweep: { station: 'printing', parameter: 'machines', values: [3, 5] }, replications: 3, horizon: { hours: 8 } });
    expect(r.scenarios.map((s) => s.name)).toEqual(['printing machines = 3', 'printing machines = 5']);
    expect(r.scenarios[0]!.goodPerHour.mean).toBeLessThan(r.baseline.goodPerHour.mean);
    expect(r.scenarios[1]!.goodPerHour.mean).toBeGreaterThan(r.baseline.goodPerHour.mean);
  });
});
