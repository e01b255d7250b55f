import { loadSite } from '../../../device-profiles/schema/load.ts';
import { SimulatedFleet } from '../../../simulators/src/fleet.ts';
import { createLogger } from './logger.ts';
import { untilSignal } from './signals.ts';

export async function runSimulate(opts: { site?: string; profiles?: string; mqtt: string; rate: number; timeScale: number; logLevel?: string }): Promise<void> {
  const site = loadSite(opts.site, { profilesDir: opts.profiles });
  const log = createLogger(opts.logLevel ?? 'info');
  const fleet = new SimulatedFleet({ site, mqttUrl: opts.mqtt, rate: opts.rate, timeScale: opts.timeScale, log });
  await fleet.start();
  await untilSignal();
  await fleet.stop();
  log.info({ published: fleet.published }, 'simulators stopped');
}
