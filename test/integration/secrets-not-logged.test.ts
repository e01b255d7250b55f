// A full run of the deployment's shape, gateway and simulators as the real CLI processes at
// debug level (every field of every event), each given every secret: the MQTT passwords (the
// gateway's and each device's), the OPC UA user's password, InfluxDB's password. Then the logs
// of both processes and the gateway's API answers are searched for each secret: none may
// appear. Add every newly configured secret (user passwords, API tokens) to `secrets`.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { GATEWAY_MQTT_USER } from '../../gateway/src/deploy/mqtt-access.ts';
import { makeCredentials, OPCUA_USER } from '../../gateway/src/deploy/make-credentials.ts';
import { freePort } from '../../gateway/src/services/free-port.ts';
import { stopChild } from '../../gateway/src/services/influxd.ts';
import { demoSiteFile } from '../support/fixtures.ts';
import type { Health } from '../support/meter-lab.ts';
import { eventually, startMosquitto, startTestInflux, tempDir, type TestInflux, type TestMosquitto } from '../support/services.ts';
import { addToken, addUser } from '../../gateway/src/auth/user-admin.ts';

const ADMIN_PASSWORD = 'a-long-admin-password-9';

const CLI = ['--import', 'tsx', 'gateway/src/cli/main.ts'];

describe('secrets in a full run', () => {
  const dir = tempDir('secrets-run');
  const out = join(dir.path, 'secrets');
  const secrets = new Map<string, string>();
  const logs = { gateway: '', simulators: '' };
  const children: ChildProcess[] = [];
  let broker: TestMosquitto;
  let influx: TestInflux;
  let port: number;
  const answers: Record<string, string> = {};

  const run = (name: 'gateway' | 'simulators', args: string[], env: Record<string, string>) => {
    const child = spawn(process.execPath, [...CLI, ...args, '--log-level', 'debug', '--log-format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', ...env } });
    children.push(child);
    child.stdout!.on('data', (d: Buffer) => (logs[name] += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (logs[name] += d.toString()));
  };
  const health = async () => (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as Health;

  beforeAll(async () => {
    const site = demoSiteFile(dir.path, [await freePort(), await freePort()]);
    const influxPassword = randomBytes(18).toString('base64url');
    writeFileSync(join(dir.path, 'influx.password'), `${influxPassword}\n`, { mode: 0o600 });
    [influx] = await Promise.all([startTestInflux({ admin: { username: 'fieldlab', password: influxPassword } }), makeCredentials(loadSite(site), { out })]);
    secrets.set('influx', influxPassword);
    // People and scripts of the twin: a password, an API token, and below a session cookie and a token made over the API.
    const users = join(dir.path, 'users.json');
    await addUser(users, 'admin', 'admin', ADMIN_PASSWORD);
    secrets.set('admin password', ADMIN_PASSWORD);
    const script = addToken(users, 'ci', 'engineer', 'test').secret;
    secrets.set('API token', script);
    const usersDigests = readFileSync(users, 'utf8');
    for (const m of usersDigests.matchAll(/"(password|digest)": "([^"]+)"/g)) secrets.set(`stored ${m[1]}`, m[2]!);
    for (const file of ['gateway/mqtt.password', 'gateway/opcua.password', 'mosquitto/healthcheck.password', ...readdirSync(join(out, 'simulators/mqtt')).map((f) => `simulators/mqtt/${f}`)]) {
      secrets.set(file, readFileSync(join(out, file), 'utf8').trim());
    }
    const tlsPort = await freePort();
    broker = await startMosquitto(undefined, {
      auth: { passwordFile: join(out, 'mosquitto/passwd'), aclFile: join(out, 'mosquitto/acl') },
      tls: { port: tlsPort, cafile: join(out, 'mosquitto/ca.crt'), certfile: join(out, 'mosquitto/server.crt'), keyfile: join(out, 'mosquitto/server.key') },
    });
    const mqttUrl = `mqtts://127.0.0.1:${tlsPort}`;
    const opcua = { FIELDLAB_OPCUA_USERNAME: OPCUA_USER, FIELDLAB_OPCUA_PASSWORD_FILE: join(out, 'gateway/opcua.password') };
    port = await freePort();
    const pki = join(dir.path, 'gateway-pki');
    cpSync(join(out, 'gateway/pki'), pki, { recursive: true });
    run('simulators', ['simulate', '--site', site, '--time-scale', '10'], {
      FIELDLAB_MQTT_URL: mqttUrl,
      FIELDLAB_MQTT_CREDENTIALS_FILE: join(out, 'simulators/mqtt-credentials.yaml'),
      FIELDLAB_MQTT_CA_FILE: join(out, 'simulators/ca.crt'),
      FIELDLAB_ROBOT_REQUIRE_ENCRYPTION: 'true',
      FIELDLAB_ROBOT_PKI_DIR: join(out, 'simulators/pki'),
      ...opcua,
      FIELDLAB_OPCUA_PASSWORD_FILE: join(out, 'simulators/opcua.password'),
    });
    // Started beside the simulators: robots not up yet are retried within a second.
    const config = join(dir.path, 'gateway.yaml');
    writeFileSync(config, 'opcua: { reconnectMaxMs: 1000 }\ninflux: { flushIntervalMs: 200 }\n');
    run('gateway', ['gateway', '--config', config, '--site', site, '--host', '127.0.0.1', '--port', String(port), '--spool-dir', join(dir.path, 'spool')], {
      FIELDLAB_MQTT_URL: mqttUrl,
      FIELDLAB_MQTT_USERNAME: GATEWAY_MQTT_USER,
      FIELDLAB_MQTT_PASSWORD_FILE: join(out, 'gateway/mqtt.password'),
      FIELDLAB_MQTT_CA_FILE: join(out, 'gateway/ca.crt'),
      FIELDLAB_OPCUA_PKI_DIR: pki,
      FIELDLAB_ROBOT_SECURITY_MODE: 'SignAndEncrypt',
      FIELDLAB_ROBOT_SECURITY_POLICY: 'Basic256Sha256',
      FIELDLAB_INFLUX_URL: influx.url,
      FIELDLAB_INFLUX_USERNAME: 'fieldlab',
      FIELDLAB_INFLUX_PASSWORD_FILE: join(dir.path, 'influx.password'),
      FIELDLAB_USERS_FILE: join(dir.path, 'users.json'),
      ...opcua,
    });
    // Every source connected with its credentials and points stored with InfluxDB's: the secrets were used.
    await eventually(
      async () => {
        const h = await health().catch(() => undefined);
        return h !== undefined && Object.values(h.sources).length === 3 && Object.values(h.sources).every((s) => s.state === 'connected') && h.points.written > 50;
      },
      40_000,
      'gateway with every source connected and points written',
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- gateway\n${logs.gateway.slice(-3000)}\n--- simulators\n${logs.simulators.slice(-3000)}`);
    });
    for (const path of ['/healthz', '/api/site', '/api/devices', '/metrics']) answers[path] = await (await fetch(`http://127.0.0.1:${port}${path}`)).text();
    // Log in (once wrongly), act with the token, make one more over the API: every path that handles a secret runs.
    const base = `http://127.0.0.1:${port}`;
    const login = (password: string) => fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password }) });
    secrets.set('wrong password', 'not-the-admin-password');
    expect((await login('not-the-admin-password')).status).toBe(401);
    const session = await login(ADMIN_PASSWORD);
    const cookie = session.headers.getSetCookie()[0]!.split(';')[0]!;
    secrets.set('session cookie', cookie.split('=')[1]!);
    const admin = { cookie, origin: base };
    const made = (await (await fetch(`${base}/api/tokens`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'board', role: 'operator' }) })).json()) as { token: string };
    secrets.set('token made over the API', made.token);
    for (const path of ['/api/session', '/api/users', '/api/tokens', '/api/site']) answers[`${path} (admin)`] = await (await fetch(`${base}${path}`, { headers: admin })).text();
    answers['/api/session (token)'] = await (await fetch(`${base}/api/session`, { headers: { authorization: `Bearer ${script}` } })).text();
    await Promise.all(children.map((c) => stopChild(c)));
  }, 90_000);

  afterAll(async () => {
    await Promise.all(children.map((c) => stopChild(c)));
    await Promise.all([broker?.stop(), influx?.stop()]);
    dir.remove();
  });

  it('logged the run, at debug level, from both processes', () => {
    expect(logs.gateway).toMatch(/"level":20/);
    expect(logs.gateway).toContain('mqtts://127.0.0.1');
    expect(logs.simulators).toMatch(/robot robot-01 is an OPC UA server on \S+ \(SignAndEncrypt only, trusted clients only\)/);
    expect(secrets.size).toBeGreaterThanOrEqual(15);
  });

  it('never writes a configured secret into a log line', () => {
    for (const [name, value] of secrets) {
      expect(logs.gateway.includes(value), `${name} in the gateway's log`).toBe(false);
      expect(logs.simulators.includes(value), `${name} in the simulators' log`).toBe(false);
    }
  });

  it('never returns a configured secret from the API', () => {
    for (const [path, body] of Object.entries(answers)) {
      expect(body.length, path).toBeGreaterThan(10);
      for (const [name, value] of secrets) expect(body.includes(value), `${name} in ${path}`).toBe(false);
    }
  });
});
