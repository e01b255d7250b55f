// One replication of one arm of an experiment, run again with its events kept, for playing it
// in the twin. Run from the experiment's own inputs (`experiment-inputs.ts`: the same
// calibration, designs, plan and replication seed), so it is that replication, event for
// event: its good parts are the ones the experiment counted. Only the window asked for is
// kept, and the run stops at the window's end (the streams are named per machine and
// station, so stopping early changes nothing before it).
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import type { LineParams } from '../des/line-params.ts';
import { traceLine } from '../des/line-model.ts';
import { LineTrace } from '../des/line-trace.ts';
import { MACHINE_STATES } from '../des/machine-states.ts';
import { experimentHash, experimentInputs } from './experiment-inputs.ts';
import type { RecordedLine } from './recorded-line.ts';
import { horizonSeconds, lineParams } from './replicate.ts';
import type { Scenario } from './scenario.ts';

/** A trace covers at most four weeks of simulated time (a week of the demo line is ~30,000 events, ~25 ms). */
export const MAX_TRACE_SECONDS = 28 * 86_400;
export const DEFAULT_MAX_EVENTS = 200_000;

export interface TraceRequest {
  readonly arm: 'baseline' | 'scenario';
  /** Which scenario (sweep value), 0-based; default 0. Ignored for the baseline. */
  readonly scenario?: number | undefined;
  /** 0-based; default 0. */
  readonly replication?: number | undefined;
  /** The window kept, simulated seconds from t = 0; default the whole horizon (at most MAX_TRACE_SECONDS). */
  readonly fromSeconds?: number | undefined;
  readonly toSeconds?: number | undefined;
  readonly maxEvents?: number | undefined;
}

export interface ReplicationTrace {
  readonly arm: 'baseline' | 'scenario';
  readonly scenario: number | null;
  readonly name: string;
  readonly replication: number;
  /** The replication's seed: the same for the baseline and every scenario (common random numbers). */
  readonly seed: number;
  /** The instant t = 0 stands for (the result's `start`). */
  readonly start: string;
  readonly horizonSeconds: number;
  readonly warmupSeconds: number;
  /** The experiment's inputHash as it is now: another than the result's, and the site changed since (not that run). */
  readonly inputHash: string;
  /** The window the events cover; it ends where the run did (a target horizon: at the target's last good part). */
  readonly window: { readonly fromSeconds: number; readonly toSeconds: number };
  /** In the model's order: an event's machine index points here. `added`: a machine the scenario added. */
  readonly machines: readonly { readonly id: string; readonly station: string; readonly added: boolean }[];
  /** In line order; `buffer`: places in front of the station, null: unlimited (the first station's always). */
  readonly stations: readonly { readonly id: string; readonly buffer: number | null }[];
  readonly states: typeof MACHINE_STATES;
  /** Flat: t, kind, index, value, … (kinds in line-trace.ts: TRACE_STATE, TRACE_BUFFER, TRACE_GOOD, TRACE_SCRAP). */
  readonly events: Float64Array;
  readonly truncated: boolean;
  /** Good parts and scrap per station from t = 0, at the window's start and at its end (whatever the cap). */
  readonly counts: { readonly from: TraceCounts; readonly to: TraceCounts };
}

export interface TraceCounts {
  readonly good: number;
  readonly scrap: readonly number[];
}

/** A trace asked for that the experiment cannot give (no such arm or replication, a window outside the run). */
export class TraceRequestError extends Error {
  readonly code = 'FL_TRACE_REQUEST';
  constructor(message: string) {
    super(message);
    this.name = 'TraceRequestError';
  }
}

export function traceReplication(site: SiteModel, recorded: RecordedLine, scenario: Scenario, request: TraceRequest): ReplicationTrace {
  const fail = (why: string): never => {
    throw new TraceRequestError(why);
  };
  const { baseDesign, designs, plan } = experimentInputs(site, recorded, scenario);
  const k = request.arm === 'scenario' ? (request.scenario ?? 0) : null;
  if (k !== null && !(Number.isInteger(k) && k >= 0 && k < designs.length)) {
    fail(designs.length === 0 ? 'this experiment has a baseline only; expected arm=baseline' : `scenario: expected 0 to ${designs.length - 1}, not ${k}`);
  }
  const replication = request.replication ?? 0;
  if (!(Number.isInteger(replication) && replication >= 0 && replication < plan.replications)) fail(`replication: expected 0 to ${plan.replications - 1}, not ${replication}`);
  const design = k === null ? baseDesign : designs[k]!.design;
  const params = lineParams(design, plan, replication);

  const horizon = horizonSeconds(plan.horizon);
  const end = Math.min(horizon, MAX_TRACE_SECONDS);
  const from = request.fromSeconds ?? 0;
  const to = Math.min(request.toSeconds ?? end, end);
  if (!(from >= 0)) fail(`from: expected seconds ≥ 0, not ${from}`);
  if (!(to > 0)) fail(`to: expected seconds > 0, not ${to}`);
  if (!(from <= to)) fail(`from (${from} s) must not come after to (${to} s; a trace ends by ${end} s${horizon > end ? `, ${MAX_TRACE_SECONDS / 86_400} days` : ', the horizon'})`);
  const maxEvents = request.maxEvents ?? DEFAULT_MAX_EVENTS;

  const machines = params.stations.flatMap((s) => s.machines.map((m) => ({ id: m.id, station: s.id })));
  const stations = params.stations.length;
  const trace = new LineTrace(machines.length, stations, { from, to, maxEvents });
  // A target horizon may end the run before `to`: the window ends where the run did.
  const ended = traceLine(until(params, to), trace).recorder.to;

  const base = new Set(baseDesign.stations.flatMap((s) => s.machines.map((m) => m.id)));
  return {
    arm: request.arm,
    scenario: k,
    name: k === null ? 'baseline' : designs[k]!.name,
    replication,
    seed: params.seed,
    start: new Date(plan.startMs).toISOString(),
    horizonSeconds: horizon,
    warmupSeconds: params.warmupSeconds ?? 0,
    inputHash: experimentHash(site, recorded, scenario),
    window: { fromSeconds: from, toSeconds: Math.min(to, ended) },
    machines: machines.map((m) => ({ ...m, added: !base.has(m.id) })),
    stations: params.stations.map((s, i) => ({ id: s.id, buffer: i === 0 || s.buffer === undefined || !Number.isFinite(s.buffer) ? null : s.buffer })),
    states: MACHINE_STATES,
    events: trace.events.toArray(),
    truncated: trace.truncated,
    counts: { from: { good: trace.goodBefore, scrap: [...trace.scrapBefore] }, to: { good: trace.good, scrap: [...trace.scrap] } },
  };
}

/** The run stopped at `to`: the same events up to there (a target horizon still stops at its target). */
function until(p: LineParams, to: number): LineParams {
  const h = p.horizon;
  if ('seconds' in h) return to >= h.seconds ? p : { ...p, horizon: { seconds: to } };
  return to >= h.maxSeconds ? p : { ...p, horizon: { goodParts: h.goodParts, maxSeconds: to } };
}
