// Enforcement in one place: every route the server registers must have a row in the rule
// table (auth/rules.ts) or the server does not start; every request is checked against its
// row before anything else runs — who is asking (a bearer token, the login cookie, or an
// anonymous visitor), whether a cookie request comes from the gateway's own pages, whether the
// role is enough — and audited rows are recorded whatever the answer. Security headers and
// closed CORS are set up here too.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import { FieldlabError } from '../core/errors.ts';
import type { AuditTrail } from '../auth/audit-trail.ts';
import { NOBODY, SESSION_COOKIE, seesVisitorView, type AuthStore, type Identity } from '../auth/auth-store.ts';

export { SESSION_COOKIE };
import { knownHost, sameOrigin, type OriginPolicy } from '../auth/origin.ts';
import { satisfies } from '../auth/roles.ts';
import { routeRule, type Rule } from '../auth/rules.ts';


declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking, resolved by the auth hook before any handler. */
    identity: Identity;
    /** The row this request was checked against. */
    rule: Rule | undefined;
    /** Who an audit entry names when not the identity (the name a login tried). */
    auditAs: string | undefined;
    /** Set once the request's audit entry is written (a refusal writes it early). */
    audited: boolean;
  }
}

export interface AuthDeps {
  readonly store: AuthStore;
  readonly audit: AuditTrail;
  readonly origins: OriginPolicy;
  readonly corsOrigins: readonly string[];
}

/** Every route registered, as `METHOD url`, for the matrix test and for /api/… listings. */
export type RouteTable = { readonly method: string; readonly url: string }[];

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Registered before any route, so that its onRoute hook sees all of them. */
export async function installAuth(app: FastifyInstance, deps: AuthDeps): Promise<RouteTable> {
  const routes: RouteTable = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method === 'OPTIONS' && deps.corsOrigins.length > 0) continue; // CORS preflight, answered by @fastify/cors
      if (!routeRule(method, route.url)) throw new FieldlabError('FL_ROUTE_WITHOUT_RULE', { route: `${method} ${route.url}` });
      routes.push({ method, url: route.url });
    }
  });
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        // Textures and screenshots are blobs and data URLs; the socket is same-origin.
        'img-src': ["'self'", 'data:', 'blob:'],
        'worker-src': ["'self'", 'blob:'],
        // glTF models carry their buffers as data: URLs, which the loader fetches.
        'connect-src': ["'self'", 'data:', 'blob:'],
        // On plain HTTP in a fieldlab's network, upgrading would break every request.
        'upgrade-insecure-requests': deps.origins.tls ? [] : null,
      },
    },
    strictTransportSecurity: deps.origins.tls ? { maxAge: 15_552_000 } : false,
    crossOriginEmbedderPolicy: false,
  });
  if (deps.corsOrigins.length > 0) await app.register(fastifyCors, { origin: [...deps.corsOrigins], credentials: false });

  app.decorateRequest('identity', null as unknown as Identity);
  app.decorateRequest('rule', undefined);
  app.decorateRequest('auditAs', undefined);
  app.decorateRequest('audited', false);

  app.addHook('onRequest', async (req) => {
    const url = req.routeOptions.url;
    if (url === undefined) {
      req.identity = NOBODY;
      return; // no such route: the 404 handler answers
    }
    const rule = routeRule(req.method, url);
    if (!rule) throw new FieldlabError('FL_ROUTE_WITHOUT_RULE', { route: `${req.method} ${url}` });
    req.rule = rule;
    req.identity = NOBODY;
    try {
      req.identity = identify(req, deps.store);
    } catch (err) {
      refuse(req, deps.audit, 401);
      throw err;
    }
    // A cookie rides along by itself (unless a token speaks instead), so it is what CSRF abuses.
    const viaCookie = req.cookies[SESSION_COOKIE] !== undefined && req.identity.credential?.kind !== 'token';
    if (!SAFE.has(req.method)) {
      const origin = req.headers.origin;
      // A browser's change addressed to a name the gateway does not go by: a rebound DNS name, most likely.
      if ((viaCookie || origin !== undefined) && !knownHost(deps.origins, req.headers.host)) {
        refuse(req, deps.audit, 403);
        throw new FieldlabError('FL_UNKNOWN_HOST', { host: String(req.headers.host ?? '(none)').slice(0, 100) });
      }
      // A cookie request must say where it comes from (browsers always do on POST); any request naming a foreign origin is refused.
      if ((viaCookie && origin === undefined) || !sameOrigin(deps.origins, origin, req.headers.host)) {
        refuse(req, deps.audit, 403);
        throw new FieldlabError('FL_FOREIGN_ORIGIN', { origin: String(origin ?? '(none)').slice(0, 100) });
      }
    }
    if (!satisfies(req.identity.role, rule.need)) {
      const anonymous = req.identity.credential === null || req.identity.credential.kind === 'anonymous';
      refuse(req, deps.audit, anonymous ? 401 : 403);
      if (anonymous) throw new FieldlabError('FL_AUTH_REQUIRED', { need: rule.need });
      throw new FieldlabError('FL_FORBIDDEN', { need: rule.need, role: req.identity.role ?? 'nobody' });
    }
  });

  app.addHook('onResponse', async (req, reply) => {
    if (!req.rule?.audit || req.audited) return;
    deps.audit.record(entryOf(req, reply.statusCode < 400 ? 'ok' : 'failed', reply.statusCode));
  });
  return routes;
}

/** The request's identity (AuthStore.identify); a bearer token that does not check out is refused. */
export function identify(req: FastifyRequest, store: AuthStore): Identity {
  // Only Bearer is ours: a proxy's Basic credentials passed along are none of the gateway's business.
  const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const id = store.identify(token, req.cookies[SESSION_COOKIE]);
  if (!id) throw new FieldlabError('FL_AUTH_REQUIRED', { need: 'a valid API token' });
  return id;
}

function entryOf(req: FastifyRequest, outcome: 'ok' | 'refused' | 'failed', status: number) {
  return { action: req.rule!.audit!, outcome, user: req.auditAs ?? req.identity.user, role: req.identity.role, address: req.ip, target: `${req.method} ${req.url.split('?')[0]}`, status };
}

function refuse(req: FastifyRequest, audit: AuditTrail, status: number): void {
  if (!req.rule?.audit) return;
  audit.record(entryOf(req, 'refused', status));
  req.audited = true;
}

export function setSessionCookie(reply: FastifyReply, id: string, hours: number, tls: boolean): void {
  void reply.setCookie(SESSION_COOKIE, id, { httpOnly: true, sameSite: 'strict', secure: tls, path: '/', maxAge: Math.round(hours * 3600) });
}

export function clearSessionCookie(reply: FastifyReply, tls: boolean): void {
  void reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: tls, path: '/' });
}

/** Whether the request gets the visitors' view (the site's hidden values left out). */
export function isVisitor(req: FastifyRequest): boolean {
  return seesVisitorView(req.identity);
}
