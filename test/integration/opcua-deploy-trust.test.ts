// A deployment's robot as the compose file runs it: the simulated robot server offers only
// SignAndEncrypt, logs in only its configured user and trusts only the certificates that
// `fieldlab deploy credentials` put in its trust list; the gateway reads it with the deploy's
// user token and PKI. (opcua-robot.test.ts covers the demo's opt-in security.)
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SiteModel } from '../../device-profiles/schema/load.ts';
import { gatewayConfig, type GatewayConfigInput } from '../../gateway/src/config.ts';
import { resolveSecrets } from '../../gateway/src/config-secrets.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { makeCredentials, OPCUA_USER } from '../../gateway/src/deploy/make-credentials.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { freePort } from '../../gateway/src/services/free-port.ts';
import { RobotServer } from '../../simulators/src/robot-arm/robot-server.ts';
import { testSite } from '../support/fixtures.ts';
import { eventually, sleep, spoolDir, tempDir } from '../support/services.ts';

describe('OPC UA with the deploy\'s certificates and user token', () => {
  const dir = tempDir('opcua-deploy');
  const out = join(dir.path, 'secrets');
  let site: SiteModel;
  let server: RobotServer;

  beforeAll(async () => {
    const port = await freePort();
    site = testSite([{ id: 'robot-01', profile: 'robotics-arm', opcua: { endpoint: `opc.tcp://127.0.0.1:${port}`, securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256' } }]);
    await makeCredentials(site, { out });
    server = new RobotServer({
      id: 'robot-01',
      port,
      host: '127.0.0.1',
      seed: 3,
      cycleSeconds: 4,
      pkiDir: join(out, 'simulators/pki/robot-01'),
      requireEncryption: true,
      users: { [OPCUA_USER]: readFileSync(join(out, 'simulators/opcua.password'), 'utf8').trim() },
      protectiveStopChance: 0,
      emergencyStopChance: 0,
    });
    await server.start();
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    dir.remove();
  });

  const gateway = (opcua: GatewayConfigInput['opcua']) => {
    const config = resolveSecrets(gatewayConfig({ http: { host: '127.0.0.1', port: 0 }, spool: { dir: spoolDir() }, opcua: { reconnectMaxMs: 1000, ...opcua } }));
    return new Gateway(site, config, new Telemetry(pino({ level: 'silent' })), { sinks: [], history: false, alarmHistory: false, http: false });
  };
  const state = (g: Gateway) => g.telemetry.counts.sources[g.sources[0]!.name];
  /** A copy of the deploy's gateway PKI, so that each gateway's rejected/ stays its own. */
  const gatewayPki = () => {
    const copy = join(tempDir('gw-pki').path, 'pki');
    cpSync(join(out, 'gateway/pki'), copy, { recursive: true });
    return copy;
  };

  it('is read with the configured user and password file over SignAndEncrypt', async () => {
    const g = gateway({ pkiDir: gatewayPki(), username: OPCUA_USER, passwordFile: join(out, 'gateway/opcua.password') });
    try {
      await g.start();
      await eventually(() => g.telemetry.counts.received > 20, 20_000, 'values from the encrypted session');
      expect(state(g)?.state).toBe('connected');
    } finally {
      await g.stop();
    }
  }, 30_000);

  it('refuses a wrong password, an anonymous session and a client certificate it was not given', async () => {
    const wrong = gateway({ pkiDir: gatewayPki(), username: OPCUA_USER, password: 'not-the-password' });
    const anonymous = gateway({ pkiDir: gatewayPki() });
    // Right password, but the gateway's own certificate is a fresh one the robot never trusted.
    const stranger = gateway({ pkiDir: join(tempDir('gw-pki-stranger').path, 'pki'), trustUnknownServers: true, username: OPCUA_USER, passwordFile: join(out, 'gateway/opcua.password') });
    const all = [wrong, anonymous, stranger];
    try {
      await Promise.all(all.map((g) => g.start()));
      await eventually(() => all.every((g) => state(g)?.state === 'disconnected'), 20_000, 'all three refused');
      await sleep(1500);
      for (const g of all) {
        expect(g.telemetry.counts.received).toBe(0);
        expect(state(g)?.state).not.toBe('connected');
      }
      expect(state(wrong)?.why).toMatch(/BadUserAccessDenied|BadIdentityTokenRejected/);
      // The server does not even offer an anonymous token.
      expect(state(anonymous)?.why).toMatch(/ANONYMOUS user token policy/i);
      // Refused at the secure channel, before any login: the robot checks the client's certificate.
      expect(state(stranger)?.why).toMatch(/BadSecurityChecksFailed|BadCertificateUntrusted/);
    } finally {
      await Promise.all(all.map((g) => g.stop()));
    }
  }, 40_000);
});
