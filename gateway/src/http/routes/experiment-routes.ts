// Virtual experiments: submit a scenario (202: it runs in the background), follow it, list,
// cancel. The scenario is checked before anything is queued (400 naming each wrong path);
// without InfluxDB or an engine every route answers 503.
import type { FastifyInstance } from 'fastify';
import { FieldlabError } from '../../core/errors.ts';
import type { ExperimentsApi } from '../../core/experiments.ts';

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
  app.delete<{ Params: { id: string } }>('/api/experiments/:id', async (req) => (await api().cancel(req.params.id)) ?? notFound(req.params.id));
}

function notFound(id: string): never {
  throw new FieldlabError('FL_EXPERIMENT_NOT_FOUND', { id: id.slice(0, 100) });
}

function unavailable(): never {
  throw new FieldlabError('FL_EXPERIMENTS_UNAVAILABLE', { why: 'this gateway has no experiments service' });
}
