// A line model from the site file: the line's stations in the order the site declares them,
// the devices at each station as its parallel machines, each machine's cycle time the ideal
// one of its profile (`production.idealCycleSeconds`, a fixed time) unless the options give
// another. What the site does not say (buffer sizes, failures, scrap, setups, the calendar)
// comes from the options, or a stated default; every value not given by the options is
// listed as assumed, so that a report can say which figures rest on what.
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import { deterministic, type Distribution } from './distributions.ts';
import type { CalendarParams, Horizon, LineParams, MachineParams, StationParams } from './line-params.ts';

export interface SiteLineOptions {
  /** The line's id; default: the site's first line. */
  readonly line?: string | undefined;
  /** Per device id: what replaces or adds to the site's values. */
  readonly machines?: Readonly<Record<string, MachineOverrides>> | undefined;
  /** Per station id: its buffer (places in front of it) and scrap rate. */
  readonly stations?: Readonly<Record<string, { readonly buffer?: number; readonly scrap?: number }>> | undefined;
  /** Buffer places where `stations` gives none. Default 2. */
  readonly defaultBuffer?: number | undefined;
  readonly arrivals?: Distribution | undefined;
  readonly calendar?: CalendarParams | undefined;
  readonly horizon: Horizon;
  readonly warmupSeconds?: number | undefined;
  /** Default: the site's seed. */
  readonly seed?: number | undefined;
  readonly sliceSeconds?: number | undefined;
}

export interface MachineOverrides {
  readonly cycle?: Distribution | undefined;
  readonly failures?: MachineParams['failures'];
  readonly setup?: Distribution | undefined;
}

/** A value the model uses that nobody measured or gave: where it sits in the parameters, and why it is what it is. */
export interface Assumption {
  readonly path: string;
  readonly value: unknown;
  readonly why: string;
}

export const DEFAULT_BUFFER = 2;

export function siteLineParams(site: SiteModel, options: SiteLineOptions): { params: LineParams; assumed: Assumption[] } {
  const line = options.line === undefined ? site.lines[0] : site.lines.find((l) => l.id === options.line);
  if (!line) throw new RangeError(`no line ${options.line ?? ''} in ${site.file} (lines: ${site.lines.map((l) => l.id).join(', ') || 'none'})`);
  const assumed: Assumption[] = [];
  const problems: string[] = [];
  const known = new Set(site.devices.filter((d) => d.line === line.id).map((d) => d.id));
  for (const id of Object.keys(options.machines ?? {})) if (!known.has(id)) problems.push(`machines.${id}: no device ${id} on line ${line.id}`);
  const stationIds = new Set(line.stations.map((s) => s.id));
  for (const id of Object.keys(options.stations ?? {})) if (!stationIds.has(id)) problems.push(`stations.${id}: no station ${id} on line ${line.id}`);

  const stations = line.stations.map((station, i): StationParams => {
    const devices = site.devices.filter((d) => d.line === line.id && d.station === station.id);
    if (devices.length === 0) problems.push(`station ${station.id} has no device`);
    const machines = devices.map((d): MachineParams => {
      const given = options.machines?.[d.id] ?? {};
      let cycle = given.cycle;
      if (!cycle) {
        const ideal = d.profileDef.production?.idealCycleSeconds;
        if (ideal === undefined) {
          problems.push(`${d.id}: profile ${d.profileDef.id} has no production.idealCycleSeconds; give machines["${d.id}"].cycle`);
          cycle = deterministic(1);
        } else {
          cycle = deterministic(ideal);
          assumed.push({ path: `machines.${d.id}.cycle`, value: cycle, why: `the ideal cycle time of profile ${d.profileDef.id}` });
        }
      }
      return { id: d.id, cycle, failures: given.failures, setup: given.setup };
    });
    const own = options.stations?.[station.id];
    let buffer = own?.buffer;
    if (i > 0 && buffer === undefined) {
      buffer = options.defaultBuffer ?? DEFAULT_BUFFER;
      assumed.push({ path: `stations.${station.id}.buffer`, value: buffer, why: options.defaultBuffer === undefined ? 'not in the site file; the default' : 'the default buffer given' });
    }
    return { id: station.id, machines, buffer, scrap: own?.scrap };
  });
  if (problems.length > 0) throw new RangeError(`line ${line.id} of ${site.file}:\n  ${problems.join('\n  ')}`);
  return {
    params: {
      stations,
      arrivals: options.arrivals,
      calendar: options.calendar,
      horizon: options.horizon,
      warmupSeconds: options.warmupSeconds,
      seed: options.seed ?? site.site.seed,
      sliceSeconds: options.sliceSeconds,
    },
    assumed,
  };
}
