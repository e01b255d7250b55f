import type { FastifyInstance } from 'fastify';
import type { GatewayFigures } from '../../core/gateway-api.ts';
import { health } from '../health.ts';

/** /healthz (200 while data flows end to end, 503 with the problems otherwise) and /metrics for Prometheus. */
export function healthRoutes(app: FastifyInstance, figures: GatewayFigures): void {
  app.get('/healthz', async (_req, reply) => {
    const report = health(figures);
    return reply.code(report.status === 'ok' ? 200 : 503).send(report);
  });
  app.get('/metrics', async (_req, reply) => {
    const registry = figures.telemetry.registry;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
