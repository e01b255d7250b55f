// Scenarios as users write them: errors name the file, the line, the path and what was
// expected; checks against the site name the unknown station or device; changes and sweeps
// turn into the right line; calendars line up with the start's clock.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../device-profiles/schema/config-error.ts';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { mean } from '../../simulators/src/des/distributions.ts';
import { applyChanges, scenarioDesigns, type Design } from '../../simulators/src/experiments/apply-changes.ts';
import { parseScenario, scenarioFromBody, sweepValues } from '../../simulators/src/experiments/scenario.ts';
import { checkScenario } from '../../simulators/src/experiments/scenario-check.ts';
import { stopsCalendar, workingCalendar } from '../../simulators/src/experiments/working-time.ts';

const site = loadSite();
const problems = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
};

describe('parsing a scenario', () => {
  it('applies the defaults', () => {
    const s = parseScenario('line: streetlight\n', 'a.yaml');
    expect(s).toMatchObject({ line: 'streetlight', changes: [], replications: 20, seed: 1, horizon: { hours: 168 }, calibration: { fit: 'empirical' } });
  });

  it('names the file, line, path and the unknown key', () => {
    const e = problems(() => parseScenario('line: streetlight\nchanges:\n  - { staton: printing, add: 1 }\n', 'fifth.yaml'));
    expect(e.file).toBe('fifth.yaml');
    expect(e.problems).toContainEqual(expect.objectContaining({ path: 'changes[0]', message: 'unknown key "staton"', line: 3 }));
    expect(e.message).toMatch(/^fifth\.yaml:3:\d+: changes\[0\]: unknown key "staton"/m);
  });

  it('refuses a negative cycle time at its path, saying what was expected', () => {
    const e = problems(() => parseScenario('line: streetlight\nchanges:\n  - machine: robot-01\n    cycle: { seconds: -3 }\n', 's.yaml'));
    expect(e.problems).toEqual([expect.objectContaining({ path: 'changes[0].cycle.seconds', line: 4 })]);
    expect(e.problems[0]!.message).toMatch(/>\s*0/);
  });

  it('wants exactly one thing per change, and its target', () => {
    const e = problems(() => parseScenario('line: streetlight\nchanges:\n  - { station: printing, add: 1, remove: 1 }\n  - { add: 2 }\n  - { station: printing, cycle: { seconds: 3, factor: 2 } }\n', 's.yaml'));
    expect(e.problems.map((p) => [p.path, p.message])).toEqual([
      ['changes[0]', 'expected exactly one of add, remove, cycle, buffer, failures, scrap, calendar, target (got add, remove)'],
      ['changes[1].station', 'expected the station that "add" applies to'],
      ['changes[2].cycle', 'expected either seconds or factor'],
    ]);
  });

  it('reads JSON as well, and a REST body with the same paths', () => {
    expect(parseScenario('{"line": "streetlight", "horizon": {"untilGood": 200}}', 'b.json').horizon).toEqual({ untilGood: 200 });
    const e = problems(() => scenarioFromBody({ line: 'streetlight', horizon: { hours: 5, untilGood: 3 }, replications: 1 }));
    expect(e.file).toBe('request body');
    expect(e.problems.map((p) => p.path).sort()).toEqual(['horizon', 'replications']);
  });

  it('lists sweep values from a range', () => {
    const s = parseScenario('line: streetlight\nsweep: { station: printing, parameter: machines, from: 4, to: 8 }\n', 's.yaml');
    expect(sweepValues(s.sweep!)).toEqual([4, 5, 6, 7, 8]);
  });
});

describe('checking a scenario against the site', () => {
  const check = (yaml: string) => checkScenario(site, parseScenario(yaml, 's.yaml'));

  it('accepts the example file', () => {
    const text = readFileSync(new URL('../../docs/examples/fifth-printer.yaml', import.meta.url), 'utf8');
    expect(checkScenario(site, parseScenario(text, 'fifth-printer.yaml'))).toEqual([]);
  });

  it('names an unknown line, station and device with what there is', () => {
    expect(check('line: assembly\n')).toEqual([{ path: 'line', message: 'unknown line "assembly" (lines: streetlight)' }]);
    const p = check('line: streetlight\nchanges:\n  - { station: painting, add: 1 }\n  - { machine: robot-9, cycle: { factor: 0.9 } }\n  - { station: printing, add: 1, like: robot-01 }\n');
    expect(p.map((x) => x.path)).toEqual(['changes[0].station', 'changes[1].machine', 'changes[2].like']);
    expect(p[0]!.message).toContain('stations: printing, unloading, transport, inspection, packing');
    expect(p[2]!.message).toContain('is at station "unloading"');
  });

  it('keeps one machine at a station, and buffers off the first station', () => {
    const p = check('line: streetlight\nchanges:\n  - { station: printing, remove: 4 }\n  - { station: printing, buffer: 3 }\nsweep: { station: printing, parameter: machines, values: [2, 0] }\n');
    expect(p.map((x) => x.path)).toEqual(['changes[0].remove', 'changes[1].buffer', 'sweep.values[1]']);
  });
});

describe('changes applied to the line', () => {
  const base: Design = {
    stations: [
      { id: 'printing', machines: [{ id: 'p1', cycle: { type: 'lognormal', mu: Math.log(240), sigma: 0.1 } }, { id: 'p2', cycle: { type: 'deterministic', value: 240 } }] },
      { id: 'unloading', buffer: 2, machines: [{ id: 'r1', cycle: { type: 'normal', mean: 12, sd: 0.5 } }] },
    ],
    ideal: { p1: 240, p2: 240, r1: 12 },
    calendar: undefined,
    target: undefined,
  };

  it('adds machines like one, with their own ids, and removes from the end', () => {
    const d = applyChanges(base, [{ station: 'printing', add: 2, like: 'p1' }, { station: 'printing', remove: 1 }]);
    expect(d.stations[0]!.machines.map((m) => m.id)).toEqual(['p1', 'p2', 'p1+1']);
    expect(d.stations[0]!.machines[2]!.cycle).toEqual(base.stations[0]!.machines[0]!.cycle);
    expect(d.ideal['p1+1']).toBe(240);
    expect(base.stations[0]!.machines).toHaveLength(2);
  });

  it('sets a mean cycle time keeping the shape, or scales it', () => {
    const d = applyChanges(base, [{ machine: 'p1', cycle: { seconds: 200 } }, { station: 'unloading', cycle: { factor: 0.5 } }]);
    expect(mean(d.stations[0]!.machines[0]!.cycle)).toBeCloseTo(200, 9);
    expect(d.stations[0]!.machines[0]!.cycle).toMatchObject({ type: 'lognormal', sigma: 0.1 });
    expect(d.stations[1]!.machines[0]!.cycle).toEqual({ type: 'normal', mean: 6, sd: 0.25 });
  });

  it('sweeps the number of machines from the changed line', () => {
    const s = parseScenario('line: streetlight\nsweep: { station: printing, parameter: machines, values: [1, 2, 4] }\n', 's.yaml');
    const designs = scenarioDesigns(base, s);
    expect(designs.map((d) => [d.name, d.design.stations[0]!.machines.length])).toEqual([
      ['printing machines = 1', 1],
      ['printing machines = 2', 2],
      ['printing machines = 4', 4],
    ]);
  });
});

describe('working time', () => {
  const h = 3600;
  it('lines a daily shift up with the start in its own clock', () => {
    // Thursday 14:00 at +01:00; shift 06:00–22:00 with a break 12:00–12:30.
    const c = workingCalendar({ shifts: [{ from: '06:00', to: '22:00' }], breaks: [{ from: '12:00', to: '12:30' }], stops: [] }, Date.parse('2026-12-03T13:00:00Z'), 48 * h, '2026-12-03T14:00:00+01:00');
    expect(c).toEqual({ periodSeconds: 24 * h, working: [{ from: 0, to: 8 * h }, { from: 16 * h, to: 22 * h }, { from: 22.5 * h, to: 24 * h }] });
  });

  it('works only the given weekdays, and a shift past midnight', () => {
    // Monday 00:00 UTC; night shift 22:00–06:00 on Monday only: Monday 22:00 to Tuesday 06:00.
    const c = workingCalendar({ days: ['mon'], shifts: [{ from: '22:00', to: '06:00' }], breaks: [], stops: [] }, Date.parse('2026-11-30T00:00:00Z'), 24 * 7 * h);
    expect(c).toEqual({ periodSeconds: 7 * 24 * h, working: [{ from: 22 * h, to: 30 * h }] });
  });

  it('cuts one-off stops out, and recorded stops from an always-working window', () => {
    const start = Date.parse('2026-12-03T00:00:00Z');
    const c = workingCalendar({ shifts: [{ from: '00:00', to: '24:00' }], breaks: [], stops: [{ from: '2026-12-03T10:00:00Z', to: '2026-12-03T11:00:00Z' }] }, start, 30 * h);
    expect(c).toEqual({ periodSeconds: 30 * h, working: [{ from: 0, to: 10 * h }, { from: 11 * h, to: 30 * h }] });
    expect(stopsCalendar([[2 * h, 3 * h]], 8 * h)).toEqual({ periodSeconds: 8 * h, working: [{ from: 0, to: 2 * h }, { from: 3 * h, to: 8 * h }] });
    expect(stopsCalendar([], 8 * h)).toBeUndefined();
  });
});
