// The HTTP server: health, metrics and the JSON API, with the twin viewer's files. Routes
// live in routes/, one file per area, each given the narrow part of the API it uses.
import { existsSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { GatewayApi } from '../core/gateway-api.ts';
import { installAuth, type RouteTable } from './auth-hooks.ts';
import { installErrorHandler } from './error-handler.ts';
import { authRoutes } from './routes/auth-routes.ts';
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
  /** Every route registered (each has a rule in auth/rules.ts, or the server would not have started). */
  readonly routes: RouteTable;
  close(): Promise<void>;
}

export interface HttpOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: { readonly certFile: string; readonly keyFile: string } | undefined;
  readonly corsOrigins: readonly string[];
  readonly trustProxy: boolean | readonly string[];
}

export interface AuthSettings {
  readonly sessionHours: number;
  readonly loginAttemptsPerMinute: number;
}

export async function startHttpServer(api: GatewayApi, options: HttpOptions, auth: AuthSettings): Promise<HttpServer> {
  const tls = options.tls && { cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) };
  // One type for both: the routes do not care which transport carries them.
  const trustProxy = typeof options.trustProxy === 'boolean' ? options.trustProxy : [...options.trustProxy];
  const app = (tls ? Fastify({ logger: false, https: tls, trustProxy }) : Fastify({ logger: false, trustProxy })) as unknown as FastifyInstance;
  installErrorHandler(app, api.figures.telemetry.log);
  const routes = await installAuth(app, { store: api.auth.store, audit: api.auth.audit, origins: api.auth.origins, corsOrigins: options.corsOrigins });
  authRoutes(app, api.auth.store, api.auth.audit, { tls: Boolean(tls), ...auth });
  healthRoutes(app, api.figures);
  siteRoutes(app, api.shopFloor, api.auth.visitors);
  alarmRoutes(app, api.shopFloor);
  seriesRoutes(app, api.shopFloor, api.auth.visitors);
  historyRoutes(app, api.shopFloor.site, api.history, api.auth.visitors);
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
  return { url: `${tls ? 'https' : 'http'}://${host}:${port}`, server: app.server as Server, routes, close: () => app.close() };
}
