// What a scenario asks of the site: the line, its stations and devices must exist, a station
// must keep at least one machine, a sweep's values must make sense for its parameter, times
// must run forwards. Pure; every problem with its path in the scenario, as the schema's are.
import type { ConfigProblem } from '../../../device-profiles/schema/config-error.ts';
import { ConfigError } from '../../../device-profiles/schema/config-error.ts';
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import { sweepValues, type CalendarSpec, type Scenario } from './scenario.ts';

export function checkScenario(site: SiteModel, scenario: Scenario): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const line = site.lines.find((l) => l.id === scenario.line);
  if (!line) {
    add('line', `unknown line "${scenario.line}" (lines: ${site.lines.map((l) => l.id).join(', ')})`);
    return problems;
  }
  const stations = line.stations.map((s) => s.id);
  const devices = site.devices.filter((d) => d.line === line.id);
  const count = new Map(stations.map((s) => [s, devices.filter((d) => d.station === s).length]));
  const knownStation = (path: string, id: string | undefined) => {
    if (id !== undefined && !count.has(id)) add(path, `unknown station "${id}" on line "${line.id}" (stations: ${stations.join(', ')})`);
    return id !== undefined && count.has(id);
  };
  const knownDevice = (path: string, id: string | undefined) => {
    if (id !== undefined && !devices.some((d) => d.id === id)) add(path, `unknown device "${id}" on line "${line.id}" (devices: ${devices.map((d) => d.id).join(', ')})`);
  };

  scenario.changes.forEach((c, i) => {
    const at = `changes[${i}]`;
    const stationOk = knownStation(`${at}.station`, c.station);
    knownDevice(`${at}.machine`, c.machine);
    if (c.like !== undefined) {
      const like = devices.find((d) => d.id === c.like);
      if (!like) knownDevice(`${at}.like`, c.like);
      else if (stationOk && like.station !== c.station) add(`${at}.like`, `"${c.like}" is at station "${like.station}", not "${c.station}"; expected a device of the station it is added to`);
    }
    if (stationOk && c.add !== undefined) count.set(c.station!, count.get(c.station!)! + c.add);
    if (stationOk && c.remove !== undefined) {
      const left = count.get(c.station!)! - c.remove;
      if (left < 1) add(`${at}.remove`, `station "${c.station}" would have ${left} machines; expected at least one left (it has ${count.get(c.station!)} here)`);
      count.set(c.station!, Math.max(1, left));
    }
    if (c.buffer !== undefined && c.station === stations[0]) add(`${at}.buffer`, `"${c.station}" is the line's first station, fed without limit; expected a later station`);
    if (c.calendar) checkCalendar(`${at}.calendar`, c.calendar, add);
  });

  const s = scenario.sweep;
  if (s) {
    knownStation('sweep.station', s.station);
    knownDevice('sweep.machine', s.machine);
    const values = sweepValues(s);
    const bad = (ok: (v: number) => boolean, expected: string) => {
      const i = values.findIndex((v) => !ok(v));
      if (i >= 0) add(s.values ? `sweep.values[${i}]` : 'sweep', `${values[i]} is not a valid ${s.parameter}; expected ${expected}`);
    };
    if (s.parameter === 'machines') {
      if (s.station === undefined) add('sweep.machine', 'the number of machines is a station\'s; expected a station');
      bad((v) => Number.isInteger(v) && v >= 1 && v <= 200, 'a whole number of machines from 1 to 200');
    } else if (s.parameter === 'buffer') {
      if (s.station === undefined) add('sweep.machine', 'a buffer is a station\'s; expected a station');
      else if (s.station === stations[0]) add('sweep.station', `"${s.station}" is the line's first station, fed without limit; expected a later station`);
      bad((v) => Number.isInteger(v) && v >= 0, 'a whole number ≥ 0');
    } else if (s.parameter === 'scrap') {
      if (s.station === undefined) add('sweep.machine', 'scrap is a station\'s; expected a station');
      bad((v) => v >= 0 && v <= 1, 'a probability in [0, 1]');
    } else {
      bad((v) => v > 0 && Number.isFinite(v), 'a number > 0');
    }
  }

  const { from, to } = scenario.calibration;
  if (from !== undefined && to !== undefined && !(Date.parse(from) < Date.parse(to))) add('calibration.to', `expected a time after calibration.from (${from})`);
  if (scenario.calendar) checkCalendar('calendar', scenario.calendar, add);
  return problems;
}

/** Throws a `ConfigError` naming `file` if the scenario does not fit the site. */
export function assertScenario(site: SiteModel, scenario: Scenario, file: string): void {
  const problems = checkScenario(site, scenario);
  if (problems.length > 0) throw new ConfigError(file, problems);
}

function checkCalendar(at: string, c: CalendarSpec, add: (path: string, message: string) => void): void {
  c.shifts.forEach((w, i) => {
    if (w.from === w.to) add(`${at}.shifts[${i}]`, `expected from ≠ to (a shift of 24 h is 00:00 to 24:00)`);
  });
  c.breaks.forEach((w, i) => {
    if (w.from === w.to) add(`${at}.breaks[${i}]`, 'expected from ≠ to');
  });
  c.stops.forEach((w, i) => {
    if (!(Date.parse(w.from) < Date.parse(w.to))) add(`${at}.stops[${i}].to`, `expected a time after from (${w.from})`);
  });
}
