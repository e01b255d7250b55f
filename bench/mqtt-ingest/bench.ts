// Benchmark: MQTT printer telemetry → gateway → InfluxDB, against a floor (a bare mqtt.js
// subscriber receiving the same messages), both measured in the same run on the same
// traffic, each in its own process. Reported as a ratio because this machine is noisy.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../../gateway/src/services/embedded-broker.ts';
import { startMosquitto, startTestInflux, tempDir } from '../../test/support/services.ts';
import { printerTraffic } from './messages.ts';
import { benchSite } from './site.ts';
import type { WorkerReport } from './worker.ts';

export interface IngestOptions {
  printers: number;
  messagesPerRound: number;
  rate: number;
  rounds: number;
  /** The two processes measured side by side; the ratio is the first's CPU per message over the second's. Default: gateway vs floor. */
  roles?: readonly [string, string];
  /** Ratio target. */
  target?: number;
}

export interface IngestResult {
  name: string;
  options: IngestOptions;
  broker: string;
  roles: readonly [string, string];
  rounds: { gateway: WorkerReport; floor: WorkerReport; ratio: number }[];
  medianRatio: number;
  target: number;
  published: number;
  storedInInflux: number;
  pass: boolean;
}

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

export async function benchMqttIngest(options: IngestOptions): Promise<IngestResult> {
  const dir = tempDir('bench');
  const influx = await startTestInflux();
  const mosquitto = await startMosquitto().catch(() => undefined);
  const aedes = mosquitto ? undefined : await startEmbeddedBroker(0);
  const mqttUrl = mosquitto?.url ?? aedes!.url;
  const database = 'bench';
  const site = benchSite(dir.path, options.printers);
  // One stretch of traffic, a slice per round, so device clocks move on from round to round.
  const total = options.messagesPerRound * (options.rounds + 1);
  const { messages: all, simulatedSeconds } = printerTraffic(site, total, options.rate);
  // Published faster than the printers would send it: the gateway is told the time scale, as
  // the demo's is, so heaters warming many times fast in real time raise no sensor-fault alarms.
  const timeScale = simulatedSeconds / (total / options.rate);
  const args = [dir.path, String(options.printers), mqttUrl, influx.url, database, String(timeScale)];
  // FIELDLAB_BENCH_PROFILE=dir writes a CPU profile of each worker there.
  const profile = process.env.FIELDLAB_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.FIELDLAB_BENCH_PROFILE}`] : [];
  const start = (role: string) => fork(WORKER, [role, ...args], { execArgv: ['--import', 'tsx', ...profile], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const roles = options.roles ?? (['gateway', 'floor'] as const);
  const workers = { gateway: start(roles[0]), floor: start(roles[1]) };
  await Promise.all(Object.values(workers).map((w) => nextMessage(w)));

  const publisher = await mqtt.connectAsync(mqttUrl, { clientId: 'bench-publisher' });
  const rounds: IngestResult['rounds'] = [];
  // Round 0 warms up the JIT in both processes and is not counted.
  for (let round = 0; round <= options.rounds; round++) {
    const reports = Object.values(workers).map((w) => nextMessage<WorkerReport>(w));
    const traffic = all.slice(round * options.messagesPerRound, (round + 1) * options.messagesPerRound);
    for (const w of Object.values(workers)) w.send({ go: traffic.length });
    await publishPaced(publisher, traffic, options.rate);
    const [gateway, floor] = (await Promise.all(reports)) as [WorkerReport, WorkerReport];
    if (round > 0) rounds.push({ gateway, floor, ratio: gateway.cpuMicros / gateway.messages / (floor.cpuMicros / floor.messages) });
  }
  await publisher.endAsync();

  const rows = await influx
    .client(database)
    .query<{ count: number }>('SELECT count(nozzle_temp) AS count FROM fdm_printer')
    .catch(() => []);
  const storedInInflux = rows[0]?.count ?? 0;
  for (const w of Object.values(workers)) w.send({ stop: true });
  await Promise.all(Object.values(workers).map((w) => new Promise((r) => w.once('exit', r))));
  await mosquitto?.stop();
  await aedes?.close();
  await influx.stop();
  dir.remove();

  const ratios = rounds.map((r) => r.ratio).sort((a, b) => a - b);
  const medianRatio = ratios[Math.floor(ratios.length / 2)]!;
  const published = all.length;
  const target = options.target ?? 1.3;
  return {
    name: roles[1] === 'floor' ? 'mqtt-ingest' : `mqtt-ingest-${roles[0]}-vs-${roles[1]}`,
    options,
    roles,
    broker: mosquitto ? 'mosquitto' : 'aedes',
    rounds,
    medianRatio,
    target,
    published,
    storedInInflux,
    pass: medianRatio <= target && storedInInflux === published,
  };
}

function nextMessage<T = unknown>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`bench worker exited with ${code}`)));
  });
}

async function publishPaced(client: mqtt.MqttClient, traffic: readonly { topic: string; payload: Buffer }[], rate: number): Promise<void> {
  const t0 = performance.now();
  for (let i = 0; i < traffic.length; i++) {
    const m = traffic[i]!;
    client.publish(m.topic, m.payload, { qos: 0 });
    if (i % 100 === 99) {
      const ahead = (i + 1) / rate - (performance.now() - t0) / 1000;
      if (ahead > 0) await new Promise((r) => setTimeout(r, ahead * 1000));
    }
  }
}
