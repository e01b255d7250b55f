// N Bambu-style printers: one message carries a sequence number in layer_num, so a client
// can tell exactly which publish it is seeing.
import type { SiteModel } from '../../device-profiles/schema/load.ts';
import { printFarm } from '../support/print-farm.ts';

export function printerSite(dir: string, printers: number): SiteModel {
  return printFarm(dir, `live-${printers}`, { printers, profiles: ['bambu-lab-fdm'], id: (i) => `p${i}`, topicId: (i) => `S${i}` });
}
