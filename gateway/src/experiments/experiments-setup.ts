// The experiments service a gateway runs: an engine (in a gateway the real one, real-engine.ts), its record
// read from the InfluxDB the gateway writes to, kept in the gateway's own folder. Where a
// part is missing, a service that answers every call with 503 and says which part.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import type { GatewayConfig } from '../config.ts';
import { FieldlabError } from '../core/errors.ts';
import type { ExperimentsApi } from '../core/experiments.ts';
import type { ExperimentEngine } from './engine.ts';
import { Experiments } from './experiments.ts';
import { influxRecordReader } from './recorded-from-influx.ts';

/** The API and its lifecycle: `open` once at start, `close` once at stop. */
export interface ExperimentsService extends ExperimentsApi {
  open(): void;
  close(): Promise<void>;
}

export function experimentsDir(config: GatewayConfig): string {
  return config.experiments.dir ?? join(config.spool.dir, 'experiments');
}

/** `engine`: REAL_ENGINE (real-engine.ts) in a gateway; undefined where none is wired. */
export function experimentsFor(site: SiteModel, config: GatewayConfig, log: Logger, engine: ExperimentEngine | undefined): ExperimentsService {
  if (!engine) return unavailableExperiments('the experiment engine (simulators/src/experiments/) is not wired into this gateway yet');
  return new Experiments({ site, engine, dir: experimentsDir(config), keep: config.experiments.keep, readRecord: influxRecordReader(site, config.influx), log });
}

export function unavailableExperiments(why: string): ExperimentsService {
  const no = (): never => {
    throw new FieldlabError('FL_EXPERIMENTS_UNAVAILABLE', { why });
  };
  return { open: () => undefined, close: async () => undefined, submit: async () => no(), get: async () => no(), list: () => no(), cancel: async () => no(), trace: async () => no() };
}
