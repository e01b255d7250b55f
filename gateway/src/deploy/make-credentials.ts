// `fieldlab deploy credentials`: every credential a compose deployment needs, made from the
// site model into one folder (deploy/secrets by default), each service's in its own subfolder
// for mounting. Passwords are random, written with mode 0600 and never printed; what exists is
// kept, so running it again after adding a device adds that device's user and changes nothing
// else. The password file and ACL are always rewritten from the site.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, copyFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import { readSecretFile } from '../config-secrets.ts';
import { aclFile, GATEWAY_MQTT_USER, HEALTHCHECK_MQTT_USER, mqttAccess } from './mqtt-access.ts';
import { writePasswordFile, type Hasher, type MqttUser } from './mosquitto-passwd.ts';
import { ensureCa, ensureServerCert } from './tls-certs.ts';
import { crossTrust, GATEWAY_APPLICATION_URI, robotApplicationUri } from './opcua-trust.ts';

/** The user the gateway logs in with on the robots' OPC UA servers. */
export const OPCUA_USER = 'fieldlab-gateway';

export interface CredentialsOptions {
  readonly out: string;
  /** Extra names or addresses the servers are reached by (added to every server certificate). */
  readonly hosts?: readonly string[];
  readonly hasher?: Hasher;
}

export interface CredentialsReport {
  readonly out: string;
  readonly mqttDevices: readonly string[];
  readonly robots: readonly string[];
  readonly hasher: Hasher;
  /** Files written, relative to `out`; contents never. */
  readonly files: readonly string[];
}

export async function makeCredentials(site: SiteModel, options: CredentialsOptions): Promise<CredentialsReport> {
  const out = resolve(options.out);
  const files: string[] = [];
  const dir = (...parts: string[]) => {
    const d = join(out, ...parts);
    mkdirSync(d, { recursive: true, mode: 0o700 });
    return d;
  };
  const note = (file: string) => files.push(file.slice(out.length + 1));
  const secret = (file: string): string => {
    note(file);
    if (existsSync(file)) return readSecretFile(file, 'an earlier `fieldlab deploy credentials`');
    const value = randomBytes(24).toString('base64url');
    writeFileSync(file, `${value}\n`, { mode: 0o600 });
    return value;
  };
  const hosts = options.hosts ?? [];

  const access = mqttAccess(site);
  const mosquitto = dir('mosquitto');
  const gateway = dir('gateway');
  const simulators = dir('simulators');
  const users: MqttUser[] = [
    { username: GATEWAY_MQTT_USER, password: secret(join(gateway, 'mqtt.password')) },
    { username: HEALTHCHECK_MQTT_USER, password: secret(join(mosquitto, 'healthcheck.password')) },
  ];
  const deviceCredentials: Record<string, { username: string; passwordFile: string }> = {};
  dir('simulators', 'mqtt');
  for (const d of access.devices) {
    const passwordFile = join('mqtt', `${d.deviceId}.password`);
    users.push({ username: d.username, password: secret(join(simulators, passwordFile)) });
    deviceCredentials[d.deviceId] = { username: d.username, passwordFile };
  }
  const passwd = join(mosquitto, 'passwd');
  const hasher = writePasswordFile(passwd, users, options.hasher);
  note(passwd);
  const acl = join(mosquitto, 'acl');
  writeFileSync(acl, aclFile(access, site.site.name), { mode: 0o600 });
  note(acl);
  const credentials = join(simulators, 'mqtt-credentials.yaml');
  writeFileSync(credentials, `# Each simulated device's MQTT user; password files relative to this file.\n${stringify({ devices: deviceCredentials })}`, { mode: 0o600 });
  note(credentials);

  const ca = ensureCa(dir('ca'), site.site.name);
  note(ca.certFile);
  note(ca.keyFile);
  for (const where of [mosquitto, gateway, simulators]) {
    copyFileSync(ca.certFile, join(where, 'ca.crt'));
    note(join(where, 'ca.crt'));
  }
  ensureServerCert(ca, join(mosquitto, 'server.crt'), join(mosquitto, 'server.key'), 'mosquitto', ['mosquitto', 'localhost', '127.0.0.1', ...hosts]);
  ensureServerCert(ca, join(gateway, 'https.crt'), join(gateway, 'https.key'), 'gateway', ['gateway', 'localhost', '127.0.0.1', ...hosts]);
  files.push('mosquitto/server.crt', 'mosquitto/server.key', 'gateway/https.crt', 'gateway/https.key');

  const robots = site.devices.filter((d) => d.profileDef.opcua && d.connection.opcua);
  if (robots.length > 0) {
    const password = secret(join(gateway, 'opcua.password'));
    // The robots' copy follows the gateway's, so replacing that one replaces both.
    const robotPassword = join(simulators, 'opcua.password');
    writeFileSync(robotPassword, `${password}\n`, { mode: 0o600 });
    note(robotPassword);
    await crossTrust(
      { pkiDir: join(gateway, 'pki'), applicationUri: GATEWAY_APPLICATION_URI, dns: ['gateway', 'localhost', ...hosts], certName: 'client_certificate.pem', label: 'fieldlab-gateway' },
      robots.map((r) => ({
        pkiDir: join(simulators, 'pki', r.id),
        applicationUri: robotApplicationUri(r.id),
        dns: [...new Set([new URL(r.connection.opcua!.endpoint.replace(/^opc\.tcp:/, 'http:')).hostname, 'simulators', 'localhost', ...hosts])],
        certName: 'certificate.pem',
        label: r.id,
      })),
    );
    files.push('gateway/pki/', 'simulators/pki/');
  }
  return { out, mqttDevices: access.devices.map((d) => d.deviceId), robots: robots.map((r) => r.id), hasher, files };
}
