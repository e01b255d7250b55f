// The measured process of bench/experiments/ingest.ts: a gateway taking in the print farm's
// MQTT traffic (as bench/mqtt-ingest/worker.ts runs it, spool on) whose experiments service
// is the real one (the real engine in a worker thread) over the demo line's recorded past.
// Per round it reports its main thread's event-loop utilisation, which is per thread in
// Node 20 (process.cpuUsage() is not: it counts the experiment's thread too).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { Experiments } from '../../gateway/src/experiments/experiments.ts';
import { REAL_ENGINE } from '../../gateway/src/experiments/real-engine.ts';
import { influxRecordReader } from '../../gateway/src/experiments/recorded-from-influx.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { benchSite } from '../mqtt-ingest/site.ts';

export interface IngestRoundReport {
  readonly messages: number;
  readonly pointsWritten: number;
  readonly rejected: number;
  readonly dropped: number;
  /** The main thread's event loop, between 'go' and everything handled and flushed. */
  readonly activeMs: number;
  readonly utilisation: number;
  /** The main thread's own CPU time (Linux: /proc/self/task/<pid>/schedstat); null where it cannot be read. */
  readonly cpuMs: number | null;
  readonly wallMs: number;
  /** [Date.now(), messages handled since 'go'], every 5 ms: when each message had been handled. */
  readonly handled: readonly (readonly [number, number])[];
  /** The experiment's status and progress at the round's end (null: none was running). */
  readonly experiment: { readonly status: string; readonly progress: number } | null;
}

const [dir, printers, mqttUrl, influxUrl, database, timeScale, demoSiteFile, pastDatabase] = process.argv.slice(2) as [string, string, string, string, string, string, string, string];
const site = benchSite(dir, Number(printers));
const demo = loadSite(demoSiteFile);
const log = pino({ level: 'warn' });
const config = gatewayConfig({
  mqtt: { url: mqttUrl, clientId: `bench-experiments-${process.pid}` },
  influx: { url: influxUrl, database },
  spool: { enabled: true, dir: join(dir, `spool-${process.pid}`) },
  timeScale: Number(timeScale),
  log: { level: 'warn' },
});
// The service a gateway runs (experiments-setup.ts), over the demo line's site and record.
const experiments = new Experiments({ site: demo, engine: REAL_ENGINE!, dir: join(dir, 'experiments'), readRecord: influxRecordReader(demo, { ...config.influx, database: pastDatabase }), log });
const gateway = new Gateway(site, config, new Telemetry(log), { http: false, experiments });
await gateway.start();
while (gateway.sources[0]!.state() !== 'connected') await sleep(20);
await sleep(300);
const c = gateway.telemetry.counts;
const read = () => ({ messages: c.received, pointsWritten: c.written, rejected: Object.values(c.rejected).reduce((a, b) => a + b, 0), dropped: c.dropped });
let current: string | undefined;
const send = (m: unknown) => process.send!(m);
send({ ready: true });

process.on('message', async (msg: { start?: unknown; release?: boolean; go?: number; stop?: boolean }) => {
  if (msg.stop) {
    if (current) await experiments.cancel(current).catch(() => undefined);
    await gateway.stop();
    process.exit(0);
  }
  if (msg.start) {
    // Submitted (the record read from InfluxDB) and under way in its thread before the round starts.
    const e = await experiments.submit(msg.start);
    current = e.id;
    for (;;) {
      const d = await experiments.get(e.id);
      if (d?.status === 'failed' || d?.status === 'done') return send({ started: false, status: d.status, error: d.error });
      if (d?.status === 'running' && d.progress > 0) break;
      await sleep(50);
    }
    return send({ started: true, id: e.id });
  }
  if (msg.release) {
    const d = current ? await experiments.get(current) : undefined;
    if (current && (d?.status === 'running' || d?.status === 'queued')) await experiments.cancel(current);
    current = undefined;
    return send({ released: true, status: d?.status ?? null });
  }
  if (msg.go === undefined) return;
  const expected = msg.go;
  const base = read();
  const handled: [number, number][] = [];
  const cpu0 = mainThreadCpuMs();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  for (let n = 0; n < expected; n = read().messages - base.messages) {
    handled.push([Date.now(), n]);
    await sleep(5);
  }
  handled.push([Date.now(), read().messages - base.messages]);
  await gateway.flush();
  const elu = performance.eventLoopUtilization(elu0);
  const cpu1 = mainThreadCpuMs();
  const wallMs = performance.now() - t0;
  const now = read();
  const d = current ? await experiments.get(current) : undefined;
  send({
    messages: now.messages - base.messages,
    pointsWritten: now.pointsWritten - base.pointsWritten,
    rejected: now.rejected - base.rejected,
    dropped: now.dropped - base.dropped,
    activeMs: elu.active,
    utilisation: elu.utilization,
    cpuMs: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0,
    wallMs,
    handled,
    experiment: d ? { status: d.status, progress: d.progress } : null,
  } satisfies IngestRoundReport);
});

/**
 * The main thread's time on a CPU, in ms: Node 20 has no per-thread CPU clock, but Linux
 * keeps one per task; the main thread's task id is the process id. Unlike the event loop's
 * active time, it leaves out the time the thread waited, preempted, for a core.
 */
function mainThreadCpuMs(): number | null {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return null;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
