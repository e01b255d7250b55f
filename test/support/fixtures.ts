// Sites built in memory for tests, from the shipped profiles.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { DEFAULT_PROFILES_DIR, loadSite, type SiteModel } from '../../device-profiles/schema/load.ts';
import type { SiteFile } from '../../device-profiles/schema/site.ts';
import { tempDir } from './services.ts';

type DeviceInput = { id: string; profile: string; topicId?: string; simulation?: Record<string, number>; opcua?: Record<string, unknown> };

/** A one-line site with the given devices, written to a temp folder and loaded like any site. */
export function testSite(devices: DeviceInput[], profilesDir = DEFAULT_PROFILES_DIR, more: Partial<Record<keyof SiteFile, unknown>> = {}): SiteModel {
  const dir = tempDir('site');
  mkdirSync(dir.path, { recursive: true });
  const file = join(dir.path, 'site.yaml');
  const site: Record<string, unknown> = {
    site: { id: 'test-lab', name: 'Test lab', floor: { width: 10, depth: 10 }, seed: 7 },
    profiles: profilesDir,
    lines: [{ id: 'line-a', name: 'Line A', stations: [{ id: 'st-1', name: 'Station 1', position: { x: 1, y: 1 } }] }],
    devices: devices.map((d, i) => ({
      id: d.id,
      name: `Device ${i + 1}`,
      profile: d.profile,
      line: 'line-a',
      station: 'st-1',
      position: { x: i, y: 1 },
      ...(d.topicId || d.opcua ? { connection: { ...(d.topicId ? { mqtt: { topicId: d.topicId } } : {}), ...(d.opcua ? { opcua: d.opcua } : {}) } } : {}),
      ...(d.simulation ? { simulation: d.simulation } : {}),
    })),
    ...more,
  } satisfies Partial<Record<keyof SiteFile, unknown>>;
  writeFileSync(file, stringify(site));
  return loadSite(file);
}

/**
 * The demo site (fieldlab-emmen) written to `dir` with its two robots' OPC UA endpoints moved
 * to the given ports, so tests can run it beside each other. Returns the file.
 */
export function demoSiteFile(dir: string, robotPorts: readonly [number, number]): string {
  const file = join(dir, 'site.yaml');
  const yaml = readFileSync(join(DEFAULT_PROFILES_DIR, 'sites', 'fieldlab-emmen.yaml'), 'utf8');
  writeFileSync(file, `profiles: ${DEFAULT_PROFILES_DIR}\n${yaml.replace(':4841', `:${robotPorts[0]}`).replace(':4842', `:${robotPorts[1]}`)}`);
  return file;
}

/**
 * The demo site as `demoSiteFile` writes it, with `morePrinters` more printers at the print
 * farm (printer-05, …, profile octoprint-fdm like printer-01) and, where given, another site
 * seed (another day of the line: every machine draws other numbers). Written as `file` in `dir`.
 */
export function demoSiteFileWith(dir: string, robotPorts: readonly [number, number], options: { morePrinters?: number; seed?: number; file?: string }): string {
  const base = readFileSync(demoSiteFile(dir, robotPorts), 'utf8');
  const seeded = options.seed === undefined ? base : base.replace(/^(\s+seed:) 2026$/m, `$1 ${options.seed}`);
  if (options.seed !== undefined && seeded === base) throw new Error('the demo site file has no "seed: 2026" line to change');
  const printers = Array.from({ length: options.morePrinters ?? 0 }, (_, i) => {
    const id = `printer-${String(5 + i).padStart(2, '0')}`;
    return `  - id: ${id}\n    name: Printer ${5 + i} — Prusa MK4 (OctoPrint)\n    profile: octoprint-fdm\n    line: streetlight\n    station: printing\n    position: { x: ${11 + 3 * Math.floor(i / 2)}, y: ${i % 2 === 0 ? 15 : 9} }\n`;
  });
  const file = join(dir, options.file ?? 'site-more.yaml');
  writeFileSync(file, `${seeded.trimEnd()}\n${printers.join('')}`);
  return file;
}
