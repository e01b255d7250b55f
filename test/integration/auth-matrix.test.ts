// The matrix: every route the gateway's HTTP server registered (read from its own route
// table) and every socket event, for each of anonymous, visitor, operator, engineer and admin,
// allowed or refused as this file's table expects. The table is written here, apart from the
// rules in gateway/src/auth/rules.ts: a route the table does not name fails the test, and so
// does a rule that lets a role do more (or less) than expected.
import { pino } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../gateway/src/auth/roles.ts';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { loginHeaders, PASSWORD, usersFile, withUsers } from '../support/auth.ts';
import { testSite } from '../support/fixtures.ts';
import { eventually, spoolDir } from '../support/services.ts';

type Who = 'anonymous' | Role;
const WHO: readonly Who[] = ['anonymous', ...ROLES];

/** The lowest role each route allows; `public`: anyone, even with anonymous access off. */
const EXPECTED: Record<string, 'public' | Role> = {
  'GET /': 'public',
  'HEAD /': 'public',
  'GET /*': 'public',
  'HEAD /*': 'public',
  'GET /healthz': 'public',
  'HEAD /healthz': 'public',
  'GET /metrics': 'visitor',
  'HEAD /metrics': 'visitor',
  'GET /api/session': 'public',
  'HEAD /api/session': 'public',
  'POST /api/login': 'public',
  'POST /api/logout': 'public',
  'GET /api/site': 'visitor',
  'GET /api/devices': 'visitor',
  'GET /api/states': 'visitor',
  'GET /api/alarms': 'visitor',
  'GET /api/series': 'visitor',
  'GET /api/series/:id': 'visitor',
  'GET /api/history/at': 'visitor',
  'GET /api/history/changes': 'visitor',
  'GET /api/history/marks': 'visitor',
  'GET /api/experiments': 'visitor',
  'GET /api/experiments/:id': 'visitor',
  'GET /api/experiments/:id/trace': 'visitor',
  'POST /api/alarms/:device/:alarm/acknowledge': 'operator',
  'POST /api/series/:id/pause': 'operator',
  'POST /api/series/:id/resume': 'operator',
  'POST /api/series': 'engineer',
  'POST /api/series/:id/stop': 'engineer',
  'POST /api/experiments': 'engineer',
  'DELETE /api/experiments/:id': 'engineer',
  'GET /api/users': 'admin',
  'POST /api/users/:name/logout': 'admin',
  'GET /api/tokens': 'admin',
  'POST /api/tokens': 'admin',
  'DELETE /api/tokens/:id': 'admin',
  'GET /api/audit': 'admin',
};
// Every GET also answers HEAD.
for (const key of Object.keys(EXPECTED)) if (key.startsWith('GET ')) EXPECTED[`HEAD ${key.slice(4)}`] ??= EXPECTED[key]!;

const EXPECTED_EVENTS: Record<string, Role> = { subscribe: 'visitor', acknowledge: 'operator' };

const rank = (w: Who) => (w === 'anonymous' ? 0 : ROLES.indexOf(w));
/** With anonymous visitors (the default), an anonymous caller may what a visitor may. */
const allows = (need: 'public' | Role, who: Who, anonymousVisitor: boolean) =>
  need === 'public' || (who === 'anonymous' ? anonymousVisitor && need === 'visitor' : rank(who) >= ROLES.indexOf(need));

const site = testSite([{ id: 'bambu', profile: 'bambu-lab-fdm', topicId: 'S1' }]);
const file = usersFile();

async function startGateway(anonymous: 'visitor' | 'none'): Promise<Gateway> {
  const g = new Gateway(site, gatewayConfig({ http: { host: '127.0.0.1', port: 0 }, spool: { dir: spoolDir() }, auth: { usersFile: file, anonymous } }), new Telemetry(pino({ level: 'silent' })), { sources: [], sinks: [] });
  await g.start();
  return g;
}

/** A request a route answers, with made-up ids (none exists) and an empty JSON body. */
function requestOf(route: { method: string; url: string }): { path: string; init: RequestInit } {
  const path = route.url.replace(/:device/g, 'bambu').replace(/:[a-z]+/g, 'none-such').replace(/\*$/, 'index.html');
  const body = route.method === 'POST' ? '{}' : undefined;
  return { path, init: { method: route.method, body, headers: body ? { 'content-type': 'application/json' } : {} } };
}

describe.each([
  ['anonymous visitors (the default)', 'visitor'],
  ['anonymous access off', 'none'],
] as const)('who may call what, with %s', (_name, anonymous) => {
  let gateway: Gateway;
  let url: string;
  const headers = new Map<Who, Record<string, string>>();

  beforeAll(async () => {
    if (anonymous === 'visitor') await withUsers(file, ROLES);
    gateway = await startGateway(anonymous);
    url = gateway.httpAddress()!;
    headers.set('anonymous', {});
    for (const role of ROLES) headers.set(role, await loginHeaders(url, role, PASSWORD[role]));
  }, 30_000);
  afterAll(() => gateway?.stop());

  it('has a row in this table for every route the server registered, and a route for every row', () => {
    const registered = gateway.httpRoutes().map((r) => `${r.method} ${r.url}`);
    expect(registered.filter((r) => !(r in EXPECTED)), 'routes this test does not know').toEqual([]);
    expect(Object.keys(EXPECTED).filter((r) => !registered.includes(r) && !r.startsWith('HEAD ') && r !== 'GET /'), 'rows without a route').toEqual([]);
  });

  it('allows and refuses every route for every role as the table says', async () => {
    const routes = gateway.httpRoutes().filter((r) => !(r.method === 'POST' && r.url === '/api/logout'));
    const wrong: string[] = [];
    for (const route of routes) {
      const need = EXPECTED[`${route.method} ${route.url}`]!;
      const { path, init } = requestOf(route);
      for (const who of WHO) {
        const res = await fetch(`${url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), ...headers.get(who) } });
        await res.arrayBuffer();
        const allowed = allows(need, who, anonymous === 'visitor');
        const refused = res.status === 401 || res.status === 403;
        if (allowed === refused) wrong.push(`${route.method} ${path} as ${who}: ${res.status}, expected ${allowed ? 'allowed' : 'refused'}`);
        else if (!allowed && res.status !== (who === 'anonymous' ? 401 : 403)) wrong.push(`${route.method} ${path} as ${who}: ${res.status}, expected ${who === 'anonymous' ? 401 : 403}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 60_000);

  it('checks every socket event for every role', async () => {
    const wrong: string[] = [];
    for (const who of WHO) {
      const socket: Socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: headers.get(who) });
      let snapshots = 0;
      socket.on('snapshot', () => snapshots++);
      const refusedAtConnect = await new Promise<string | undefined>((resolve) => {
        socket.once('connect', () => resolve(undefined));
        socket.once('connect_error', (err) => resolve(err.message));
      });
      if (refusedAtConnect !== undefined) {
        if (who !== 'anonymous' || anonymous === 'visitor') wrong.push(`${who}: could not connect (${refusedAtConnect})`);
        else expect(refusedAtConnect).toBe('FL_AUTH_REQUIRED');
        socket.close();
        continue;
      }
      if (who === 'anonymous' && anonymous === 'none') wrong.push('anonymous connected with anonymous access off');
      // subscribe: allowed when a fresh snapshot answers it.
      await eventually(() => snapshots === 1, 3000, 'the first snapshot');
      socket.emit('subscribe', { devices: ['bambu'] });
      const subscribed = await eventually(() => snapshots === 2, 1000, 'a snapshot for the filter').then(() => true, () => false);
      if (subscribed !== allows(EXPECTED_EVENTS.subscribe!, who, anonymous === 'visitor')) wrong.push(`subscribe as ${who}: ${subscribed ? 'allowed' : 'refused'}`);
      // acknowledge: answered either way; no alarm is pending, so an allowed one says so.
      const answer = await socket.timeout(3000).emitWithAck('acknowledge', { device: 'bambu', alarm: 'none-such' });
      const ackAllowed = answer.code === 'FL_ALARM_NOT_PENDING';
      if (ackAllowed !== allows(EXPECTED_EVENTS.acknowledge!, who, anonymous === 'visitor')) wrong.push(`acknowledge as ${who}: ${answer.code}`);
      if (!ackAllowed && answer.code !== (who === 'anonymous' ? 'FL_AUTH_REQUIRED' : 'FL_FORBIDDEN')) wrong.push(`acknowledge as ${who}: code ${answer.code}`);
      socket.close();
    }
    expect(wrong).toEqual([]);
    expect(Object.keys(EXPECTED_EVENTS).sort()).toEqual(['acknowledge', 'subscribe']);
  }, 30_000);
});
