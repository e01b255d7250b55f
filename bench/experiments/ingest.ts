// Benchmark: the ingest path's cost per message while a virtual experiment runs, against no
// experiment, side by side in one run. A gateway takes in the print farm's MQTT traffic at a
// fixed fieldlab rate (the mqtt-ingest bench's site and messages); in alternating rounds its
// experiments service is (a) idle or (b) running a real experiment (the real engine in its
// worker thread, on the demo line's past written into influxd by `writePreviousShift`, as the
// e2e test does). Measured: the gateway's main-thread event-loop active time per message
// (per thread; process.cpuUsage() would count the experiment's thread), publish → handled
// lag, and messages lost.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { writePreviousShift } from '../../gateway/src/cli/demo-past.ts';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { startEmbeddedBroker } from '../../gateway/src/services/embedded-broker.ts';
import { demoSiteFile } from '../../test/support/fixtures.ts';
import { startMosquitto, startTestInflux, tempDir } from '../../test/support/services.ts';
import { printerTraffic } from '../mqtt-ingest/messages.ts';
import { benchSite } from '../mqtt-ingest/site.ts';
import type { IngestRoundReport } from './ingest-worker.ts';

export interface ExperimentIngestOptions {
  readonly printers: number;
  readonly rate: number;
  readonly messagesPerRound: number;
  /** Pairs of rounds (a: no experiment, b: an experiment running), after one warm-up round of each. */
  readonly pairs: number;
  /** Hours of the demo line's past written and calibrated from. */
  readonly pastHours: number;
  readonly target?: number;
}

export interface ExperimentIngestRound {
  readonly experiment: boolean;
  readonly messages: number;
  readonly activeMsPerMessage: number;
  /** Share of the main thread's wall time its event loop was busy. */
  readonly utilisation: number;
  /** The main thread's own CPU time per message (Linux only; null elsewhere): a second view, without waits for a core. */
  readonly cpuMsPerMessage: number | null;
  readonly lagP50Ms: number;
  readonly lagP99Ms: number;
  readonly lagMaxMs: number;
  readonly lost: number;
  readonly rejected: number;
  readonly dropped: number;
  /** The experiment's progress at the round's end (b rounds): it was still running. */
  readonly experimentProgress: number | null;
}

export interface ExperimentIngestResult {
  readonly name: 'experiment-ingest';
  readonly options: ExperimentIngestOptions;
  readonly broker: string;
  readonly scenario: Record<string, unknown>;
  readonly past: { readonly hours: number; readonly points: number; readonly seconds: number };
  readonly pairs: { readonly none: ExperimentIngestRound; readonly running: ExperimentIngestRound; readonly ratio: number; readonly cpuRatio: number | null }[];
  readonly medianRatio: number;
  /** The same ratio of the main thread's own CPU time per message (null where not on Linux). */
  readonly medianCpuRatio: number | null;
  readonly target: number;
  readonly published: number;
  readonly storedInInflux: number;
  readonly lost: number;
  /** What the target is judged on: the main thread's CPU per message where the OS gives it, else its event-loop active time. */
  readonly judgedOn: 'cpu' | 'active';
  readonly pass: boolean;
  readonly loadavg: { readonly before: readonly number[]; readonly after: readonly number[] };
}

const WORKER = fileURLToPath(new URL('./ingest-worker.ts', import.meta.url));
const DATABASE = 'bench';
const PAST_DATABASE = 'demo_past';

export async function benchExperimentIngest(options: ExperimentIngestOptions): Promise<ExperimentIngestResult> {
  const before = loadavg();
  const dir = tempDir('bench-experiments');
  const influx = await startTestInflux();
  let mosquitto: Awaited<ReturnType<typeof startMosquitto>> | undefined;
  let aedes: Awaited<ReturnType<typeof startEmbeddedBroker>> | undefined;
  let child: ChildProcess | undefined;
  let publisher: mqtt.MqttClient | undefined;
  try {
    // The demo line's past, as `npm run demo` and the e2e test write it.
    const demoFile = demoSiteFile(dir.path, [1, 2]);
    const demo = loadSite(demoFile);
    const pastConfig = gatewayConfig({
      influx: { url: influx.url, database: PAST_DATABASE, flushIntervalMs: 200 },
      http: { host: '127.0.0.1', port: 0 },
      opcua: { pkiDir: join(dir.path, 'pki') },
      spool: { dir: join(dir.path, 'past-spool') },
      production: { journal: join(dir.path, 'journal.jsonl') },
    });
    const written = await writePreviousShift({ site: demo, config: pastConfig, log: pino({ level: 'warn' }), influx: true, dataDir: dir.path, hours: options.pastHours, until: Date.now() - 60_000, signal: new AbortController().signal });

    mosquitto = await startMosquitto().catch(() => undefined);
    aedes = mosquitto ? undefined : await startEmbeddedBroker(0);
    const mqttUrl = mosquitto?.url ?? aedes!.url;
    const site = benchSite(dir.path, options.printers);
    const rounds = 2 * (options.pairs + 1);
    const total = options.messagesPerRound * rounds;
    const { messages: all, simulatedSeconds } = printerTraffic(site, total, options.rate);
    const timeScale = simulatedSeconds / (total / options.rate);
    child = fork(WORKER, [dir.path, String(options.printers), mqttUrl, influx.url, DATABASE, String(timeScale), demoFile, PAST_DATABASE], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const w = child;
    const ask = <T>(msg: unknown) => {
      const reply = nextMessage<T>(w);
      w.send(msg as object);
      return reply;
    };
    await nextMessage(w);
    publisher = await mqtt.connectAsync(mqttUrl, { clientId: 'bench-experiments-publisher' });

    // Many replications of a week: one experiment outlasts a round by far; it is cancelled after it.
    const scenario = { name: 'fifth printer', line: 'streetlight', changes: [{ station: 'printing', add: 1, like: 'printer-04' }], horizon: { hours: 168 }, replications: 1000 };
    const measured: ExperimentIngestRound[] = [];
    for (let round = 0; round < rounds; round++) {
      // a, b, a, b, …; the first pair warms up the JIT and is not counted.
      const experiment = round % 2 === 1;
      if (experiment) {
        const s = await ask<{ started: boolean; status?: string; error?: unknown }>({ start: { ...scenario, seed: round } });
        if (!s.started) throw new Error(`the experiment did not start: ${s.status} ${JSON.stringify(s.error)}`);
      }
      const traffic = all.slice(round * options.messagesPerRound, (round + 1) * options.messagesPerRound);
      const report = ask<IngestRoundReport>({ go: traffic.length });
      const published = await publishPaced(publisher, traffic, options.rate);
      const r = await report;
      if (experiment) await ask({ release: true });
      if (r.experiment && experiment && r.experiment.status !== 'running') throw new Error(`the experiment was ${r.experiment.status} before the round's end: make it longer`);
      if (round >= 2) measured.push(roundOf(experiment, traffic.length, r, published));
    }
    await publisher.endAsync();
    publisher = undefined;
    const rows = await influx.client(DATABASE).query<{ count: number }>('SELECT count(nozzle_temp) AS count FROM fdm_printer').catch(() => []);
    const storedInInflux = rows[0]?.count ?? 0;

    const pairs = [];
    for (let i = 0; i + 1 < measured.length; i += 2) {
      const [none, running] = [measured[i]!, measured[i + 1]!];
      const cpuRatio = none.cpuMsPerMessage === null || running.cpuMsPerMessage === null ? null : running.cpuMsPerMessage / none.cpuMsPerMessage;
      pairs.push({ none, running, ratio: running.activeMsPerMessage / none.activeMsPerMessage, cpuRatio });
    }
    const medianRatio = median(pairs.map((p) => p.ratio));
    const medianCpuRatio = pairs.every((p) => p.cpuRatio !== null) ? median(pairs.map((p) => p.cpuRatio!)) : null;
    const target = options.target ?? 1.1;
    // Every message carries one nozzle_temp point: what is not in InfluxDB at the end was lost.
    const lost = total - storedInInflux;
    return {
      name: 'experiment-ingest',
      options,
      broker: mosquitto ? 'mosquitto' : 'aedes',
      scenario,
      past: { hours: options.pastHours, points: written.points, seconds: written.seconds },
      pairs,
      medianRatio,
      medianCpuRatio,
      target,
      published: total,
      storedInInflux,
      lost,
      // The issue asks for the ingest path's CPU per message: the main thread's own CPU clock
      // where Linux gives one; elsewhere the event loop's active time, which also counts the
      // time the thread waited for a core the worker holds.
      judgedOn: medianCpuRatio === null ? 'active' : 'cpu',
      pass: (medianCpuRatio ?? medianRatio) <= target && lost === 0 && measured.every((r) => r.lost === 0),
      loadavg: { before, after: loadavg() },
    };
  } finally {
    await publisher?.endAsync().catch(() => undefined);
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.send({ stop: true });
      const timer = setTimeout(() => child!.kill(), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await mosquitto?.stop();
    await aedes?.close();
    await influx.stop();
    dir.remove();
  }
}

/** Lag: for each 100th message, the first 5 ms sample at which it had been handled, less when it was published. */
function roundOf(experiment: boolean, sent: number, r: IngestRoundReport, published: readonly (readonly [number, number])[]): ExperimentIngestRound {
  const lags: number[] = [];
  let s = 0;
  for (const [count, at] of published) {
    while (s < r.handled.length && r.handled[s]![1] < count) s++;
    if (s < r.handled.length) lags.push(Math.max(0, r.handled[s]![0] - at));
  }
  lags.sort((a, b) => a - b);
  const q = (p: number) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))] ?? NaN;
  return {
    experiment,
    messages: r.messages,
    activeMsPerMessage: r.activeMs / r.messages,
    utilisation: r.utilisation,
    cpuMsPerMessage: r.cpuMs === null ? null : r.cpuMs / r.messages,
    lagP50Ms: q(0.5),
    lagP99Ms: q(0.99),
    lagMaxMs: lags.at(-1) ?? NaN,
    lost: sent - r.messages,
    rejected: r.rejected,
    dropped: r.dropped,
    experimentProgress: r.experiment?.progress ?? null,
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function nextMessage<T = unknown>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`bench worker exited with ${code}`));
    child.once('exit', onExit);
    child.once('message', (m) => {
      child.off('exit', onExit);
      resolve(m as T);
    });
  });
}

/** Publishes at `rate`; returns [messages published so far, Date.now()] after every 100th. */
async function publishPaced(client: mqtt.MqttClient, traffic: readonly { topic: string; payload: Buffer }[], rate: number): Promise<[number, number][]> {
  const marks: [number, number][] = [];
  const t0 = performance.now();
  for (let i = 0; i < traffic.length; i++) {
    const m = traffic[i]!;
    client.publish(m.topic, m.payload, { qos: 0 });
    if (i % 100 === 99 || i === traffic.length - 1) {
      marks.push([i + 1, Date.now()]);
      const ahead = (i + 1) / rate - (performance.now() - t0) / 1000;
      if (ahead > 0) await new Promise((r) => setTimeout(r, ahead * 1000));
    }
  }
  return marks;
}
