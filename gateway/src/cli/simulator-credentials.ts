// The simulators' logins, read at the edge: each MQTT device's user from the file that
// `fieldlab deploy credentials` writes (simulators/mqtt-credentials.yaml), the robots' OPC UA
// user from the same variables the gateway reads. A bad file is refused naming it.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import { parseYaml } from '../../../device-profiles/schema/parse.ts';
import { ConfigError } from '../core/errors.ts';
import { readPemFile, readSecretFile } from '../config-secrets.ts';
import type { MqttLogin } from '../../../simulators/src/fleet.ts';

const CredentialsFileSchema = z.strictObject({
  devices: z.record(z.string().min(1), z.strictObject({ username: z.string().min(1), passwordFile: z.string().min(1) })),
});

export interface SimulatorCredentials {
  readonly mqtt?: ReadonlyMap<string, MqttLogin>;
  readonly mqttCa?: string;
  readonly robotUsers?: Readonly<Record<string, string>>;
}

export function simulatorCredentials(site: SiteModel, env: NodeJS.ProcessEnv = process.env): SimulatorCredentials {
  const file = env.FIELDLAB_MQTT_CREDENTIALS_FILE;
  const caFile = env.FIELDLAB_MQTT_CA_FILE;
  const user = env.FIELDLAB_OPCUA_USERNAME;
  return {
    ...(file ? { mqtt: mqttLogins(site, file) } : {}),
    ...(caFile ? { mqttCa: readPemFile(caFile, 'FIELDLAB_MQTT_CA_FILE') } : {}),
    ...(user ? { robotUsers: { [user]: robotPassword(env) } } : {}),
  };
}

function mqttLogins(site: SiteModel, file: string): Map<string, MqttLogin> {
  const parsed = parseYaml(CredentialsFileSchema, readFileSync(file, 'utf8'), file);
  const mqttDevices = new Set(site.devices.filter((d) => d.profileDef.mqtt).map((d) => d.id));
  const logins = new Map<string, MqttLogin>();
  for (const [id, entry] of Object.entries(parsed.devices)) {
    if (!mqttDevices.has(id)) throw new ConfigError(file, [{ path: `devices.${id}`, message: `expected an MQTT device of the site (${[...mqttDevices].join(', ')})` }]);
    const passwordFile = isAbsolute(entry.passwordFile) ? entry.passwordFile : join(dirname(file), entry.passwordFile);
    logins.set(id, { username: entry.username, password: readSecretFile(passwordFile, `${file}: devices.${id}.passwordFile`) });
  }
  return logins;
}

function robotPassword(env: NodeJS.ProcessEnv): string {
  if (env.FIELDLAB_OPCUA_PASSWORD_FILE) return readSecretFile(env.FIELDLAB_OPCUA_PASSWORD_FILE, 'FIELDLAB_OPCUA_PASSWORD_FILE');
  if (env.FIELDLAB_OPCUA_PASSWORD) return env.FIELDLAB_OPCUA_PASSWORD;
  throw new ConfigError('environment', [{ path: 'FIELDLAB_OPCUA_USERNAME', message: 'expected FIELDLAB_OPCUA_PASSWORD_FILE or FIELDLAB_OPCUA_PASSWORD with it' }]);
}
