// Calibration: what the line's record says, turned into the line model's inputs — per machine
// its cycle-time distribution (the empirical one, or a fitted one where asked), its failures
// and repairs, per station its scrap rate, and the recorded planned stops for the validation
// run. Where the record holds too few observations the profile's ideal value is used instead
// and the report says so, with why. Pure: the same record gives the same calibration.
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import { deterministic, exponential, mean as meanOf, type Distribution } from '../des/distributions.ts';
import { siteLineParams, type MachineOverrides, type SiteLineOptions } from '../des/site-line.ts';
import { sha256Of } from './canonical-hash.ts';
import { fitAll, type Family } from './fit.ts';
import type { RecordedLine, RecordedMachine } from './recorded-line.ts';
import type { FitChoice } from './scenario.ts';

/** Fewer cycles than this: the profile's ideal cycle time is used, marked assumed. */
export const MIN_CYCLES = 10;
/** Fewer repairs than this: repairs are drawn from an exponential with their mean, not resampled. */
export const MIN_REPAIRS = 10;
/** Fewer parts than this at a station: its scrap rate is assumed 0. */
export const MIN_PARTS = 10;

export interface CalibrationEntry {
  /** Where the value sits in the model, e.g. `machines.printer-01.cycle`, `stations.inspection.scrap`. */
  readonly parameter: string;
  /** A distribution (an empirical one summarised), a number, or null for "none". */
  readonly value: unknown;
  /** The mean of the value used, in its unit (seconds, or a probability). */
  readonly mean: number | null;
  /** How many observations the value rests on. */
  readonly observations: number;
  /** `recorded`: taken from the record; `fitted`: a distribution fitted to it; `assumed`: not from the record. */
  readonly source: 'recorded' | 'fitted' | 'assumed';
  readonly why?: string;
  /** For a cycle time: every family's fit, best AIC first. */
  readonly fits?: readonly { readonly family: Family; readonly aic: number; readonly qqError: number; readonly distribution: Distribution }[];
}

export interface CalibrationReport {
  readonly line: string;
  readonly from: string;
  readonly to: string;
  readonly series: string | null;
  readonly hours: number;
  readonly fit: FitChoice;
  readonly minimum: { readonly cycles: number; readonly repairs: number; readonly parts: number };
  readonly entries: readonly CalibrationEntry[];
  /** How many entries are assumed. */
  readonly assumed: number;
  readonly warnings: readonly string[];
  /** sha256 of the canonical JSON of the record and the fit choice: the calibration's input. */
  readonly hash: string;
}

export interface Calibration {
  /** For `siteLineParams`: the line, each machine's cycle and failures, each station's scrap. */
  readonly options: Pick<SiteLineOptions, 'line' | 'machines' | 'stations'>;
  readonly report: CalibrationReport;
  /** The record's planned stops, in seconds from the window's start. */
  readonly plannedStops: readonly [number, number][];
}

export function calibrate(site: SiteModel, recorded: RecordedLine, fit: FitChoice = 'empirical'): Calibration {
  const line = site.lines.find((l) => l.id === recorded.line);
  if (!line) throw new RangeError(`the record is of line "${recorded.line}", which ${site.file} does not have (lines: ${site.lines.map((l) => l.id).join(', ')})`);
  if (!(recorded.to > recorded.from)) throw new RangeError(`the calibration window is empty: from ${iso(recorded.from)} to ${iso(recorded.to)}`);
  const entries: CalibrationEntry[] = [];
  const warnings: string[] = [];
  const devices = site.devices.filter((d) => d.line === line.id);
  const byDevice = new Map(recorded.machines.map((m) => [m.device, m]));
  for (const m of recorded.machines) if (!devices.some((d) => d.id === m.device)) warnings.push(`the record has device "${m.device}", which is not on line ${line.id}; left out`);

  const machines: Record<string, MachineOverrides> = {};
  for (const d of devices) {
    const rec = byDevice.get(d.id);
    const ideal = d.profileDef.production?.idealCycleSeconds;
    const cycle = calibrateCycle(`machines.${d.id}.cycle`, rec?.cycles ?? [], ideal, d.profileDef.id, fit);
    entries.push(cycle.entry);
    const failures = calibrateFailures(d.id, rec);
    entries.push(...failures.entries);
    machines[d.id] = { cycle: cycle.distribution, failures: failures.failures };
  }

  const stations: Record<string, { scrap: number }> = {};
  for (const s of line.stations) {
    const recs = devices.filter((d) => d.station === s.id).flatMap((d) => byDevice.get(d.id) ?? []);
    const produced = recs.reduce((a, m) => a + m.produced, 0);
    const scrap = recs.reduce((a, m) => a + m.scrap, 0);
    const parameter = `stations.${s.id}.scrap`;
    if (produced >= MIN_PARTS) {
      stations[s.id] = { scrap: scrap / produced };
      entries.push({ parameter, value: scrap / produced, mean: scrap / produced, observations: produced, source: 'recorded' });
    } else {
      stations[s.id] = { scrap: 0 };
      entries.push({ parameter, value: 0, mean: 0, observations: produced, source: 'assumed', why: `${produced} parts counted at the station (< ${MIN_PARTS}): no scrap assumed` });
    }
  }

  // Buffers are not recorded: the site model's default, as siteLineParams assumes it.
  const options = { line: line.id, machines, stations };
  const { assumed } = siteLineParams(site, { ...options, horizon: { seconds: 1 } });
  for (const a of assumed) if (a.path.endsWith('.buffer')) entries.push({ parameter: a.path, value: a.value, mean: a.value as number, observations: 0, source: 'assumed', why: `buffers are not recorded; ${a.why}` });

  const plannedStops = recorded.plannedStops.map((s): [number, number] => [(s.from - recorded.from) / 1000, (s.to - recorded.from) / 1000]);
  return {
    options,
    plannedStops,
    report: {
      line: line.id,
      from: iso(recorded.from),
      to: iso(recorded.to),
      series: recorded.series,
      hours: (recorded.to - recorded.from) / 3.6e6,
      fit,
      minimum: { cycles: MIN_CYCLES, repairs: MIN_REPAIRS, parts: MIN_PARTS },
      entries,
      assumed: entries.filter((e) => e.source === 'assumed').length,
      warnings,
      hash: calibrationHash(recorded, fit),
    },
  };
}

export function calibrationHash(recorded: RecordedLine, fit: FitChoice): string {
  return sha256Of({ recorded, fit });
}

function calibrateCycle(parameter: string, cycles: readonly number[], ideal: number | undefined, profile: string, fit: FitChoice): { distribution: Distribution; entry: CalibrationEntry } {
  const n = cycles.length;
  if (n < MIN_CYCLES) {
    const value = ideal ?? 0;
    const why =
      ideal !== undefined
        ? `${n} cycles recorded (< ${MIN_CYCLES}): the ideal cycle time of profile ${profile}`
        : `${n} cycles recorded (< ${MIN_CYCLES}) and profile ${profile} has no ideal cycle time: taken as passing parts on at once`;
    return { distribution: deterministic(value), entry: { parameter, value: deterministic(value), mean: value, observations: n, source: 'assumed', why } };
  }
  const empirical: Distribution = { type: 'empirical', values: [...cycles] };
  if (fit === 'empirical') return { distribution: empirical, entry: { parameter, value: summary(cycles), mean: meanOf(empirical), observations: n, source: 'recorded' } };
  const fits = fitAll(cycles);
  const chosen = fit === 'best' ? fits[0] : fits.find((f) => f.family === fit);
  const listed = fits.map((f) => ({ family: f.family, aic: f.aic, qqError: f.qqError, distribution: f.distribution }));
  if (!chosen) {
    const why = fits.length === 0 ? 'every cycle the same, or too few to fit: the empirical distribution' : `${fit} does not fit these values (it needs positive times): the empirical distribution`;
    return { distribution: empirical, entry: { parameter, value: summary(cycles), mean: meanOf(empirical), observations: n, source: 'recorded', why, fits: listed } };
  }
  return { distribution: chosen.distribution, entry: { parameter, value: chosen.distribution, mean: meanOf(chosen.distribution), observations: n, source: 'fitted', why: `${chosen.family}, by maximum likelihood; Q–Q error ${(chosen.qqError * 100).toFixed(1)} % of the mean`, fits: listed } };
}

function calibrateFailures(id: string, rec: RecordedMachine | undefined): { failures: MachineOverrides['failures']; entries: CalibrationEntry[] } {
  const between = `machines.${id}.failures.between`;
  const repair = `machines.${id}.failures.repair`;
  const faults = Math.max(rec?.upBetweenFailures.length ?? 0, rec?.repairs.length ?? 0);
  const producing = rec?.seconds.producing ?? 0;
  if (!rec || faults === 0) {
    const why = rec ? `no fault recorded in ${(producing / 3600).toFixed(1)} h producing: no failures modelled` : 'the machine is not in the record: no failures modelled';
    return { failures: undefined, entries: [{ parameter: between, value: null, mean: null, observations: 0, source: 'assumed', why }] };
  }
  // Censoring-aware: the producing time after the last fault counts too (the exponential's
  // maximum-likelihood mean is the total operating time over the number of failures).
  const mtbf = Math.max(producing, rec.upBetweenFailures.reduce((a, b) => a + b, 0)) / faults;
  const entries: CalibrationEntry[] = [{ parameter: between, value: exponential(mtbf), mean: mtbf, observations: faults, source: 'recorded', why: `exponential: ${(producing / 3600).toFixed(1)} h producing over ${faults} faults` }];
  const repairs = rec.repairs;
  let repairDist: Distribution;
  if (repairs.length >= MIN_REPAIRS) {
    repairDist = { type: 'empirical', values: [...repairs] };
    entries.push({ parameter: repair, value: summary(repairs), mean: meanOf(repairDist), observations: repairs.length, source: 'recorded' });
  } else if (repairs.length > 0) {
    const m = repairs.reduce((a, b) => a + b, 0) / repairs.length;
    repairDist = exponential(m);
    entries.push({ parameter: repair, value: repairDist, mean: m, observations: repairs.length, source: 'recorded', why: `${repairs.length} repairs (< ${MIN_REPAIRS}): exponential with their mean` });
  } else {
    const m = rec.seconds.fault / faults;
    repairDist = exponential(m);
    entries.push({ parameter: repair, value: repairDist, mean: m, observations: 0, source: 'assumed', why: 'no fault ended in the window: the fault time so far over the faults, as an exponential mean' });
  }
  return { failures: { between: exponential(mtbf), repair: repairDist }, entries };
}

/** An empirical distribution as the report shows it: not every value, but what they say. */
function summary(values: readonly number[]): Record<string, unknown> {
  const s = Float64Array.from(values).sort();
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  const m = s.reduce((a, b) => a + b, 0) / s.length;
  const sd = Math.sqrt(s.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, s.length - 1));
  return { type: 'empirical', count: s.length, mean: m, sd, min: s[0], p5: q(0.05), p50: q(0.5), p95: q(0.95), max: s[s.length - 1] };
}

const iso = (ms: number) => new Date(ms).toISOString();
