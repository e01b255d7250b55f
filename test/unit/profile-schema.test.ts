import { cpSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../device-profiles/schema/config-error.ts';
import { DEFAULT_PROFILES_DIR, loadProfiles, loadSite } from '../../device-profiles/schema/load.ts';
import { parseYaml } from '../../device-profiles/schema/parse.ts';
import { ProfileSchema } from '../../device-profiles/schema/profile.ts';
import { tempDir } from '../support/services.ts';

const GOOD = `
id: test-printer
kind: fdm-printer
vendor: ACME
model: P1
signals:
  nozzle_temp: { type: float, unit: degC, range: [0, 300] }
  state: { type: enum, values: { RUN: printing, IDLE: idle } }
mqtt:
  topics:
    - topic: acme/{id}/status
      fields: { nozzle_temp: temp.nozzle, state: state }
`;

function problems(text: string) {
  try {
    parseYaml(ProfileSchema, text, 'device-profiles/test.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the profile to be rejected');
}

describe('device profiles', () => {
  it('loads every shipped profile and the demo site', () => {
    const site = loadSite();
    expect(site.devices.filter((d) => d.profileDef.kind === 'fdm-printer')).toHaveLength(4);
    expect(site.devices.filter((d) => d.profileDef.kind === 'robot-arm')).toHaveLength(2);
    expect(site.devices.some((d) => d.profileDef.kind === 'conveyor')).toBe(true);
    expect(site.devices.some((d) => d.profileDef.kind === 'inspection')).toBe(true);
    expect(new Set(site.devices.map((d) => d.profileDef.id))).toEqual(
      new Set(['octoprint-fdm', 'moonraker-klipper', 'bambu-lab-fdm', 'robotics-arm', 'belt-conveyor', 'vision-inspection']),
    );
    expect(site.devices.find((d) => d.id === 'printer-04')?.topicId).toBe('01P00A3B0600123');
    expect(Object.isFrozen(site.devices[0]!.profileDef.signals)).toBe(true);
  });

  it('accepts a valid profile and applies defaults', () => {
    const p = parseYaml(ProfileSchema, GOOD, 'x.yaml');
    expect(p.signals.nozzle_temp!.store).toBe(true);
    expect(p.mqtt!.topics[0]!.format).toBe('json');
  });

  it('names the file, line, path and the unknown key for a typo', () => {
    const [p, ...rest] = problems(GOOD.replace('unit: degC', 'unti: degC'));
    expect(rest).toEqual([]);
    expect(p!.path).toBe('signals.nozzle_temp');
    expect(p!.message).toBe('unknown key "unti"');
    expect(p!.line).toBe(7);
    const err = new ConfigError('device-profiles/test.yaml', [p!]);
    expect(err.message).toBe('device-profiles/test.yaml:7:16: signals.nozzle_temp: unknown key "unti"');
  });

  it('says what was expected for a wrong enum value', () => {
    const [p] = problems(GOOD.replace('type: float', 'type: floot'));
    expect(p!.path).toBe('signals.nozzle_temp.type');
    expect(p!.message).toContain('expected one of "float", "int", "bool", "string", "enum"');
  });

  it('rejects a mapping to an undeclared signal, a topic without {id} and a bad placeholder', () => {
    const ps = problems(GOOD.replace('acme/{id}/status', 'acme/status/{nozle}').replace('state: state', 'stat: state'));
    const messages = ps.map((p) => `${p.path}: ${p.message}`);
    expect(messages).toContain('mqtt.topics[0].topic: expected the topic to contain {id}, got "acme/status/{nozle}"');
    expect(messages).toContain('mqtt.topics[0].topic: placeholder {nozle} is neither {id} nor a declared signal');
    expect(messages.some((m) => m.startsWith('mqtt.topics[0].fields.stat: "stat" is not a declared signal'))).toBe(true);
  });

  it('rejects ranges on strings, enums without values and invalid YAML', () => {
    expect(problems(GOOD.replace('{ RUN: printing, IDLE: idle }', '{}').replace('type: enum, values: {}', 'type: enum'))[0]!.message).toContain('needs `values`');
    expect(problems(GOOD.replace('type: float, unit: degC, range: [0, 300]', 'type: string, range: [0, 300]'))[0]!.message).toContain('only applies to float or int');
    const [yaml] = problems('id: [unclosed\nkind: x');
    expect(yaml!.message).toMatch(/^invalid YAML/);
    expect(yaml!.line).toBeGreaterThan(0);
  });

  it('reports a field-type conflict between two profiles of one kind', () => {
    const dir = tempDir('profiles');
    cpSync(join(DEFAULT_PROFILES_DIR, 'bambu-lab-fdm.yaml'), join(dir.path, 'bambu-lab-fdm.yaml'));
    const other = readFileSync(join(DEFAULT_PROFILES_DIR, 'moonraker-klipper.yaml'), 'utf8').replace('layer:         { type: int', 'layer:         { type: float');
    writeFileSync(join(dir.path, 'moonraker-klipper.yaml'), other);
    expect(() => loadProfiles(dir.path)).toThrow(/signals\.layer\.type: "layer" is float here but int in .*bambu-lab-fdm\.yaml/);
    dir.remove();
  });

  it('rejects a site naming an unknown profile, line or station, or a duplicate id', () => {
    const dir = tempDir('site');
    const site = readFileSync(join(DEFAULT_PROFILES_DIR, 'sites', 'fieldlab-emmen.yaml'), 'utf8')
      .replace('profile: vision-inspection', 'profile: vision-inspektion')
      .replace('id: printer-02', 'id: printer-01')
      .replace('station: packing', 'station: pakking');
    const file = join(dir.path, 'site.yaml');
    writeFileSync(file, `profiles: ${DEFAULT_PROFILES_DIR}\n${site}`);
    let error: ConfigError | undefined;
    try {
      loadSite(file);
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error?.message).toContain('devices[1].id: duplicate device id "printer-01" (also devices[0])');
    expect(error?.message).toContain('devices[7].station: unknown station "pakking" on line "streetlight"');
    // Schema problems come first; the profile reference is checked once the file is well formed.
    writeFileSync(file, `profiles: ${DEFAULT_PROFILES_DIR}\n${readFileSync(join(DEFAULT_PROFILES_DIR, 'sites', 'fieldlab-emmen.yaml'), 'utf8').replace('profile: vision-inspection', 'profile: vision-inspektion')}`);
    expect(() => loadSite(file)).toThrow(/site\.yaml: devices\[6\]\.profile: unknown profile "vision-inspektion"/);
    dir.remove();
  });
});

describe('site file variables', () => {
  it('replaces ${NAME} and ${NAME:-default} from the environment', async () => {
    const { interpolateEnv } = await import('../../device-profiles/schema/load.ts');
    expect(interpolateEnv('opc.tcp://${ROBOT_HOST:-127.0.0.1}:4841', {})).toBe('opc.tcp://127.0.0.1:4841');
    expect(interpolateEnv('opc.tcp://${ROBOT_HOST:-127.0.0.1}:4841', { ROBOT_HOST: 'simulators' })).toBe('opc.tcp://simulators:4841');
    expect(interpolateEnv('${UNSET}x', {})).toBe('x');
  });
});
