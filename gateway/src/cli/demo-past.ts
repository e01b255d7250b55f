// The demo's past: the warm start's lead-in (the current shift up to now, through a gateway
// whose clock is the simulation's, into the same series journal the live gateway then
// opens) and, on a first start, the line's previous shift written into InfluxDB. Both push
// the simulators' messages through a Gateway's real message path with past timestamps.
import type { Logger } from 'pino';
import { join } from 'node:path';
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import { buildLineModels, type LineModels } from '../../../simulators/src/line/line-models.ts';
import { recordShift, warmStart, type LineRecord, type PastTime } from '../../../simulators/src/line/recorded-past.ts';
import type { GatewayConfig } from '../config.ts';
import { ident, influxQuery } from '../history/influxql.ts';
import { Telemetry } from '../core/telemetry.ts';
import { Gateway, type GatewayParts } from '../runtime/gateway.ts';

/** Marks a database whose previous shift is written, so a second start does not write it again. */
const MARKER = 'demo_history';

interface PastGatewaySetup {
  readonly site: SiteModel;
  readonly config: GatewayConfig;
  readonly log: Logger;
  /** Write to InfluxDB (else nowhere: live only). */
  readonly influx: boolean;
  readonly journal?: string;
}

/** A gateway without sources or HTTP, its clock at the simulated time, no disk spool (a lost past is written again). */
async function pastGateway(setup: PastGatewaySetup, time: PastTime, parts: GatewayParts = {}): Promise<Gateway> {
  const config: GatewayConfig = {
    ...setup.config,
    timeScale: setup.config.timeScale,
    spool: { ...setup.config.spool, enabled: false },
    production: { ...setup.config.production, ...(setup.journal ? { journal: setup.journal } : {}) },
  };
  // Its rejections would be worth seeing; its start and stop are not news on the demo's screen.
  const telemetry = new Telemetry(setup.log.child({ part: 'recorded-past' }, { level: 'warn' }));
  const gateway = new Gateway(setup.site, config, telemetry, { sources: [], http: false, history: false, clock: () => time.now, ...(setup.influx ? {} : { sinks: [] }), ...parts });
  await gateway.start();
  return gateway;
}

/** Yields to the event loop (the live demo runs beside a recorded past), and waits while the sinks are behind. */
function pacer(gateway: Gateway, maxBuffered = 50_000): () => Promise<void> {
  return async () => {
    do await new Promise((resolve) => setImmediate(resolve));
    while (gateway.runners.some((r) => r.depth() > maxBuffered));
  };
}

/**
 * Runs the live fleet's models through the current shift's first minutes, up to `end`, and
 * records them; the live gateway, opening the same journal next, goes on with the series.
 */
export async function runWarmStart(setup: PastGatewaySetup & { readonly models: LineModels; readonly end: number }): Promise<LineRecord & { recorded: boolean }> {
  const time: PastTime = { now: setup.end };
  const gateway = await pastGateway(setup, time);
  try {
    const warm = await warmStart(setup.site, setup.models, () => buildLineModels(setup.site, { lineFlow: true }), { end: setup.end, timeScale: setup.config.timeScale }, { gateway, time, pace: pacer(gateway) });
    await gateway.flush();
    return warm;
  } finally {
    await gateway.stop();
  }
}

export interface ShiftWritten {
  readonly record: LineRecord;
  readonly seconds: number;
  readonly points: number;
  readonly states: number;
  readonly alarms: number;
}

/** Writes the previous shift, `hours` long and ending at `until`, into InfluxDB, then the marker. */
export async function writePreviousShift(setup: PastGatewaySetup & { readonly dataDir: string; readonly hours: number; readonly until: number; readonly signal: AbortSignal }): Promise<ShiftWritten> {
  const started = performance.now();
  const from = setup.until - setup.hours * 3_600_000;
  const time: PastTime = { now: from };
  // Its own journal: the finished series of the past is in InfluxDB; the live journal is the live gateway's.
  // Nor does it take over the alarms listed before it: another day's record starts with its own.
  const gateway = await pastGateway({ ...setup, journal: join(setup.dataDir, 'recorded-past', 'production-series.jsonl') }, time, { alarmHistory: false });
  let record: LineRecord;
  try {
    record = await recordShift(setup.site, { gateway, time, pace: pacer(gateway), signal: setup.signal }, from, setup.until);
    await gateway.flush();
  } finally {
    await gateway.stop();
  }
  const points = gateway.telemetry.counts.written;
  const seconds = (performance.now() - started) / 1000;
  const influx = setup.config.influx;
  const window = `time >= ${from}ms AND time <= ${setup.until}ms`;
  const [states, alarms] = await Promise.all([
    countOf(influx, `SELECT count(state) FROM machine_state WHERE ${window}`),
    countOf(influx, `SELECT count(text) FROM alarm WHERE event = 'raised' AND ${window}`),
  ]);
  const fields = `hours=${setup.hours},from=${from}i,until=${setup.until}i,points=${points}i,parts=${record.line?.packed ?? 0}i,seconds=${seconds.toFixed(2)}`;
  await writeMarker(influx, `${MARKER},site=${setup.site.site.id} ${fields} ${Date.now()}`);
  return { record, seconds, points, states, alarms };
}

/** True when this database already holds a recorded past (the marker). */
export async function hasRecordedPast(influx: GatewayConfig['influx']): Promise<boolean> {
  const results = await influxQuery(influx, [`SHOW MEASUREMENTS WITH MEASUREMENT = ${ident(MARKER)}`]).catch(() => undefined);
  return (results?.[0]?.series?.length ?? 0) > 0;
}

async function countOf(influx: GatewayConfig['influx'], q: string): Promise<number> {
  const results = await influxQuery(influx, [q]).catch(() => undefined);
  return Number(results?.[0]?.series?.[0]?.values?.[0]?.[1] ?? 0);
}

/** The marker, written in line protocol. */
async function writeMarker(influx: GatewayConfig['influx'], line: string): Promise<void> {
  const url = new URL('write', influx.url.endsWith('/') ? influx.url : `${influx.url}/`);
  url.searchParams.set('db', influx.database);
  url.searchParams.set('precision', 'ms');
  const headers: Record<string, string> = {};
  if (influx.username !== undefined) headers.authorization = `Basic ${Buffer.from(`${influx.username}:${influx.password ?? ''}`).toString('base64')}`;
  const res = await fetch(url, { method: 'POST', body: line, headers });
  if (!res.ok) throw new Error(`InfluxDB write: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
}
