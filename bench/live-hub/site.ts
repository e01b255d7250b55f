// Sites for the live benchmarks: N Bambu-style printers (one message carries a sequence
// number in layer_num, so a client can tell exactly which publish it is seeing).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { DEFAULT_PROFILES_DIR, loadSite, type SiteModel } from '../../device-profiles/schema/load.ts';

export function printerSite(dir: string, printers: number): SiteModel {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `live-${printers}.yaml`);
  writeFileSync(
    file,
    stringify({
      site: { id: 'bench-live', name: 'Live benchmark', floor: { width: 60, depth: 60 }, seed: 3 },
      profiles: DEFAULT_PROFILES_DIR,
      lines: [{ id: 'farm', name: 'Farm', stations: [{ id: 'printing', name: 'Printing', position: { x: 30, y: 30 } }] }],
      devices: Array.from({ length: printers }, (_, i) => ({
        id: `p${i}`,
        name: `Printer ${i}`,
        profile: 'bambu-lab-fdm',
        line: 'farm',
        station: 'printing',
        position: { x: 5 + (i % 10) * 5, y: 5 + Math.floor(i / 10) * 5 },
        connection: { mqtt: { topicId: `S${i}` } },
      })),
    }),
  );
  return loadSite(file);
}
