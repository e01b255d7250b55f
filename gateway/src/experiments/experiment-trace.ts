// An engine's trace of one replication as the API answers it: its flat events as
// `[t, kind, index, value]` tuples, times rounded to the millisecond (the viewer's clock; the
// rounding keeps their order). What crosses from the worker is checked in outline only: the
// engine is ours, and a wrong shape is a defect (500), not the caller's mistake.
import { FieldlabError } from '../core/errors.ts';
import type { ExperimentTrace, TraceKind, TraceQuery } from '../core/experiments.ts';

/** What the engine's `traceReplication` is asked (simulators/src/experiments/trace-replication.ts). */
export function engineTraceRequest(q: TraceQuery): Record<string, unknown> {
  return { arm: q.arm, scenario: q.scenario, replication: q.replication, fromSeconds: q.from, toSeconds: q.to };
}

type EngineTrace = Omit<ExperimentTrace, 'experiment' | 'line' | 'events' | 'warnings'> & { readonly events: Float64Array };

/** `resultHash`: the inputHash of the experiment's result, which the trace's must match to be that run. */
export function traceAnswer(experiment: { readonly id: string; readonly line: string }, result: unknown, resultHash: unknown): ExperimentTrace {
  const t = result as EngineTrace;
  if (typeof t !== 'object' || t === null || !(t.events instanceof Float64Array) || t.events.length % 4 !== 0 || !Array.isArray(t.machines)) {
    throw new FieldlabError('FL_EXPERIMENT_FAILED', { message: 'the engine answered a trace of an unexpected shape' });
  }
  const flat = t.events;
  const events = new Array<readonly [number, TraceKind, number, number]>(flat.length / 4);
  for (let i = 0, j = 0; j < flat.length; i++, j += 4) events[i] = [Math.round(flat[j]! * 1000) / 1000, flat[j + 1]! as TraceKind, flat[j + 2]!, flat[j + 3]!];
  const { arm, scenario, name, replication, seed, start, horizonSeconds, warmupSeconds, inputHash, window, machines, stations, states, truncated, counts } = t;
  const warnings = typeof resultHash === 'string' && resultHash !== inputHash ? ['the site, its line or its profiles changed since the experiment ran: this run is not the replication its result counted'] : [];
  return { experiment: experiment.id, line: experiment.line, arm, scenario, name, replication, seed, start, horizonSeconds, warmupSeconds, inputHash, warnings, window, machines, stations, states, events, truncated, counts };
}
