// Imported first, so that node-opcua's warnings while it loads are caught too.
import { routeOpcuaWarnings } from './opcua-warnings.ts';
import { loadSite } from '../../../device-profiles/schema/load.ts';
import { SimulatedFleet } from '../../../simulators/src/fleet.ts';
import { createLogger, type LogFormat } from './logger.ts';
import { untilSignal } from './signals.ts';
import { simulatorCredentials } from './simulator-credentials.ts';

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
  robotsRequireEncryption?: boolean;
  pkiDir: string;
}

export async function runSimulate(opts: SimulateFlags): Promise<void> {
  const site = loadSite(opts.site, { profilesDir: opts.profiles });
  const log = createLogger(opts.logLevel ?? 'info', opts.logFormat);
  routeOpcuaWarnings(log);
  const credentials = simulatorCredentials(site);
  const logins = credentials.mqtt;
  if (logins) {
    const missing = site.devices.filter((d) => d.profileDef.mqtt && !logins.has(d.id)).map((d) => d.id);
    if (missing.length) log.warn({ devices: missing }, `no MQTT login for ${missing.join(', ')}: they connect without one`);
  }
  const fleet = new SimulatedFleet({
    site,
    mqttUrl: opts.mqtt,
    rate: opts.rate,
    timeScale: opts.timeScale,
    log,
    robotBindHost: opts.robotHost,
    secureRobots: opts.secureRobots,
    robotsRequireEncryption: opts.robotsRequireEncryption,
    ...(credentials.robotUsers ? { robotUsers: credentials.robotUsers } : {}),
    ...(logins ? { mqttCredentials: (id: string) => logins.get(id) } : {}),
    ...(credentials.mqttCa !== undefined ? { mqttCa: credentials.mqttCa } : {}),
    pkiDir: opts.pkiDir,
    lineFlow: true,
  });
  await fleet.start();
  await untilSignal();
  await fleet.stop();
  log.info({ published: fleet.published }, 'simulators stopped');
}
