import type { SiteModel } from '../../device-profiles/schema/load.ts';
import { printFarm } from '../support/print-farm.ts';

/** A print farm of `printers` printers, the three conventions in turn. */
export function benchSite(dir: string, printers: number): SiteModel {
  return printFarm(dir, 'bench-site', { printers, profiles: ['octoprint-fdm', 'moonraker-klipper', 'bambu-lab-fdm'] });
}
