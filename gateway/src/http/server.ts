// The HTTP server: health, metrics and the JSON API, with the twin viewer's files. Routes
// live in routes/, one file per area, each given the narrow part of the API it uses.
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import Fastify from 'fastify';
import fastifyStatic from '@fastify/static';
import type { GatewayApi } from '../core/gateway-api.ts';
import { installErrorHandler } from './error-handler.ts';
import { alarmRoutes } from './routes/alarm-routes.ts';
import { experimentRoutes } from './routes/experiment-routes.ts';
import { healthRoutes } from './routes/health-routes.ts';
import { historyRoutes } from './routes/history-routes.ts';
import { seriesRoutes } from './routes/series-routes.ts';
import { siteRoutes } from './routes/site-routes.ts';
import { VIEWER_DIST, viewerBuilt } from './viewer.ts';

export interface HttpServer {
  readonly url: string;
  /** The node server, for the live hub's socket.io to share. */
  readonly server: Server;
  close(): Promise<void>;
}

export async function startHttpServer(api: GatewayApi, options: { host: string; port: number }): Promise<HttpServer> {
  const app = Fastify({ logger: false });
  installErrorHandler(app, api.figures.telemetry.log);
  healthRoutes(app, api.figures);
  siteRoutes(app, api.shopFloor);
  alarmRoutes(app, api.shopFloor);
  seriesRoutes(app, api.shopFloor);
  historyRoutes(app, api.shopFloor.site, api.history);
  experimentRoutes(app, api.experiments);

  // glTF models named by profiles (twin.gltf: models/<file>), next to the profiles.
  const models = join(api.shopFloor.site.profilesDir, 'models');
  if (existsSync(models)) await app.register(fastifyStatic, { root: models, prefix: '/models/', decorateReply: false });
  if (viewerBuilt()) {
    await app.register(fastifyStatic, { root: VIEWER_DIST, prefix: '/' });
  } else {
    app.get('/', async (_req, reply) =>
      reply.type('text/html; charset=utf-8').send('<!doctype html><title>Fieldlab</title><p>The twin viewer is not built: run <code>npm run build</code>. <a href="/healthz">/healthz</a> · <a href="/api/devices">/api/devices</a></p>'),
    );
  }

  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  return { url: `http://${host}:${port}`, server: app.server, close: () => app.close() };
}
