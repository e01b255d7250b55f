// Imported first, so that node-opcua's warnings while it loads are caught too.
import { routeOpcuaWarnings } from './opcua-warnings.ts';
import { loadSite } from '../../../device-profiles/schema/load.ts';
import { gatewayConfig, loadGatewayConfig, type GatewayConfig } from '../config.ts';
import { resolveSecrets } from '../config-secrets.ts';
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

/**
 * Credentials come from the environment only, never from flags: a command line is visible to
 * every user of the machine. A variable that is set replaces the settings file's value.
 */
function credentials(env: NodeJS.ProcessEnv) {
  const pick = (entries: Record<string, string | undefined>) => Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined && v !== ''));
  return {
    mqtt: pick({ username: env.FIELDLAB_MQTT_USERNAME, password: env.FIELDLAB_MQTT_PASSWORD, passwordFile: env.FIELDLAB_MQTT_PASSWORD_FILE, caFile: env.FIELDLAB_MQTT_CA_FILE }),
    influx: pick({ username: env.FIELDLAB_INFLUX_USERNAME, password: env.FIELDLAB_INFLUX_PASSWORD, passwordFile: env.FIELDLAB_INFLUX_PASSWORD_FILE }),
    opcua: pick({ username: env.FIELDLAB_OPCUA_USERNAME, password: env.FIELDLAB_OPCUA_PASSWORD, passwordFile: env.FIELDLAB_OPCUA_PASSWORD_FILE, pkiDir: env.FIELDLAB_OPCUA_PKI_DIR }),
  };
}

/** Settings file first, flags and FIELDLAB_* variables on top; password files are read last. */
export function resolveConfig(flags: GatewayFlags, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const base = flags.config ? loadGatewayConfig(flags.config) : gatewayConfig();
  const given = credentials(env);
  return resolveSecrets(gatewayConfig({
    ...base,
    mqtt: { ...base.mqtt, ...given.mqtt, ...(flags.mqtt ? { url: flags.mqtt } : {}) },
    influx: { ...base.influx, ...given.influx, ...(flags.influx ? { url: flags.influx } : {}), ...(flags.database ? { database: flags.database } : {}) },
    opcua: { ...base.opcua, ...given.opcua },
    http: {
      ...base.http,
      ...(flags.port !== undefined ? { port: flags.port } : {}),
      ...(flags.host ? { host: flags.host } : {}),
      ...(flags.tlsCert || flags.tlsKey ? { tls: { certFile: flags.tlsCert ?? '', keyFile: flags.tlsKey ?? '' } } : {}),
    },
    auth: { ...base.auth, ...(flags.usersFile ? { usersFile: flags.usersFile } : {}) },
    spool: { ...base.spool, ...(flags.spoolDir ? { dir: flags.spoolDir } : {}) },
    log: { ...base.log, ...(flags.logLevel ? { level: flags.logLevel as GatewayConfig['log']['level'] } : {}) },
  }));
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
