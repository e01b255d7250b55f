import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { DEFAULT_PROFILES_DIR, loadSite, type SiteModel } from '../../device-profiles/schema/load.ts';

const PROFILES = ['octoprint-fdm', 'moonraker-klipper', 'bambu-lab-fdm'];

/** A print farm of `printers` printers, the three conventions in turn. */
export function benchSite(dir: string, printers: number): SiteModel {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'bench-site.yaml');
  writeFileSync(
    file,
    stringify({
      site: { id: 'bench', name: 'Benchmark print farm', floor: { width: 50, depth: 50 }, seed: 11 },
      profiles: DEFAULT_PROFILES_DIR,
      lines: [{ id: 'farm', name: 'Farm', stations: [{ id: 'printing', name: 'Printing', position: { x: 1, y: 1 } }] }],
      devices: Array.from({ length: printers }, (_, i) => ({
        id: `printer-${String(i + 1).padStart(3, '0')}`,
        name: `Printer ${i + 1}`,
        profile: PROFILES[i % PROFILES.length],
        line: 'farm',
        station: 'printing',
        position: { x: i % 10, y: Math.floor(i / 10) },
      })),
    }),
  );
  return loadSite(file);
}
