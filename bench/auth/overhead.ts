// What the login layer costs a request: the same route (GET /api/devices, the site's devices
// with their latest values) on two Fastify servers side by side in this process, one bare (a
// visitor by fiat), one with the gateway's auth hooks (rule table, cookie and token parsing,
// Origin checks, helmet's headers); alternated rounds, median of the per-round ratios. Also a
// login's cost (the scrypt hash) and a request with a session cookie and with a bearer token.
import { pino } from 'pino';
import Fastify, { type FastifyInstance } from 'fastify';
import { AuditTrail } from '../../gateway/src/auth/audit-trail.ts';
import { AuthStore } from '../../gateway/src/auth/auth-store.ts';
import { originPolicy } from '../../gateway/src/auth/origin.ts';
import { VisitorView } from '../../gateway/src/auth/visitor-view.ts';
import { addToken, addUser } from '../../gateway/src/auth/user-admin.ts';
import { installAuth } from '../../gateway/src/http/auth-hooks.ts';
import { installErrorHandler } from '../../gateway/src/http/error-handler.ts';
import { authRoutes } from '../../gateway/src/http/routes/auth-routes.ts';
import { siteRoutes } from '../../gateway/src/http/routes/site-routes.ts';
import { loadSite } from '../../device-profiles/schema/load.ts';
import type { GatewayReads } from '../../gateway/src/core/gateway-api.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AuthOverheadResult {
  readonly requestsPerRound: number;
  readonly concurrency: number;
  /** Mean ms per request, each round: bare, with auth (anonymous), with a session cookie, with a token. */
  readonly bareMs: number[];
  readonly anonymousMs: number[];
  readonly cookieMs: number[];
  readonly tokenMs: number[];
  readonly medianRatio: { anonymous: number; cookie: number; token: number };
  readonly loginMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function round(url: string, n: number, concurrency: number, headers: Record<string, string>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < n) {
        const res = await fetch(`${url}/api/devices`, { headers });
        if (res.status !== 200) throw new Error(`answered ${res.status}`);
        await res.arrayBuffer();
      }
    }),
  );
  return (performance.now() - started) / n;
}

export async function benchAuthOverhead(options: { requests: number; rounds: number; concurrency?: number }): Promise<AuthOverheadResult> {
  const concurrency = options.concurrency ?? 16;
  const site = loadSite();
  const log = pino({ level: 'silent' });
  const reads: GatewayReads = {
    site,
    listDevices: () => site.devices.map((d, i) => ({ id: d.id, values: { nozzle_temp: 200 + i, progress: 42.5, job_state: 'RUNNING' }, lastSeen: Date.now(), messages: 100 })),
    listMachineStates: () => [],
    listAlarms: () => [],
    listSeries: () => [],
    getSeries: () => undefined,
  };
  const visitors = new VisitorView(site);
  const file = join(mkdtempSync(join(tmpdir(), 'fieldlab-bench-auth-')), 'users.json');
  await addUser(file, 'ana', 'engineer', 'bench-password-1');
  const token = addToken(file, 'bench', 'engineer', 'bench').secret;
  const store = new AuthStore({ usersFile: file, anonymous: 'visitor', sessionHours: 1 }, log);
  store.open();
  const audit = new AuditTrail(site.site.id, () => {}, undefined);

  const bare = Fastify({ logger: false });
  installErrorHandler(bare, log);
  bare.decorateRequest('identity', null as never);
  bare.addHook('onRequest', async (req) => void (req.identity = store.anonymous()));
  siteRoutes(bare, reads, visitors);

  const guarded: FastifyInstance = Fastify({ logger: false });
  installErrorHandler(guarded, log);
  await installAuth(guarded, { store, audit, origins: originPolicy(false, []), corsOrigins: [] });
  authRoutes(guarded, store, audit, { tls: false, sessionHours: 1, loginAttemptsPerMinute: 1000 });
  siteRoutes(guarded, reads, visitors);

  const urls = await Promise.all([bare, guarded].map(async (app) => `http://127.0.0.1:${((await app.listen({ host: '127.0.0.1', port: 0 })) && (app.server.address() as { port: number }).port)}`));
  const [bareUrl, guardedUrl] = urls as [string, string];
  try {
    const t0 = performance.now();
    const logins = 5;
    let cookie = '';
    for (let i = 0; i < logins; i++) {
      const res = await fetch(`${guardedUrl}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'ana', password: 'bench-password-1' }) });
      cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
    }
    const loginMs = (performance.now() - t0) / logins;
    // Warm both up before measuring.
    await round(bareUrl, 500, concurrency, {});
    await round(guardedUrl, 500, concurrency, {});
    const r = { bareMs: [] as number[], anonymousMs: [] as number[], cookieMs: [] as number[], tokenMs: [] as number[] };
    for (let i = 0; i < options.rounds; i++) {
      r.bareMs.push(await round(bareUrl, options.requests, concurrency, {}));
      r.anonymousMs.push(await round(guardedUrl, options.requests, concurrency, {}));
      r.cookieMs.push(await round(guardedUrl, options.requests, concurrency, { cookie }));
      r.tokenMs.push(await round(guardedUrl, options.requests, concurrency, { authorization: `Bearer ${token}` }));
    }
    const ratio = (xs: number[]) => median(xs.map((x, i) => x / r.bareMs[i]!));
    return { requestsPerRound: options.requests, concurrency, ...r, medianRatio: { anonymous: ratio(r.anonymousMs), cookie: ratio(r.cookieMs), token: ratio(r.tokenMs) }, loginMs };
  } finally {
    store.close();
    await Promise.all([bare.close(), guarded.close()]);
  }
}
