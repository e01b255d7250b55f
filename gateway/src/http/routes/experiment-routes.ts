// Virtual experiments: submit a scenario (202: it runs in the background), follow it, list,
// cancel, trace one replication of a done one. The scenario is checked before anything is
// queued (400 naming each wrong path); without InfluxDB or an engine every route answers 503.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { FieldlabError } from '../../core/errors.ts';
import type { ExperimentsApi, TraceQuery } from '../../core/experiments.ts';

const count = z.string().regex(/^\d{1,6}$/, 'expected a whole number ≥ 0').transform(Number);
const seconds = z.string().regex(/^\d{1,10}(\.\d{1,6})?$/, 'expected simulated seconds ≥ 0').transform(Number);
const TraceQuerySchema = z.strictObject({ arm: z.enum(['baseline', 'scenario']).default('baseline'), scenario: count.optional(), replication: count.optional(), from: seconds.optional(), to: seconds.optional() });
const TRACE_EXPECTED = '?arm=baseline|scenario[&scenario=<k>][&replication=<i>][&from=<s>][&to=<s>]';

/** The trace's query, checked here; what needs the experiment (is there a replication i?) the engine checks. */
export function traceQueryOf(query: unknown): TraceQuery {
  const parsed = TraceQuerySchema.safeParse(query ?? {});
  if (!parsed.success) throw new FieldlabError('FL_BAD_REQUEST', { expected: TRACE_EXPECTED, problems: parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ') });
  const q = parsed.data;
  if (q.from !== undefined && q.to !== undefined && q.from > q.to) throw new FieldlabError('FL_TRACE_REQUEST', { problem: `from (${q.from} s) must not come after to (${q.to} s)` });
  return { arm: q.arm, scenario: q.arm === 'scenario' ? (q.scenario ?? 0) : undefined, replication: q.replication ?? 0, from: q.from, to: q.to };
}

export function experimentRoutes(app: FastifyInstance, experiments: ExperimentsApi | undefined): void {
  const api = () => experiments ?? unavailable();
  app.post('/api/experiments', async (req, reply) => {
    if (req.body === undefined || req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) {
      throw new FieldlabError('FL_SCENARIO_INVALID', { problems: 'scenario: expected a JSON object (content-type: application/json)' });
    }
    const summary = await api().submit(req.body);
    return reply.code(202).header('location', `/api/experiments/${summary.id}`).send(summary);
  });
  app.get('/api/experiments', async () => api().list());
  app.get<{ Params: { id: string } }>('/api/experiments/:id', async (req) => (await api().get(req.params.id)) ?? notFound(req.params.id));
  app.get<{ Params: { id: string } }>('/api/experiments/:id/trace', async (req) => {
    const query = traceQueryOf(req.query);
    return (await api().trace(req.params.id, query)) ?? notFound(req.params.id);
  });
  app.delete<{ Params: { id: string } }>('/api/experiments/:id', async (req) => (await api().cancel(req.params.id)) ?? notFound(req.params.id));
}

function notFound(id: string): never {
  throw new FieldlabError('FL_EXPERIMENT_NOT_FOUND', { id: id.slice(0, 100) });
}

function unavailable(): never {
  throw new FieldlabError('FL_EXPERIMENTS_UNAVAILABLE', { why: 'this gateway has no experiments service' });
}
