// The demo line's recorded past, as tests of replay and experiments start from it: a gateway
// configuration for a test influxd (temporary folders, port 0), and the previous shift
// written by the line's own models through a gateway's path (`writePreviousShift`, as `npm
// run demo` writes it), ending a minute ago.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { SiteModel } from '../../device-profiles/schema/load.ts';
import { writePreviousShift } from '../../gateway/src/cli/demo-past.ts';
import { gatewayConfig, type GatewayConfig } from '../../gateway/src/config.ts';

export interface RecordedDemoOptions {
  readonly influxUrl: string;
  readonly database: string;
  /** Temporary folder: spool, journal, PKI and the past's own journal go below it. */
  readonly dir: string;
  readonly hours: number;
  /** A broker for a live gateway on the same configuration. */
  readonly mqttUrl?: string;
  /** Where the past ends; default a minute ago. */
  readonly until?: number;
}

/** A configuration for the test's gateways, and the past written with it: [from, until]. */
export async function recordDemoPast(site: SiteModel, log: Logger, o: RecordedDemoOptions): Promise<{ config: GatewayConfig; from: number; until: number }> {
  const config = gatewayConfig({
    ...(o.mqttUrl ? { mqtt: { url: o.mqttUrl } } : {}),
    influx: { url: o.influxUrl, database: o.database, flushIntervalMs: 200 },
    http: { host: '127.0.0.1', port: 0 },
    opcua: { pkiDir: join(o.dir, 'pki') },
    spool: { dir: join(o.dir, `spool-${o.database}`) },
    production: { journal: join(o.dir, `journal-${o.database}.jsonl`) },
  });
  const until = o.until ?? Date.now() - 60_000;
  await writePreviousShift({ site, config, log, influx: true, dataDir: join(o.dir, o.database), hours: o.hours, until, signal: new AbortController().signal });
  return { config, from: until - o.hours * 3_600_000, until };
}
