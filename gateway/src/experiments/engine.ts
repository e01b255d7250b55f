// The contract between the gateway and an experiment engine. The engine runs in a worker
// thread, so it is named by its module, which the worker imports; its scenario schema is
// checked here, at the edge, before anything is queued. The real engine is wired in one
// place, real-engine.ts; tests hand in engines of their own.
import type { z } from 'zod';
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import type { RecordedLine } from '../../../simulators/src/experiments/recorded-line.ts';
import { FieldlabError } from '../core/errors.ts';

export interface EngineHooks {
  /** 0..1 as the work goes on; called often (the worker passes on at most one per 1 % step or 100 ms). */
  progress?(fraction: number): void;
  signal?: AbortSignal;
}

/** What an engine module exports (simulators/src/experiments/run-experiment.ts). It may return its result or a promise of it; a throw fails the experiment. */
export interface EngineModule {
  runExperiment(site: SiteModel, recorded: RecordedLine, scenario: never, hooks?: EngineHooks): unknown;
  /**
   * Optional: one replication of a done experiment again, with its events, from the same
   * record and scenario (the request is the gateway's TraceQuery in the engine's words). An
   * engine without it answers no trace (503). A throw with `code` FL_TRACE_REQUEST: a 400.
   */
  traceReplication?(site: SiteModel, recorded: RecordedLine, scenario: never, request: unknown): unknown;
}

export interface ExperimentEngine {
  /** The module a worker imports (a .ts module: the worker loads tsx first). */
  readonly module: URL;
  /** The request body as the engine's scenario; a FieldlabError (FL_SCENARIO_INVALID) naming each wrong path. */
  parse(body: unknown, site: SiteModel): unknown;
}

/** An engine whose scenarios are checked by a zod schema; an optional check against the site follows (unknown stations, devices). */
export function engineFromSchema(module: URL, schema: z.ZodType, check?: (scenario: unknown, site: SiteModel) => void): ExperimentEngine {
  return {
    module,
    parse(body, site) {
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'scenario'}: ${i.message}`).join('; ');
        throw new FieldlabError('FL_SCENARIO_INVALID', { problems });
      }
      check?.(parsed.data, site);
      return parsed.data;
    },
  };
}
