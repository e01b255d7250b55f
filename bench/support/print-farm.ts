// A generated site of many printers on one line, for the benchmarks.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { DEFAULT_PROFILES_DIR, loadSite, type SiteModel } from '../../device-profiles/schema/load.ts';

export interface FarmOptions {
  readonly printers: number;
  /** Profiles used in turn. */
  readonly profiles: readonly string[];
  readonly id?: (i: number) => string;
  /** The id in the printer's topics, when it differs from its device id. */
  readonly topicId?: (i: number) => string;
}

export function printFarm(dir: string, name: string, o: FarmOptions): SiteModel {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.yaml`);
  const id = o.id ?? ((i: number) => `printer-${String(i + 1).padStart(3, '0')}`);
  writeFileSync(
    file,
    stringify({
      site: { id: name, name: `Benchmark print farm (${name})`, floor: { width: 60, depth: 60 }, seed: 11 },
      profiles: DEFAULT_PROFILES_DIR,
      lines: [{ id: 'farm', name: 'Farm', stations: [{ id: 'printing', name: 'Printing', position: { x: 30, y: 30 } }] }],
      devices: Array.from({ length: o.printers }, (_, i) => ({
        id: id(i),
        name: `Printer ${i + 1}`,
        profile: o.profiles[i % o.profiles.length],
        line: 'farm',
        station: 'printing',
        position: { x: 5 + (i % 10) * 5, y: 5 + Math.floor(i / 10) * 5 },
        ...(o.topicId ? { connection: { mqtt: { topicId: o.topicId(i) } } } : {}),
      })),
    }),
  );
  return loadSite(file);
}
