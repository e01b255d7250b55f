// Passwords kept in files (mounted secrets, written by `fieldlab deploy credentials`) are read
// once at start, after the config is validated: validation stays pure, and a file that is
// missing, empty or not one line is refused naming the file, never showing its content.
import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from './core/errors.ts';
import type { GatewayConfig } from './config.ts';

const MAX_SECRET_BYTES = 4096;

/** The first line of `file`, which must be the only non-empty one. `key` says which setting named it. */
export function readSecretFile(file: string, key: string): string {
  let text: string;
  try {
    if (statSync(file).size > MAX_SECRET_BYTES) throw new ConfigError(file, [{ path: '', message: `expected a secret of at most ${MAX_SECRET_BYTES} bytes (named by ${key})` }]);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(file, [{ path: '', message: `cannot read the secret named by ${key}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}` }]);
  }
  const lines = text.split(/\r?\n/);
  while (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length !== 1 || lines[0] === '') throw new ConfigError(file, [{ path: '', message: `expected one line holding the secret named by ${key}` }]);
  return lines[0]!;
}

/** A PEM certificate file (a CA to trust): not a secret, but refused as clearly when unusable. */
export function readPemFile(file: string, key: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `cannot read the certificate named by ${key}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}` }]);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(file, [{ path: '', message: `expected a PEM certificate (-----BEGIN CERTIFICATE-----) for ${key}` }]);
  return pem;
}

function password(section: { password?: string | undefined; passwordFile?: string | undefined }, key: string): string | undefined {
  if (section.password !== undefined && section.passwordFile !== undefined) {
    throw new ConfigError(key, [{ path: '', message: 'expected either password or passwordFile, not both' }]);
  }
  return section.passwordFile !== undefined ? readSecretFile(section.passwordFile, `${key}.passwordFile`) : section.password;
}

/** The config with every `passwordFile` read into its `password`. */
export function resolveSecrets(config: GatewayConfig): GatewayConfig {
  return Object.freeze({
    ...config,
    mqtt: { ...config.mqtt, password: password(config.mqtt, 'mqtt') },
    influx: { ...config.influx, password: password(config.influx, 'influx') },
    opcua: { ...config.opcua, password: password(config.opcua, 'opcua') },
  });
}
