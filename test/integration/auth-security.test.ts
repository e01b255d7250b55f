// The attacks the anchors' reported failures name, against a real gateway: a foreign page
// riding on the login cookie (CSRF) or the socket (CSWSH), password guessing that must not
// lock the admin out from elsewhere, a revoked token whose socket must go within a second,
// values a site keeps from visitors (absent from the wire), path traversal on static files,
// security headers, the cookie's attributes under TLS, and the audit trail in InfluxDB.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endSessions, revokeToken } from '../../gateway/src/auth/user-admin.ts';
import { gatewayConfig, type GatewayConfigInput } from '../../gateway/src/config.ts';
import type { LiveChanges, LiveInsight, LiveSnapshot } from '../../gateway/src/core/live-events.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../gateway/src/services/embedded-broker.ts';
import { bearer, loginHeaders, PASSWORD, tokenOf, usersFile, withUsers } from '../support/auth.ts';
import { testSite } from '../support/fixtures.ts';
import { eventually, spoolDir, startTestInflux, tempDir, type TestInflux } from '../support/services.ts';

const silent = () => new Telemetry(pino({ level: 'silent' }));
const site = testSite([{ id: 'bambu', profile: 'bambu-lab-fdm', topicId: 'S1' }], undefined, { visitors: { hideSignals: ['job_file'], hideSeries: ['product', 'counts'] } });
const PRODUCT = 'Secret-Widget-Mk2';
const JOB = 'secret-widget-mk2.gcode';

async function gatewayWith(file: string, more: GatewayConfigInput = {}, parts: ConstructorParameters<typeof Gateway>[3] = { sources: [], sinks: [] }): Promise<Gateway> {
  const g = new Gateway(site, gatewayConfig({ http: { host: '127.0.0.1', port: 0 }, spool: { dir: spoolDir() }, ...more, auth: { usersFile: file, ...more.auth } }), silent(), parts);
  await g.start();
  return g;
}

/** A POST from a given local address (127.0.0.2 is this machine too): another client on the network. */
function postFrom(localAddress: string, url: string, path: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', localAddress, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function connect(url: string, options: Parameters<typeof io>[1] = {}): Promise<{ socket: Socket; error?: string }> {
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, ...options });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket }));
    socket.once('connect_error', (err) => resolve({ socket, error: err.message }));
  });
}

describe('a gateway on a shared network', () => {
  const file = usersFile();
  let gateway: Gateway;
  let url: string;

  beforeAll(async () => {
    await withUsers(file, ['operator', 'engineer', 'admin']);
    gateway = await gatewayWith(file);
    url = gateway.httpAddress()!;
  }, 30_000);
  afterAll(() => gateway?.stop());

  it('refuses a foreign Origin on a cookie request and on the socket, and a cookie request with no Origin', async () => {
    const engineer = await loginHeaders(url, 'engineer', PASSWORD.engineer);
    const start = (headers: Record<string, string>) => fetch(`${url}/api/series`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ product: 'x', target: 5, line: 'line-a' }) });
    const foreign = await start({ ...engineer, origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { code: string }).code).toBe('FL_FOREIGN_ORIGIN');
    const { origin: _o, ...noOrigin } = engineer;
    expect((await start(noOrigin)).status).toBe(403);
    // A login form posted from elsewhere is refused too (login CSRF).
    expect((await fetch(`${url}/api/login`, { method: 'POST', headers: { origin: 'http://evil.example', 'content-type': 'application/json' }, body: JSON.stringify({ user: 'engineer', password: PASSWORD.engineer }) })).status).toBe(403);
    // The socket: a page elsewhere cannot open it with the visitor's cookie.
    const hijack = await connect(url, { extraHeaders: { cookie: engineer.cookie, origin: 'http://evil.example' } });
    expect(hijack.error).toBeDefined();
    hijack.socket.close();
    const own = await connect(url, { extraHeaders: engineer });
    expect(own.error).toBeUndefined();
    own.socket.close();
    // A script with a token needs no Origin: no cookie rides along.
    const token = bearer(tokenOf(file, 'engineer', 'ci'));
    const res = await start(token);
    expect(res.status).toBe(201);
    const id = ((await res.json()) as { id: string }).id;
    expect((await fetch(`${url}/api/series/${id}/stop`, { method: 'POST', headers: token })).status).toBe(200);
  });

  it('refuses a page on a re-pointed name (DNS rebinding), on a login and on the socket', async () => {
    const port = new URL(url).port;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/login', method: 'POST', headers: { host: `evil.example:${port}`, origin: `http://evil.example:${port}`, 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ user: 'engineer', password: PASSWORD.engineer }));
    });
    expect(status).toBe(403);
    const rebound = await connect(url, { extraHeaders: { host: `evil.example:${port}`, origin: `http://evil.example:${port}` } });
    expect(rebound.error).toBeDefined();
    rebound.socket.close();
  });

  it('drops a socket that keeps sending what it may not, and shows visitors no connection details', async () => {
    const { socket, error } = await connect(url);
    expect(error).toBeUndefined();
    let gone = false;
    socket.on('disconnect', () => (gone = true));
    for (let i = 0; i < 25 && !gone; i++) await socket.timeout(2000).emitWithAck('acknowledge', { device: 'bambu', alarm: 'x' }).catch(() => undefined);
    await eventually(() => gone, 3000, 'the socket dropped');
    socket.close();
    const asVisitor = (await (await fetch(`${url}/api/site`)).json()) as { devices: Record<string, unknown>[] };
    expect(asVisitor.devices.every((d) => !('connection' in d))).toBe(true);
    const engineer = await loginHeaders(url, 'engineer', PASSWORD.engineer);
    const asEngineer = (await (await fetch(`${url}/api/site`, { headers: engineer })).json()) as { devices: Record<string, unknown>[] };
    expect(asEngineer.devices.some((d) => 'connection' in d)).toBe(true);
  });

  it('answers password guessing with 429 while the admin still logs in from another address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push(await postFrom('127.0.0.2', url, '/api/login', { user: 'admin', password: `guess-${i}` }));
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    // Even the right password is held back from that address for now.
    expect(await postFrom('127.0.0.2', url, '/api/login', { user: 'admin', password: PASSWORD.admin })).toBe(429);
    expect(await postFrom('127.0.0.1', url, '/api/login', { user: 'admin', password: PASSWORD.admin })).toBe(200);
  }, 30_000);

  it('disconnects a revoked token\'s or ended session\'s socket within a second, by the API and by the users file', async () => {
    const admin = await loginHeaders(url, 'admin', PASSWORD.admin);
    for (const how of ['api', 'file'] as const) {
      const made = (await (await fetch(`${url}/api/tokens`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ name: `board-${how}`, role: 'operator' }) })).json()) as { id: string; token: string };
      const { socket, error } = await connect(url, { auth: { token: made.token } });
      expect(error).toBeUndefined();
      let gone = 0;
      socket.on('disconnect', () => (gone = Date.now()));
      const revokedAt = Date.now();
      if (how === 'api') expect((await fetch(`${url}/api/tokens/${made.id}`, { method: 'DELETE', headers: admin })).status).toBe(204);
      else revokeToken(file, made.id); // what `fieldlab users revoke` does
      await eventually(() => gone > 0, 2000, `the socket dropped (${how})`);
      expect(gone - revokedAt).toBeLessThan(1000);
      expect((await fetch(`${url}/api/site`, { headers: bearer(made.token) })).status).toBe(401);
      socket.close();
    }
    // A person's sessions, ended by the admin (API) or by `fieldlab users logout` (the file): their socket goes too.
    for (const how of ['api', 'file'] as const) {
      const operator = await loginHeaders(url, 'operator', PASSWORD.operator);
      const { socket, error } = await connect(url, { extraHeaders: operator });
      expect(error).toBeUndefined();
      let gone = 0;
      socket.on('disconnect', () => (gone = Date.now()));
      const endedAt = Date.now();
      if (how === 'api') expect((await fetch(`${url}/api/users/operator/logout`, { method: 'POST', headers: admin })).status).toBe(204);
      else endSessions(file, 'operator');
      await eventually(() => gone > 0, 2000, `the operator's socket dropped (${how})`);
      expect(gone - endedAt).toBeLessThan(1000);
      expect(((await (await fetch(`${url}/api/session`, { headers: operator })).json()) as { user: string | null }).user).toBeNull();
      socket.close();
    }
  });

  it('refuses path traversal out of the viewer\'s folder', async () => {
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/models/..%2f..%2fpackage.json', '/%2e%2e%2f%2e%2e%2fpackage.json']) {
      const res = await fetch(`${url}${path}`);
      const body = await res.text();
      expect(body, path).not.toContain('"devDependencies"');
    }
  });

  it('sends security headers, no CORS for a foreign origin, and an HttpOnly SameSite=Strict cookie', async () => {
    const res = await fetch(`${url}/`, { headers: { origin: 'http://evil.example' } });
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const login = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'operator', password: PASSWORD.operator }) });
    const cookie = login.headers.getSetCookie()[0]!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toMatch(/Secure/);
  });
});

describe('values a site keeps from visitors', () => {
  let broker: EmbeddedBroker;
  let gateway: Gateway;

  beforeAll(async () => {
    broker = await startEmbeddedBroker(0);
    gateway = await gatewayWith(await withUsers(usersFile(), ['engineer']), { mqtt: { url: broker.url } }, { sinks: [], history: false, alarmHistory: false });
    await eventually(() => gateway.sources[0]!.state() === 'connected', 10_000, 'gateway connected');
  }, 30_000);
  afterAll(async () => {
    await gateway?.stop();
    await broker?.close();
  });

  it('are absent from a visitor\'s socket frames and API answers, and present for an engineer', async () => {
    const url = gateway.httpAddress()!;
    const engineer = await loginHeaders(url, 'engineer', PASSWORD.engineer);
    const frames = { visitor: [] as string[], engineer: [] as string[] };
    const open = async (who: 'visitor' | 'engineer') => {
      const { socket, error } = await connect(url, who === 'engineer' ? { extraHeaders: engineer } : {});
      expect(error).toBeUndefined();
      socket.onAny((_event: string, data: LiveSnapshot | LiveChanges | LiveInsight) => frames[who].push(JSON.stringify(data)));
      return socket;
    };
    const sockets = [await open('visitor'), await open('engineer')];
    const started = await fetch(`${url}/api/series`, { method: 'POST', headers: { ...engineer, 'content-type': 'application/json' }, body: JSON.stringify({ product: PRODUCT, target: 50, line: 'line-a' }) });
    expect(started.status).toBe(201);
    const client = await mqtt.connectAsync(broker.url);
    await client.publishAsync('device/S1/report', JSON.stringify({ print: { nozzle_temper: 215, subtask_name: JOB, gcode_state: 'RUNNING' } }), { qos: 1 });
    await eventually(() => frames.engineer.some((f) => f.includes(JOB)) && frames.engineer.some((f) => f.includes(PRODUCT)), 5000, 'the engineer sees job and product');
    await eventually(() => frames.visitor.some((f) => f.includes('215')), 5000, 'the visitor sees the temperature');
    await client.endAsync();
    const visitorWire = frames.visitor.join('\n');
    expect(visitorWire).not.toContain(JOB);
    expect(visitorWire).not.toContain(PRODUCT);
    expect(visitorWire).not.toContain('"job_file"');
    expect(visitorWire).not.toContain('"good"');
    for (const path of ['/api/devices', '/api/series']) {
      const asVisitor = await (await fetch(`${url}${path}`)).text();
      const asEngineer = await (await fetch(`${url}${path}`, { headers: engineer })).text();
      expect(asVisitor, path).not.toContain(JOB);
      expect(asVisitor, path).not.toContain(PRODUCT);
      expect(asEngineer + (path === '/api/series' ? '' : JOB), path).toContain(path === '/api/series' ? PRODUCT : JOB);
    }
    expect(await (await fetch(`${url}/api/devices`, { headers: engineer })).text()).toContain(JOB);
    for (const s of sockets) s.close();
  });
});

describe('the audit trail', () => {
  let influx: TestInflux;
  let gateway: Gateway;
  const file = usersFile();

  beforeAll(async () => {
    influx = await startTestInflux();
    gateway = await gatewayWith(await withUsers(file, ['operator', 'engineer', 'admin']), { influx: { url: influx.url, database: 'audit', flushIntervalMs: 50 } }, { sources: [], alarmHistory: false });
  }, 60_000);
  afterAll(async () => {
    await gateway?.stop();
    await influx?.stop();
  });

  it('stores who started, paused and stopped what, from where, refusals too, and lists it for admins only', async () => {
    const url = gateway.httpAddress()!;
    const engineer = await loginHeaders(url, 'engineer', PASSWORD.engineer);
    const operator = await loginHeaders(url, 'operator', PASSWORD.operator);
    const post = (headers: Record<string, string>, path: string, body?: unknown) => fetch(`${url}${path}`, { method: 'POST', headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const started = (await (await post(engineer, '/api/series', { product: 'Housing', target: 5, line: 'line-a' })).json()) as { id: string };
    expect((await post(operator, `/api/series/${started.id}/stop`)).status).toBe(403);
    expect((await post(operator, `/api/series/${started.id}/pause`, { reason: 'break' })).status).toBe(200);
    expect((await post(engineer, `/api/series/${started.id}/stop`)).status).toBe(200);
    await gateway.flush();
    const admin = await loginHeaders(url, 'admin', PASSWORD.admin);
    expect((await fetch(`${url}/api/audit`, { headers: engineer })).status).toBe(403);
    let entries: { action: string; outcome: string; user: string; role: string; address: string; target: string }[] = [];
    await eventually(async () => {
      entries = (await (await fetch(`${url}/api/audit`, { headers: admin })).json()) as typeof entries;
      return entries.filter((e) => e.action !== 'login').length >= 4 && entries.some((e) => e.action === 'login' && e.user === 'admin');
    }, 10_000, 'the audit entries in InfluxDB');
    const acts = entries.filter((e) => e.action !== 'login').reverse().map((e) => [e.action, e.outcome, e.user, e.target]);
    expect(acts).toEqual([
      ['series.start', 'ok', 'engineer', 'POST /api/series'],
      ['series.stop', 'refused', 'operator', `POST /api/series/${started.id}/stop`],
      ['series.pause', 'ok', 'operator', `POST /api/series/${started.id}/pause`],
      ['series.stop', 'ok', 'engineer', `POST /api/series/${started.id}/stop`],
    ]);
    expect(entries.every((e) => e.address === '127.0.0.1')).toBe(true);
    expect(entries.filter((e) => e.action === 'login').map((e) => e.user).sort()).toEqual(['admin', 'engineer', 'operator']);
    // The CLI lists the same, with an admin's token.
    const cli = (token: string) => promisify(execFile)(process.execPath, ['--import', 'tsx', 'gateway/src/cli/main.ts', 'audit', '--json', '--gateway', url], { encoding: 'utf8', env: { ...process.env, FIELDLAB_TOKEN: token } });
    const listed = JSON.parse((await cli(tokenOf(file, 'admin'))).stdout) as typeof entries;
    expect(listed.filter((e) => e.action.startsWith('series.')).map((e) => [e.action, e.outcome, e.user])).toEqual(entries.filter((e) => e.action.startsWith('series.')).map((e) => [e.action, e.outcome, e.user]));
    await expect(cli(tokenOf(file, 'engineer'))).rejects.toThrow(/FL_FORBIDDEN/);
  });
});

describe('over TLS', () => {
  it('serves HTTPS from certificate files and marks the login cookie Secure', async () => {
    const dir = tempDir('tls');
    const [cert, key] = [join(dir.path, 'server.crt'), join(dir.path, 'server.key')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const gateway = await gatewayWith(await withUsers(usersFile(), ['operator']), { http: { host: '127.0.0.1', port: 0, tls: { certFile: cert, keyFile: key } } });
    try {
      const url = gateway.httpAddress()!;
      expect(url).toMatch(/^https:/);
      const answer = await new Promise<{ status: number; cookie: string; hsts: string | undefined }>((resolve, reject) => {
        const u = new URL('/api/login', url);
        const req = httpsRequest({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', ca: [readFileSync(cert)], headers: { 'content-type': 'application/json' } }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, cookie: String(res.headers['set-cookie']?.[0]), hsts: res.headers['strict-transport-security'] as string | undefined });
        });
        req.on('error', reject);
        req.end(JSON.stringify({ user: 'operator', password: PASSWORD.operator }));
      });
      expect(answer.status).toBe(200);
      expect(answer.cookie).toMatch(/Secure/);
      expect(answer.hsts).toMatch(/max-age=/);
    } finally {
      await gateway.stop();
    }
  });
});
