// The compose deployment's broker as `fieldlab deploy credentials` closes it: the real
// Mosquitto with the generated password file, ACL and TLS certificates, the real gateway and
// the real simulators logging in with the generated credentials.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSite, type SiteModel } from '../../device-profiles/schema/load.ts';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { resolveSecrets } from '../../gateway/src/config-secrets.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { GATEWAY_MQTT_USER, HEALTHCHECK_MQTT_USER, HEALTHCHECK_TOPIC, mqttAccess } from '../../gateway/src/deploy/mqtt-access.ts';
import { writePasswordFile } from '../../gateway/src/deploy/mosquitto-passwd.ts';
import { makeCredentials, type CredentialsReport } from '../../gateway/src/deploy/make-credentials.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { freePort } from '../../gateway/src/services/free-port.ts';
import { stopChild } from '../../gateway/src/services/influxd.ts';
import { mqttSourceKind } from '../../gateway/src/sources/mqtt/mqtt-kind.ts';
import { simulatorCredentials } from '../../gateway/src/cli/simulator-credentials.ts';
import { SimulatedFleet } from '../../simulators/src/fleet.ts';
import { demoSiteFile } from '../support/fixtures.ts';
import { eventually, mosquittoPath, sleep, spoolDir, startMosquitto, tempDir, waitForPort, type TestMosquitto } from '../support/services.ts';

const NOT_AUTHORIZED = 135;

describe('Mosquitto with the deploy\'s password file and ACL', () => {
  const dir = tempDir('deploy-credentials');
  const out = join(dir.path, 'secrets');
  let site: SiteModel;
  let report: CredentialsReport;
  let broker: TestMosquitto;
  let tlsUrl: string;
  const clients: MqttClient[] = [];
  const secret = (file: string) => readFileSync(join(out, file), 'utf8').trim();
  const gatewayLogin = () => ({ username: GATEWAY_MQTT_USER, password: secret('gateway/mqtt.password') });
  const deviceLogin = (id: string) => ({ username: id, password: secret(`simulators/mqtt/${id}.password`) });
  const connect = async (url: string, options: IClientOptions) => {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 5, ...options });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    site = loadSite(demoSiteFile(dir.path, [await freePort(), await freePort()]));
    report = await makeCredentials(site, { out });
    const tlsPort = await freePort();
    broker = await startMosquitto(undefined, {
      auth: { passwordFile: join(out, 'mosquitto/passwd'), aclFile: join(out, 'mosquitto/acl') },
      tls: { port: tlsPort, cafile: join(out, 'mosquitto/ca.crt'), certfile: join(out, 'mosquitto/server.crt'), keyfile: join(out, 'mosquitto/server.key') },
    });
    tlsUrl = `mqtts://127.0.0.1:${tlsPort}`;
  }, 30_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await broker?.stop();
    dir.remove();
  });

  it('made a user for every MQTT device of the site, each allowed only its own topics', () => {
    const mqttDevices = site.devices.filter((d) => d.profileDef.mqtt).map((d) => d.id);
    expect(report.mqttDevices).toEqual(mqttDevices);
    const acl = secret('mosquitto/acl');
    const printer4 = acl.slice(acl.indexOf('user printer-04'));
    // The Bambu printer publishes under its serial number, not its site id.
    expect(printer4.split('\n').slice(0, 2)).toEqual(['user printer-04', 'topic readwrite device/01P00A3B0600123/report']);
  });

  it('refuses anonymous clients and wrong passwords', async () => {
    await expect(connect(broker.url, {})).rejects.toThrow(/not authorized/i);
    await expect(connect(broker.url, { username: 'printer-01', password: 'not-the-password' })).rejects.toThrow(/bad user name or password|not authorized/i);
    await expect(connect(broker.url, { protocolVersion: 4 })).rejects.toThrow(/not authorized/i);
  });

  it('runs the compose deployment\'s own mosquitto.conf with the generated files: TLS with logins only', async () => {
    const port = await freePort();
    const data = join(dir.path, 'data');
    mkdirSync(data);
    const shipped = readFileSync('deploy/mosquitto/mosquitto.conf', 'utf8');
    expect(shipped).toMatch(/^listener 8883$/m);
    const conf = join(dir.path, 'compose-mosquitto.conf');
    writeFileSync(
      conf,
      (process.getuid?.() === 0 ? 'user root\n' : '') +
        shipped.replaceAll('/mosquitto/secrets', join(out, 'mosquitto')).replace('/mosquitto/data/', `${data}/`).replace(/^listener 8883$/m, `listener ${port} 127.0.0.1`),
    );
    const child = spawn(mosquittoPath()!, ['-c', conf], { stdio: 'ignore' });
    try {
      await waitForPort(port, 10_000);
      const url = `mqtts://localhost:${port}`;
      const ca = readFileSync(join(out, 'mosquitto/ca.crt'));
      await expect(connect(url, { ca })).rejects.toThrow(/not authorized/i);
      // What the compose healthcheck does: its own user reads the broker's uptime.
      const health = await connect(url, { ca, username: HEALTHCHECK_MQTT_USER, password: secret('mosquitto/healthcheck.password') });
      const uptime = new Promise<string>((resolve) => health.once('message', (topic) => resolve(topic)));
      await health.subscribeAsync(HEALTHCHECK_TOPIC);
      expect(await uptime).toBe(HEALTHCHECK_TOPIC);
      const gateway = await connect(url, { ca, ...gatewayLogin() });
      expect(gateway.connected).toBe(true);
    } finally {
      await stopChild(child);
    }
  });

  it('accepts the password file written without mosquitto_passwd (its PBKDF2-SHA512 form)', async () => {
    const passwd = join(dir.path, 'passwd-node');
    expect(writePasswordFile(passwd, [gatewayLogin()], 'node')).toBe('node');
    const own = await startMosquitto(undefined, { auth: { passwordFile: passwd, aclFile: join(out, 'mosquitto/acl') } });
    try {
      const client = await connect(own.url, gatewayLogin());
      expect(client.connected).toBe(true);
      await expect(connect(own.url, { ...gatewayLogin(), password: `${gatewayLogin().password}x` })).rejects.toThrow(/bad user name or password|not authorized/i);
    } finally {
      await own.stop();
    }
  });

  it('refuses a device publishing or reading another device\'s topic, and hands its own to the gateway', async () => {
    const seen: string[] = [];
    const gateway = await connect(broker.url, { ...gatewayLogin(), clientId: 'acl-gateway' });
    gateway.on('message', (topic) => seen.push(topic));
    const granted = await gateway.subscribeAsync(mqttAccess(site).gatewayReads.map((t) => t), { qos: 1 });
    expect(granted.every((g) => g.qos === 1)).toBe(true);

    const printer = await connect(broker.url, { ...deviceLogin('printer-01'), clientId: 'acl-printer-01' });
    const foreign = await printer.publishAsync('octoPrint/printer-02/temperature/tool0', '{"actual":1,"target":0}', { qos: 1 }).then(
      () => undefined,
      (err: { code?: number }) => err.code,
    );
    expect(foreign).toBe(NOT_AUTHORIZED);
    await printer.publishAsync('octoPrint/printer-01/temperature/tool0', '{"actual":2,"target":0}', { qos: 1 });
    // Reading what other devices publish is refused too: Mosquitto may grant a wide filter, but
    // checks every message it would deliver against the reader's rights.
    const overheard: string[] = [];
    printer.on('message', (topic) => overheard.push(topic));
    await printer.subscribeAsync('octoPrint/+/temperature/tool0', { qos: 1 });
    const other = await connect(broker.url, { ...deviceLogin('printer-02'), clientId: 'acl-printer-02' });
    await other.publishAsync('octoPrint/printer-02/temperature/tool0', '{"actual":3,"target":0}', { qos: 1 });
    // A device cannot write where the gateway reads beyond its own topics, nor the gateway write at all.
    const fromGateway = await gateway.publishAsync('octoPrint/printer-01/temperature/tool0', '{}', { qos: 1 }).then(
      () => undefined,
      (err: { code?: number }) => err.code,
    );
    expect(fromGateway).toBe(NOT_AUTHORIZED);

    await eventually(() => seen.length >= 2, 5000, 'the devices\' own messages at the gateway');
    // Another round trip through the broker: anything printer-01 was going to get has arrived.
    await printer.publishAsync('octoPrint/printer-01/temperature/tool0', '{"actual":4,"target":0}', { qos: 1 });
    await eventually(() => seen.length >= 3, 5000, 'the last message at the gateway');
    await sleep(200);
    expect(seen).toEqual(['octoPrint/printer-01/temperature/tool0', 'octoPrint/printer-02/temperature/tool0', 'octoPrint/printer-01/temperature/tool0']);
    expect(overheard.filter((t) => t.includes('printer-02'))).toEqual([]);
    expect(overheard.length).toBe(1);
  });

  it('serves TLS with the deploy\'s CA: a client trusting it connects, one that does not is refused', async () => {
    const ca = readFileSync(join(out, 'gateway/ca.crt'));
    const trusting = await connect(tlsUrl, { ...gatewayLogin(), ca });
    expect(trusting.connected).toBe(true);
    await expect(connect(tlsUrl, gatewayLogin())).rejects.toThrow(/self.signed|unable to (get|verify)/i);
  });

  it('a real gateway with its credentials over TLS receives every message the simulators publish with theirs', async () => {
    const config = resolveSecrets(
      gatewayConfig({
        mqtt: { url: tlsUrl, clientId: 'acl-real-gateway', username: GATEWAY_MQTT_USER, passwordFile: join(out, 'gateway/mqtt.password'), caFile: join(out, 'gateway/ca.crt') },
        http: { host: '127.0.0.1', port: 0 },
        spool: { dir: spoolDir() },
      }),
    );
    const telemetry = new Telemetry(pino({ level: 'silent' }));
    const sources = await mqttSourceKind.build({ site, config, telemetry });
    const gateway = new Gateway(site, config, telemetry, { sources, sinks: [], history: false, alarmHistory: false, http: false });
    const creds = simulatorCredentials(site, { FIELDLAB_MQTT_CREDENTIALS_FILE: join(out, 'simulators/mqtt-credentials.yaml'), FIELDLAB_MQTT_CA_FILE: join(out, 'simulators/ca.crt') });
    const fleet = new SimulatedFleet({
      site,
      mqttUrl: tlsUrl,
      mqttCredentials: (id) => creds.mqtt?.get(id),
      ...(creds.mqttCa !== undefined ? { mqttCa: creds.mqttCa } : {}),
      rate: 5,
      timeScale: 20,
      pkiDir: join(dir.path, 'robot-pki'),
      lineFlow: true,
    });
    try {
      await gateway.start();
      await eventually(() => sources[0]!.state() === 'connected', 10_000, 'gateway connected over TLS');
      await fleet.start();
      await eventually(() => fleet.published > 200, 15_000, 'simulators publishing');
      fleet.freeze();
      await eventually(() => telemetry.counts.received === fleet.published, 10_000, `the gateway receiving all ${fleet.published} messages`);
      expect(Object.values(telemetry.counts.rejected).reduce((a, b) => a + b, 0)).toBe(0);
      // Every MQTT device of the site was heard, each under its own login.
      const heard = gateway.floor.devices.snapshot().filter((d) => d.messages > 0).map((d) => d.id);
      expect(heard.sort()).toEqual([...report.mqttDevices].sort());
    } finally {
      await fleet.stop();
      await gateway.stop();
    }
  }, 60_000);
});
