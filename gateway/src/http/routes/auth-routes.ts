// Logging in and out, who am I, and the admin's lists: users (managed with `fieldlab users`),
// API tokens (made and revoked here or by the CLI), the audit trail.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { FieldlabError } from '../../core/errors.ts';
import type { AuditTrail } from '../../auth/audit-trail.ts';
import type { AuthStore } from '../../auth/auth-store.ts';
import { ROLES } from '../../auth/roles.ts';
import { mayOf } from '../../auth/rules.ts';
import { isValidName } from '../../auth/users-file.ts';
import { clearSessionCookie, SESSION_COOKIE, setSessionCookie } from '../auth-hooks.ts';
import { parseBody } from '../parse-body.ts';
import { parseTime } from './history-routes.ts';

const LoginBody = z.strictObject({ user: z.string().min(1).max(64), password: z.string().min(1).max(1024) });
const TokenBody = z.strictObject({ name: z.string().refine(isValidName, 'expected a name of letters, digits and . _ @ - (at most 64)'), role: z.enum(ROLES) });
const AuditQuery = z.strictObject({ from: z.string().max(40).optional(), to: z.string().max(40).optional(), limit: z.string().regex(/^\d{1,4}$/).optional() });

/** An IPv6 caller owns its whole /64: counted as one, or it would try from a new address each time. */
export function addressKey(ip: string): string {
  if (!ip.includes(':') || ip.startsWith('::ffff:')) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const full = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${full.slice(0, 4).map((h) => h.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export interface AuthRouteOptions {
  readonly tls: boolean;
  readonly sessionHours: number;
  readonly loginAttemptsPerMinute: number;
}

export function authRoutes(app: FastifyInstance, store: AuthStore, audit: AuditTrail, options: AuthRouteOptions): void {
  // Per user name and address, so that an attacker elsewhere cannot lock a user out; and per
  // address over all names, so that one address cannot try every name either.
  const perUser = app.createRateLimit({ max: options.loginAttemptsPerMinute, timeWindow: 60_000, keyGenerator: (req) => `${addressKey(req.ip)}\u0000${(req.body as { user?: unknown } | undefined)?.user}` });
  const perAddress = app.createRateLimit({ max: options.loginAttemptsPerMinute * 5, timeWindow: 60_000, keyGenerator: (req) => addressKey(req.ip) });

  app.get('/api/session', async (req) => {
    const { user, role, credential } = req.identity;
    return { user, role, via: credential?.kind ?? null, loginAvailable: store.hasUsers, may: mayOf(role) };
  });

  app.post('/api/login', async (req, reply) => {
    const body = parseBody(LoginBody, req.body, '{"user": "<name>", "password": "<password>"}');
    req.auditAs = body.user;
    for (const limit of [perAddress, perUser]) {
      const r = await limit(req);
      if (!r.isAllowed && r.isExceeded) {
        void reply.header('retry-after', r.ttlInSeconds);
        throw new FieldlabError('FL_TOO_MANY_LOGINS', { seconds: r.ttlInSeconds });
      }
    }
    const done = await store.login(body.user, body.password);
    if (!done) throw new FieldlabError('FL_LOGIN_FAILED');
    // A new login replaces the session the browser had (no old id stays valid beside it).
    const before = req.cookies[SESSION_COOKIE];
    if (before !== undefined) store.logout(before);
    setSessionCookie(reply, done.sessionId, options.sessionHours, options.tls);
    return { user: done.identity.user, role: done.identity.role };
  });

  app.post('/api/logout', async (req, reply) => {
    const sid = req.cookies[SESSION_COOKIE];
    if (sid !== undefined) store.logout(sid);
    clearSessionCookie(reply, options.tls);
    return reply.code(204).send();
  });

  app.get('/api/users', async () => store.listUsers());
  app.post<{ Params: { name: string } }>('/api/users/:name/logout', async (req, reply) => {
    if (!store.endSessionsOf(req.params.name)) throw new FieldlabError('FL_USER_NOT_FOUND', { name: req.params.name.slice(0, 64) });
    return reply.code(204).send();
  });
  app.get('/api/tokens', async () => store.listTokens());
  app.post('/api/tokens', async (req, reply) => {
    const body = parseBody(TokenBody, req.body, '{"name": "<what the token is for>", "role": "visitor|operator|engineer|admin"}');
    const made = store.createToken(body.name, body.role, req.identity.user ?? '');
    // The secret is shown this once; only its digest is kept.
    return reply.code(201).send({ ...made.token, token: made.secret });
  });
  app.delete<{ Params: { id: string } }>('/api/tokens/:id', async (req, reply) => {
    if (!store.revokeToken(req.params.id)) throw new FieldlabError('FL_TOKEN_NOT_FOUND', { id: req.params.id.slice(0, 40) });
    return reply.code(204).send();
  });

  app.get('/api/audit', async (req) => {
    const parsed = AuditQuery.safeParse(req.query ?? {});
    if (!parsed.success) throw new FieldlabError('FL_BAD_REQUEST', { expected: '?from=<time>&to=<time>&limit=<n>', problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    const to = parsed.data.to ? parseTime(parsed.data.to, 'to') : Date.now();
    const from = parsed.data.from ? parseTime(parsed.data.from, 'from') : to - 7 * 86_400_000;
    return audit.list(from, to, Math.min(Number(parsed.data.limit ?? 500), 5000));
  });
}
