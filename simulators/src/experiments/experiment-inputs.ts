// What an experiment's replications are run from: the calibrated baseline, one design per
// scenario and the run plan (horizon, start, seed, replications). One function, so that the
// experiment and a later trace of one of its replications cannot drift apart: both start
// from the same site, record and scenario, and calibration is pure.
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import type { Horizon } from '../des/line-params.ts';
import { siteLineParams } from '../des/site-line.ts';
import { scenarioDesigns, type Design } from './apply-changes.ts';
import { calibrate, type Calibration } from './calibrate.ts';
import { sha256Of } from './canonical-hash.ts';
import type { RecordedLine } from './recorded-line.ts';
import type { RunPlan } from './replicate.ts';
import type { Scenario } from './scenario.ts';
import { assertScenario } from './scenario-check.ts';

/** Four weeks: how long an `untilGood` horizon runs at most unless `maxHours` says. */
export const DEFAULT_MAX_HOURS = 672;

export interface ExperimentInputs {
  readonly calibration: Calibration;
  readonly baseDesign: Design;
  readonly designs: ReturnType<typeof scenarioDesigns>;
  readonly plan: RunPlan;
  readonly maxHours: number;
}

export function experimentInputs(site: SiteModel, recorded: RecordedLine, scenario: Scenario): ExperimentInputs {
  assertScenario(site, scenario, 'scenario');
  if (recorded.line !== scenario.line) throw new RangeError(`the record is of line "${recorded.line}", the scenario of "${scenario.line}"`);
  const calibration = calibrate(site, recorded, scenario.calibration.fit);
  const { params } = siteLineParams(site, { ...calibration.options, horizon: { seconds: 1 } });
  const ideal = Object.fromEntries(site.devices.filter((d) => d.line === scenario.line).map((d) => [d.id, d.profileDef.production?.idealCycleSeconds]));
  const baseDesign: Design = { stations: params.stations, ideal, calendar: scenario.calendar, target: scenario.target };
  const designs = scenarioDesigns(baseDesign, scenario);

  const h = scenario.horizon;
  const maxHours = h.maxHours ?? DEFAULT_MAX_HOURS;
  const horizon: Horizon = h.untilGood !== undefined ? { goodParts: h.untilGood, maxSeconds: maxHours * 3600 } : { seconds: h.hours! * 3600 };
  const startMs = scenario.start !== undefined ? Date.parse(scenario.start) : recorded.to;
  const plan: RunPlan = { horizon, startMs, startIso: scenario.start, seed: scenario.seed, replications: scenario.replications };
  return { calibration, baseDesign, designs, plan, maxHours };
}

/** The hash of everything the numbers depend on: the record, the scenario, and the line's stations, devices and their ideal cycles. */
export function experimentHash(site: SiteModel, recorded: RecordedLine, scenario: Scenario): string {
  const line = site.lines.find((l) => l.id === scenario.line);
  const devices = site.devices.filter((d) => d.line === scenario.line).map((d) => ({ id: d.id, station: d.station, profile: d.profileDef.id, ideal: d.profileDef.production?.idealCycleSeconds ?? null }));
  return sha256Of({ recorded, scenario, line: { id: line?.id, stations: line?.stations.map((s) => s.id) }, devices });
}
