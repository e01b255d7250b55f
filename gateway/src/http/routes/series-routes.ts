import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { FieldlabError } from '../../core/errors.ts';
import type { GatewayCommands, GatewayReads } from '../../core/gateway-api.ts';
import type { VisitorView } from '../../auth/visitor-view.ts';
import { isVisitor } from '../auth-hooks.ts';
import { parseBody } from '../parse-body.ts';

const SeriesBody = z.strictObject({
  product: z.string().trim().min(1).max(200),
  target: z.number().int().positive(),
  line: z.string().min(1),
  idealCycleSeconds: z.number().positive().optional(),
});
const PauseBody = z.strictObject({ reason: z.string().trim().min(1).max(200) });

/** Production series: list, one, and start / planned stop / resume / stop. */
export function seriesRoutes(app: FastifyInstance, api: GatewayReads & GatewayCommands, visitors: VisitorView): void {
  app.get('/api/series', async (req) => (isVisitor(req) ? api.listSeries().map((s) => visitors.series(s)) : api.listSeries()));
  app.get<{ Params: { id: string } }>('/api/series/:id', async (req) => {
    const s = api.getSeries(req.params.id);
    if (!s) throw new FieldlabError('FL_SERIES_NOT_FOUND', { id: req.params.id });
    return isVisitor(req) ? visitors.series(s) : s;
  });
  app.post('/api/series', async (req, reply) => {
    const body = parseBody(SeriesBody, req.body, '{"product": "...", "target": 100, "line": "<line id>"}');
    return reply.code(201).send(api.startSeries(body));
  });
  app.post<{ Params: { id: string } }>('/api/series/:id/stop', async (req) => api.stopSeries(req.params.id));
  app.post<{ Params: { id: string } }>('/api/series/:id/pause', async (req) => {
    const body = parseBody(PauseBody, req.body, '{"reason": "<why production stops: break, changeover, ...>"}');
    return api.pauseSeries(req.params.id, body.reason);
  });
  app.post<{ Params: { id: string } }>('/api/series/:id/resume', async (req) => api.resumeSeries(req.params.id));
}
