// Health, metrics and a small JSON API over HTTP; the twin viewer is served from here too.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { Gateway } from '../runtime/gateway.ts';
import { z } from 'zod';
import type { AlarmInstance } from '../state/device-alarms.ts';
import { health } from './health.ts';
import { FieldlabError } from '../core/errors.ts';
import { installErrorHandler } from './error-handler.ts';
import { VIEWER_DIST, viewerBuilt } from './viewer.ts';

export interface HttpServer {
  readonly url: string;
  /** The node server, for the live hub's socket.io to share. */
  readonly server: import('node:http').Server;
  close(): Promise<void>;
}


const AckBody = z.strictObject({ by: z.string().trim().min(1).max(100) });
const SeriesBody = z.strictObject({
  product: z.string().trim().min(1).max(200),
  target: z.number().int().positive(),
  line: z.string().min(1),
  idealCycleSeconds: z.number().positive().optional(),
});

const PauseBody = z.strictObject({ reason: z.string().trim().min(1).max(200) });

/** A request body checked against its schema; a FieldlabError (400) saying what was expected otherwise. */
function parseBody<T>(schema: z.ZodType<T>, body: unknown, expected: string): T {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  throw new FieldlabError('FL_BAD_REQUEST', { expected, problems: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
}

/** Times as ISO strings for people and scripts. */
function alarmJson(a: AlarmInstance) {
  const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
  return { ...a, value: a.value ?? null, raisedAt: iso(a.raisedAt), clearedAt: iso(a.clearedAt), acknowledgedAt: iso(a.acknowledgedAt), acknowledgedBy: a.acknowledgedBy ?? null };
}

export async function startHttpServer(gateway: Gateway, options: { host: string; port: number }): Promise<HttpServer> {
  const app = Fastify({ logger: false });
  const { telemetry, site } = gateway;
  installErrorHandler(app, telemetry.log);

  app.get('/healthz', async (_req, reply) => {
    const report = health(gateway);
    return reply.code(report.status === 'ok' ? 200 : 503).send(report);
  });

  app.get('/metrics', async (_req, reply) => {
    return reply.type(telemetry.registry.contentType).send(await telemetry.registry.metrics());
  });

  app.get('/api/site', async () => ({
    site: site.site,
    lines: site.lines,
    devices: site.devices.map(({ profileDef, ...d }) => ({ ...d, kind: profileDef.kind, vendor: profileDef.vendor, model: profileDef.model })),
  }));

  app.get('/api/devices', async () => {
    const byId = new Map(site.devices.map((d) => [d.id, d]));
    return gateway.state.snapshot().map((s) => {
      const d = byId.get(s.id)!;
      const signals = d.profileDef.signals;
      return {
        ...s,
        name: d.name,
        kind: d.profileDef.kind,
        line: d.line,
        station: d.station,
        units: Object.fromEntries(Object.entries(signals).flatMap(([n, sig]) => (sig.unit ? [[n, sig.unit]] : []))),
        hasSource: Boolean(d.profileDef.mqtt),
      };
    });
  });

  app.get('/api/states', async () => gateway.machineStates.list(Date.now()));

  app.get('/api/alarms', async () => gateway.alarms.list().map(alarmJson));

  app.get('/api/series', async () => gateway.production.list(Date.now()));
  app.get<{ Params: { id: string } }>('/api/series/:id', async (req) => {
    const s = gateway.production.get(req.params.id, Date.now());
    if (!s) throw new FieldlabError('FL_SERIES_NOT_FOUND', { id: req.params.id });
    return s;
  });
  app.post('/api/series', async (req, reply) => {
    const body = parseBody(SeriesBody, req.body, '{"product": "...", "target": 100, "line": "<line id>"}');
    return reply.code(201).send(gateway.startSeries(body));
  });
  app.post<{ Params: { id: string } }>('/api/series/:id/stop', async (req) => gateway.stopSeries(req.params.id));
  app.post<{ Params: { id: string } }>('/api/series/:id/pause', async (req) => {
    const body = parseBody(PauseBody, req.body, '{"reason": "<why production stops: break, changeover, ...>"}');
    return gateway.pauseSeries(req.params.id, body.reason);
  });
  app.post<{ Params: { id: string } }>('/api/series/:id/resume', async (req) => gateway.resumeSeries(req.params.id));

  app.post<{ Params: { device: string; alarm: string } }>('/api/alarms/:device/:alarm/acknowledge', async (req) => {
    const body = parseBody(AckBody, req.body, 'a JSON body like {"by": "name of who acknowledges"}');
    const done = gateway.acknowledgeAlarm(req.params.device, req.params.alarm, body.by);
    if (!done) throw new FieldlabError('FL_ALARM_NOT_PENDING', { device: req.params.device, alarm: req.params.alarm });
    return alarmJson(done.alarm);
  });

  // glTF models named by profiles (twin.gltf: models/<file>), next to the profiles.
  const models = join(site.profilesDir, 'models');
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
