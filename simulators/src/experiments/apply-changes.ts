// A scenario's changes applied to the calibrated line: machines added (a copy of an existing
// one, with its own random streams) or removed (from the station's end), cycle times set or
// scaled, buffers, failures, scrap, the calendar and the target. Times are changed by scaling
// the calibrated distribution, so its shape (the spread the record showed) is kept and, the
// samplers being inverse CDFs, the same random number gives the proportionally changed time:
// the baseline and the scenario stay paired draw by draw.
import { ConfigError } from '../../../device-profiles/schema/config-error.ts';
import { exponential, mean, type Distribution } from '../des/distributions.ts';
import type { MachineParams, StationParams } from '../des/line-params.ts';
import { sweepValues, type CalendarSpec, type Change, type Scenario, type Sweep } from './scenario.ts';

/** A line to simulate, before the horizon and the seed: stations, each machine's ideal cycle (for OEE), calendar, target. */
export interface Design {
  readonly stations: readonly StationParams[];
  readonly ideal: Readonly<Record<string, number | undefined>>;
  readonly calendar: CalendarSpec | undefined;
  readonly target: number | undefined;
}

export function scaleDistribution(d: Distribution, k: number): Distribution {
  switch (d.type) {
    case 'deterministic':
      return { type: 'deterministic', value: d.value * k };
    case 'exponential':
      return { type: 'exponential', mean: d.mean * k };
    case 'uniform':
      return { type: 'uniform', min: d.min * k, max: d.max * k };
    case 'triangular':
      return { type: 'triangular', min: d.min * k, mode: d.mode * k, max: d.max * k };
    case 'normal':
      return { type: 'normal', mean: d.mean * k, sd: d.sd * k, ...(d.min !== undefined && { min: d.min * k }), ...(d.max !== undefined && { max: d.max * k }) };
    case 'lognormal':
      return { type: 'lognormal', mu: d.mu + Math.log(k), sigma: d.sigma };
    case 'gamma':
      return { type: 'gamma', shape: d.shape, scale: d.scale * k };
    case 'weibull':
      return { type: 'weibull', shape: d.shape, scale: d.scale * k };
    case 'empirical':
      return { type: 'empirical', values: d.values.map((v) => v * k), ...(d.interpolate !== undefined && { interpolate: d.interpolate }) };
  }
}

/** A distribution with the given mean: the same shape scaled, or a fixed time where the mean was 0. */
function withMean(d: Distribution, seconds: number): Distribution {
  const m = mean(d);
  return m > 0 ? scaleDistribution(d, seconds / m) : { type: 'deterministic', value: seconds };
}

/** The design with the changes applied, in order. `source` names the scenario in errors. */
export function applyChanges(base: Design, changes: readonly Change[], source = 'scenario', pathPrefix = 'changes'): Design {
  let stations = base.stations.map((s) => ({ ...s, machines: [...s.machines] }));
  const ideal: Record<string, number | undefined> = { ...base.ideal };
  let calendar = base.calendar;
  let target = base.target;
  const fail = (path: string, message: string): never => {
    throw new ConfigError(source, [{ path, message }]);
  };
  changes.forEach((c, i) => {
    const at = `${pathPrefix}[${i}]`;
    const station = c.station !== undefined ? stations.find((s) => s.id === c.station) : undefined;
    if (c.station !== undefined && !station) fail(`${at}.station`, `unknown station "${c.station}"`);
    const onMachines = (f: (m: MachineParams) => MachineParams) => {
      stations = stations.map((s) => ({ ...s, machines: s.machines.map((m) => (station ? s === station : m.id === c.machine) ? f(m) : m) }));
      if (c.machine !== undefined && !stations.some((s) => s.machines.some((m) => m.id === c.machine))) fail(`${at}.machine`, `unknown machine "${c.machine}"`);
    };
    if (c.add !== undefined) {
      const like = c.like !== undefined ? station!.machines.find((m) => m.id === c.like) : station!.machines[0];
      if (!like) fail(`${at}.like`, `no machine "${c.like}" at station "${c.station}"`);
      for (let k = 0; k < c.add; k++) {
        let n = 1;
        while (stations.some((s) => s.machines.some((m) => m.id === `${like!.id}+${n}`))) n++;
        const id = `${like!.id}+${n}`;
        station!.machines.push({ ...like!, id });
        ideal[id] = ideal[like!.id];
      }
    } else if (c.remove !== undefined) {
      if (c.remove >= station!.machines.length) fail(`${at}.remove`, `station "${c.station}" has ${station!.machines.length} machines; expected at least one left`);
      station!.machines.splice(station!.machines.length - c.remove, c.remove);
    } else if (c.cycle) {
      const { seconds, factor } = c.cycle;
      onMachines((m) => ({ ...m, cycle: seconds !== undefined ? withMean(m.cycle, seconds) : scaleDistribution(m.cycle, factor!) }));
    } else if (c.buffer !== undefined) {
      if (stations[0] === station) fail(`${at}.buffer`, 'the first station is fed without limit; expected a later station');
      stations = stations.map((s) => (s === station ? { ...s, buffer: c.buffer } : s));
    } else if (c.failures) {
      const { betweenSeconds, repairSeconds } = c.failures;
      onMachines((m) => {
        if (!m.failures) {
          if (betweenSeconds === undefined || repairSeconds === undefined) fail(`${at}.failures`, `${m.id} has no failures in the calibrated model; expected both betweenSeconds and repairSeconds`);
          return { ...m, failures: { between: exponential(betweenSeconds!), repair: exponential(repairSeconds!) } };
        }
        return {
          ...m,
          failures: {
            between: betweenSeconds !== undefined ? withMean(m.failures.between, betweenSeconds) : m.failures.between,
            repair: repairSeconds !== undefined ? withMean(m.failures.repair, repairSeconds) : m.failures.repair,
          },
        };
      });
    } else if (c.scrap !== undefined) {
      stations = stations.map((s) => (s === station ? { ...s, scrap: c.scrap } : s));
    } else if (c.calendar) {
      calendar = c.calendar;
    } else if (c.target !== undefined) {
      target = c.target;
    }
  });
  return { stations, ideal, calendar, target };
}

/** One sweep value as a change, against the design it applies to (for `machines`: add or remove to reach the count). */
export function sweepChange(s: Sweep, value: number, design: Design): Change | undefined {
  const on = s.station !== undefined ? { station: s.station } : { machine: s.machine! };
  switch (s.parameter) {
    case 'machines': {
      const have = design.stations.find((st) => st.id === s.station)?.machines.length ?? 0;
      if (value === have) return undefined;
      return value > have ? { station: s.station!, add: value - have } : { station: s.station!, remove: have - value };
    }
    case 'cycleSeconds':
      return { ...on, cycle: { seconds: value } };
    case 'cycleFactor':
      return { ...on, cycle: { factor: value } };
    case 'buffer':
      return { station: s.station!, buffer: value };
    case 'scrap':
      return { station: s.station!, scrap: value };
    case 'betweenFailuresSeconds':
      return { ...on, failures: { betweenSeconds: value } };
    case 'repairSeconds':
      return { ...on, failures: { repairSeconds: value } };
  }
}

/** The scenarios a request asks for: the changes alone, or one per sweep value (changes first, then the sweep's). None: baseline only. */
export function scenarioDesigns(base: Design, scenario: Scenario, source = 'scenario'): { name: string; changes: Change[]; sweepValue: number | null; design: Design }[] {
  const changed = applyChanges(base, scenario.changes, source);
  if (!scenario.sweep) return scenario.changes.length === 0 ? [] : [{ name: scenario.name ?? 'scenario', changes: [...scenario.changes], sweepValue: null, design: changed }];
  const s = scenario.sweep;
  const what = s.station ?? s.machine!;
  return sweepValues(s).map((v) => {
    const change = sweepChange(s, v, changed);
    const design = change ? applyChanges(changed, [change], source, 'sweep') : changed;
    return { name: `${what} ${s.parameter} = ${v}`, changes: [...scenario.changes, ...(change ? [change] : [])], sweepValue: v, design };
  });
}
