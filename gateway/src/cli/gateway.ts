// Imported first, so that node-opcua's warnings while it loads are caught too.
import { routeOpcuaWarnings } from './opcua-warnings.ts';
import { loadSite } from '../../../device-profiles/schema/load.ts';
import { gatewayConfig, loadGatewayConfig, type GatewayConfig } from '../config.ts';
import { Telemetry } from '../core/telemetry.ts';
import { Gateway } from '../runtime/gateway.ts';
import { createLogger, type LogFormat } from './logger.ts';
import { ensureViewerBuilt } from '../http/viewer.ts';
import { untilSignal } from './signals.ts';

export interface GatewayFlags {
  site?: string;
  profiles?: string;
  config?: string;
  mqtt?: string;
  influx?: string;
  database?: string;
  port?: number;
  host?: string;
  logLevel?: string;
  logFormat?: LogFormat;
  spoolDir?: string;
  usersFile?: string;
  tlsCert?: string;
  tlsKey?: string;
}

/** Settings file first, flags and FIELDLAB_* variables on top. */
export function resolveConfig(flags: GatewayFlags): GatewayConfig {
  const base = flags.config ? loadGatewayConfig(flags.config) : gatewayConfig();
  return gatewayConfig({
    ...base,
    mqtt: { ...base.mqtt, ...(flags.mqtt ? { url: flags.mqtt } : {}) },
    influx: { ...base.influx, ...(flags.influx ? { url: flags.influx } : {}), ...(flags.database ? { database: flags.database } : {}) },
    http: {
      ...base.http,
      ...(flags.port !== undefined ? { port: flags.port } : {}),
      ...(flags.host ? { host: flags.host } : {}),
      ...(flags.tlsCert || flags.tlsKey ? { tls: { certFile: flags.tlsCert ?? '', keyFile: flags.tlsKey ?? '' } } : {}),
    },
    auth: { ...base.auth, ...(flags.usersFile ? { usersFile: flags.usersFile } : {}) },
    spool: { ...base.spool, ...(flags.spoolDir ? { dir: flags.spoolDir } : {}) },
    log: { ...base.log, ...(flags.logLevel ? { level: flags.logLevel as GatewayConfig['log']['level'] } : {}) },
  });
}

export async function runGateway(flags: GatewayFlags): Promise<void> {
  const site = loadSite(flags.site, { profilesDir: flags.profiles });
  const config = resolveConfig(flags);
  const log = createLogger(config.log.level, flags.logFormat);
  routeOpcuaWarnings(log);
  await ensureViewerBuilt(log);
  const gateway = new Gateway(site, config, new Telemetry(log));
  await gateway.start();
  log.info(`health: ${gateway.httpAddress()}/healthz  metrics: ${gateway.httpAddress()}/metrics`);
  await untilSignal();
  await gateway.stop();
}
