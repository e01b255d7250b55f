// Credentials from files and the environment: read at the edge, refused clearly, never echoed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../gateway/src/cli/gateway.ts';
import { simulatorCredentials } from '../../gateway/src/cli/simulator-credentials.ts';
import { ConfigError } from '../../gateway/src/core/errors.ts';
import { readSecretFile } from '../../gateway/src/config-secrets.ts';
import { testSite } from '../support/fixtures.ts';
import { tempDir } from '../support/services.ts';

const dir = tempDir('config-secrets');
afterAll(() => dir.remove());
const file = (name: string, text: string) => {
  const path = join(dir.path, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
};
const refusal = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('password files', () => {
  it('reads the one line of a password file, with or without its newline', () => {
    expect(readSecretFile(file('a.password', 'p4ss word\n'), 'mqtt.passwordFile')).toBe('p4ss word');
    expect(readSecretFile(file('b.password', 'p4ss'), 'mqtt.passwordFile')).toBe('p4ss');
  });

  it('refuses a missing, empty or multi-line file naming it and the setting, without its content', () => {
    const missing = refusal(() => readSecretFile(join(dir.path, 'nope'), 'FIELDLAB_MQTT_PASSWORD_FILE'));
    expect(missing.file).toBe(join(dir.path, 'nope'));
    expect(missing.message).toMatch(/FIELDLAB_MQTT_PASSWORD_FILE: ENOENT/);
    expect(refusal(() => readSecretFile(file('empty', '\n'), 'k')).message).toMatch(/expected one line/);
    const two = refusal(() => readSecretFile(file('two', 'first-secret\nsecond-secret\n'), 'k'));
    expect(two.message).toMatch(/expected one line/);
    expect(two.message).not.toMatch(/first-secret|second-secret/);
  });

  it('takes credentials from FIELDLAB_* variables, the password from its file', () => {
    const c = resolveConfig({}, { FIELDLAB_MQTT_USERNAME: 'gw', FIELDLAB_MQTT_PASSWORD_FILE: file('mqtt.password', 'from-file\n'), FIELDLAB_OPCUA_USERNAME: 'op', FIELDLAB_OPCUA_PASSWORD: 'from-env' });
    expect(c.mqtt).toMatchObject({ username: 'gw', password: 'from-file' });
    expect(c.opcua).toMatchObject({ username: 'op', password: 'from-env' });
  });

  it('refuses a password given both ways', () => {
    const err = refusal(() => resolveConfig({}, { FIELDLAB_MQTT_PASSWORD: 'x', FIELDLAB_MQTT_PASSWORD_FILE: file('c.password', 'y') }));
    expect(err.message).toMatch(/either password or passwordFile/);
  });
});

describe('the simulators\' credentials file', () => {
  const site = testSite([{ id: 'op-1', profile: 'octoprint-fdm' }]);

  it('maps each device to its user and the password in its file (relative to the credentials file)', () => {
    file('op-1.password', 'device-secret\n');
    const creds = simulatorCredentials(site, { FIELDLAB_MQTT_CREDENTIALS_FILE: file('creds.yaml', 'devices:\n  op-1: { username: op-1, passwordFile: op-1.password }\n') });
    expect(creds.mqtt?.get('op-1')).toEqual({ username: 'op-1', password: 'device-secret' });
  });

  it('refuses unknown keys and devices the site does not have, naming the file', () => {
    const typo = file('typo.yaml', 'devices:\n  op-1: { user: op-1, passwordFile: op-1.password }\n');
    expect(refusal(() => simulatorCredentials(site, { FIELDLAB_MQTT_CREDENTIALS_FILE: typo })).message).toContain(typo);
    const stranger = file('stranger.yaml', 'devices:\n  op-9: { username: op-9, passwordFile: op-1.password }\n');
    const err = refusal(() => simulatorCredentials(site, { FIELDLAB_MQTT_CREDENTIALS_FILE: stranger }));
    expect(err.message).toMatch(/devices\.op-9: expected an MQTT device of the site \(op-1\)/);
  });

  it('wants the robots\' password with their user', () => {
    expect(refusal(() => simulatorCredentials(site, { FIELDLAB_OPCUA_USERNAME: 'op' })).message).toMatch(/FIELDLAB_OPCUA_PASSWORD_FILE/);
  });
});
