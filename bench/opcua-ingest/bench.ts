// Benchmark: OPC UA robot telemetry → gateway → InfluxDB against a floor (a bare
// node-opcua client subscribed to the same items), side by side on the same server.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../gateway/src/services/free-port.ts';
import { startTestInflux, tempDir } from '../../test/support/services.ts';
import type { OpcUaWorkerReport } from './worker.ts';

export interface OpcUaIngestResult {
  name: string;
  robots: number;
  seconds: number;
  windows: { gateway: OpcUaWorkerReport; floor: OpcUaWorkerReport; ratio: number }[];
  /** Median over the windows. */
  ratio: number;
  target: number;
  keptUp: boolean;
  pass: boolean;
}

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

export async function benchOpcUaIngest(robots: number, seconds: number, windowCount = 3): Promise<OpcUaIngestResult> {
  const dir = tempDir('bench-opcua');
  const influx = await startTestInflux();
  const port = await freePort();
  const profile = process.env.FIELDLAB_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.FIELDLAB_BENCH_PROFILE}`] : [];
  const start = (file: string, args: string[]) => fork(here(file), args, { execArgv: ['--import', 'tsx', ...(file.includes('worker') ? profile : [])], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const server = start('./server.ts', [String(robots), String(port), `${dir.path}/server-pki`]);
  await next(server);
  const args = [dir.path, String(robots), String(port), influx.url, `${dir.path}/gateway-pki`];
  const gateway = start('./worker.ts', ['gateway', ...args]);
  const floor = start('./worker.ts', ['floor', ...args]);
  await Promise.all([next(gateway), next(floor)]);
  // Let both settle (JIT, first full notifications), then measure one window.
  await new Promise((r) => setTimeout(r, 3000));
  const windows: OpcUaIngestResult['windows'] = [];
  for (let i = 0; i < windowCount; i++) {
    for (const w of [gateway, floor]) w.send({ go: true });
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const reports = [next<OpcUaWorkerReport>(gateway), next<OpcUaWorkerReport>(floor)];
    for (const w of [gateway, floor]) w.send({ measure: true });
    const [g, f] = (await Promise.all(reports)) as [OpcUaWorkerReport, OpcUaWorkerReport];
    windows.push({ gateway: g, floor: f, ratio: g.cpuMicros / g.changes / (f.cpuMicros / f.changes) });
  }
  for (const w of [gateway, floor, server]) w.send({ stop: true });
  await Promise.all([gateway, floor, server].map((w) => new Promise((r) => w.once('exit', r))));
  await influx.stop();
  dir.remove();
  const ratio = [...windows.map((w) => w.ratio)].sort((a, b) => a - b)[Math.floor(windows.length / 2)]!;
  // Keeping up: the gateway saw as many changes as the floor, nothing piles up, and values
  // reach the pipeline well within a second of their source time.
  const keptUp = windows.every(({ gateway: g, floor: f }) => g.changes >= f.changes * 0.98 && g.buffered < 20_000 && g.lagP99Ms < 1000);
  const target = 1.5;
  return { name: 'opcua-ingest', robots, seconds, windows, ratio, target, keptUp, pass: keptUp && ratio <= target };
}

function next<T = unknown>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`bench process exited with ${code}`)));
  });
}
