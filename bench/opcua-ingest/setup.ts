// The benchmark's robots and profile: the shipped robotics-arm profile cut down to what
// the issue measures, 6 axes × (position, speed, load), all sampled every 50 ms.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { DEFAULT_PROFILES_DIR, loadSite, type SiteModel } from '../../device-profiles/schema/load.ts';

export const SAMPLING_MS = 50;

export function benchRobotSite(dir: string, robots: number, port: number): SiteModel {
  const profiles = join(dir, 'profiles');
  mkdirSync(profiles, { recursive: true });
  const profile = parse(readFileSync(join(DEFAULT_PROFILES_DIR, 'robotics-arm.yaml'), 'utf8')) as {
    twin?: unknown;
    signals: Record<string, unknown>;
    opcua: { samplingInterval: number; publishingInterval: number; signals: Record<string, { path: string; deadband?: unknown; samplingInterval?: number }> };
  };
  const keep = (name: string) => /^axis\d_(position|speed|load)$/.test(name);
  profile.signals = Object.fromEntries(Object.entries(profile.signals).filter(([n]) => keep(n)));
  profile.opcua.signals = Object.fromEntries(Object.entries(profile.opcua.signals).filter(([n]) => keep(n)).map(([n, s]) => [n, { path: s.path }]));
  // No viewer in this benchmark; its bindings name signals cut above.
  delete profile.twin;
  profile.opcua.samplingInterval = SAMPLING_MS;
  profile.opcua.publishingInterval = SAMPLING_MS;
  writeFileSync(join(profiles, 'robotics-arm.yaml'), stringify(profile));
  const file = join(dir, 'site.yaml');
  writeFileSync(
    file,
    stringify({
      site: { id: 'bench-robots', name: 'Benchmark robot cells', floor: { width: 50, depth: 50 }, seed: 5 },
      profiles,
      lines: [{ id: 'cells', name: 'Cells', stations: [{ id: 'cell', name: 'Cell', position: { x: 1, y: 1 } }] }],
      devices: Array.from({ length: robots }, (_, i) => ({
        id: robotId(i),
        name: `Robot ${i + 1}`,
        profile: 'robotics-arm',
        line: 'cells',
        station: 'cell',
        position: { x: i, y: 1 },
        connection: { opcua: { endpoint: `opc.tcp://127.0.0.1:${port}`, root: `machinery:Machines/*:${robotId(i)}` } },
      })),
    }),
  );
  return loadSite(file);
}

export const robotId = (i: number) => `robot-${String(i + 1).padStart(2, '0')}`;
