// Imported first, so that node-opcua's warnings while it loads are caught too.
import { routeOpcuaWarnings } from './opcua-warnings.ts';
import { loadSite } from '../../../device-profiles/schema/load.ts';
import { SimulatedFleet } from '../../../simulators/src/fleet.ts';
import { createLogger, type LogFormat } from './logger.ts';
import { untilSignal } from './signals.ts';

export interface SimulateFlags {
  site?: string;
  profiles?: string;
  mqtt: string;
  rate: number;
  timeScale: number;
  logLevel?: string;
  logFormat?: LogFormat;
  robotHost?: string;
  secureRobots?: boolean;
  pkiDir: string;
}

export async function runSimulate(opts: SimulateFlags): Promise<void> {
  const site = loadSite(opts.site, { profilesDir: opts.profiles });
  const log = createLogger(opts.logLevel ?? 'info', opts.logFormat);
  routeOpcuaWarnings(log);
  const fleet = new SimulatedFleet({
    site,
    mqttUrl: opts.mqtt,
    rate: opts.rate,
    timeScale: opts.timeScale,
    log,
    robotBindHost: opts.robotHost,
    secureRobots: opts.secureRobots,
    pkiDir: opts.pkiDir,
    lineFlow: true,
  });
  await fleet.start();
  await untilSignal();
  await fleet.stop();
  log.info({ published: fleet.published }, 'simulators stopped');
}
