// Health, metrics and a small JSON API over HTTP; the twin viewer is served from here too.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyReply } from 'fastify';
import { SeriesError } from '../state/site-production.ts';
import fastifyStatic from '@fastify/static';
import type { Gateway } from '../runtime/gateway.ts';
import { z } from 'zod';
import type { AlarmInstance } from '../state/alarms.ts';
import { health } from './health.ts';
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

function seriesCall<T>(reply: FastifyReply, call: () => T): T | FastifyReply {
  try {
    return call();
  } catch (err) {
    if (err instanceof SeriesError) return reply.code(err.status).send({ error: err.message });
    throw err;
  }
}

/** Times as ISO strings for people and scripts. */
function alarmJson(a: AlarmInstance) {
  const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
  return { ...a, value: a.value ?? null, raisedAt: iso(a.raisedAt), clearedAt: iso(a.clearedAt), acknowledgedAt: iso(a.acknowledgedAt), acknowledgedBy: a.acknowledgedBy ?? null };
}

export async function startHttpServer(gateway: Gateway, options: { host: string; port: number }): Promise<HttpServer> {
  const app = Fastify({ logger: false });
  const { telemetry, site } = gateway;

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
  app.get<{ Params: { id: string } }>('/api/series/:id', async (req, reply) => {
    const s = gateway.production.get(req.params.id, Date.now());
    return s ?? reply.code(404).send({ error: `no series "${req.params.id}"` });
  });
  app.post('/api/series', async (req, reply) => {
    const body = SeriesBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ error: `expected {"product": "...", "target": 100, "line": "<line id>"}: ${body.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}` });
    return seriesCall(reply, () => reply.code(201).send(gateway.startSeries(body.data)));
  });
  app.post<{ Params: { id: string } }>('/api/series/:id/stop', async (req, reply) => seriesCall(reply, () => gateway.stopSeries(req.params.id)));
  app.post<{ Params: { id: string } }>('/api/series/:id/pause', async (req, reply) => {
    const body = PauseBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ error: 'expected {"reason": "<why production stops: break, changeover, ...>"}' });
    return seriesCall(reply, () => gateway.pauseSeries(req.params.id, body.data.reason));
  });
  app.post<{ Params: { id: string } }>('/api/series/:id/resume', async (req, reply) => seriesCall(reply, () => gateway.resumeSeries(req.params.id)));

  app.post<{ Params: { device: string; alarm: string } }>('/api/alarms/:device/:alarm/acknowledge', async (req, reply) => {
    const body = AckBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ error: 'expected a JSON body like {"by": "name of who acknowledges"}' });
    const done = gateway.acknowledgeAlarm(req.params.device, req.params.alarm, body.data.by);
    if (!done) return reply.code(404).send({ error: `no alarm ${req.params.alarm} on ${req.params.device} waiting for acknowledgement` });
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
