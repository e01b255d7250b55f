// Live-hub benchmarks, each side by side with a floor in the same run:
// - latency from a device's publish to the value arriving in a socket.io client, p50/p99,
//   gateway (with its 20 Hz coalescing) vs a bare mqtt.js → socket.io relay, at demo load
//   and with 10× the devices;
// - bytes per second per viewer;
// - gateway CPU with 0, 1, 50 and 200 viewers connected (target: 200 add less than ingest).
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import type { LiveChanges } from '../../gateway/src/core/live-events.ts';
import { startEmbeddedBroker } from '../../gateway/src/services/embedded-broker.ts';
import { freePort } from '../../gateway/src/services/free-port.ts';
import { startMosquitto, tempDir } from '../../test/support/services.ts';

export interface LatencyResult { printers: number; ratePerPrinter: number; gateway: Quantiles; relay: Quantiles; gatewayBytesPerSec: number; relayBytesPerSec: number }
export interface Quantiles { p50: number; p99: number; samples: number }
export interface ClientsResult { printers: number; clients: number; cpuPercent: number; addedOverIngest: number }

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

async function startWorker(role: string, args: string[]): Promise<ChildProcess> {
  const child = fork(WORKER, [role, ...args], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (c) => reject(new Error(`${role} exited with ${c}`)));
  });
  return child;
}

function ask<T>(child: ChildProcess, msg: object): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send(msg);
  });
}

async function broker() {
  const m = await startMosquitto().catch(() => undefined);
  if (m) return { url: m.url, stop: () => m.stop() };
  const a = await startEmbeddedBroker(0);
  return { url: a.url, stop: () => a.close() };
}

/** Publishes `printers` × `rate` messages/s for `seconds`, layer_num = sequence; returns send times. */
async function publish(url: string, printers: number, rate: number, seconds: number, sent: Map<string, number>): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId: `live-pub-${process.pid}` });
  const end = Date.now() + seconds * 1000;
  let seq = 0;
  while (Date.now() < end) {
    const tick = Date.now();
    for (let i = 0; i < printers; i++) {
      seq++;
      sent.set(`p${i}:${seq}`, Date.now());
      client.publish(`device/S${i}/report`, JSON.stringify({ print: { layer_num: seq, nozzle_temper: 200 + (seq % 40) } }));
    }
    await new Promise((r) => setTimeout(r, Math.max(0, 1000 / rate - (Date.now() - tick))));
  }
  await client.endAsync();
}

function quantiles(xs: number[]): Quantiles {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: s[Math.floor(s.length * 0.5)] ?? NaN, p99: s[Math.floor(s.length * 0.99)] ?? NaN, samples: s.length };
}

export async function benchLatency(printers: number, ratePerPrinter: number, seconds: number): Promise<LatencyResult> {
  const dir = tempDir('bench-live');
  const b = await broker();
  const [gwPort, relayPort] = [await freePort(), await freePort()];
  const gateway = await startWorker('gateway', [dir.path, String(printers), b.url, String(gwPort)]);
  const relay = await startWorker('relay', [dir.path, String(printers), b.url, String(relayPort)]);
  const sent = new Map<string, number>();
  const gwLat: number[] = [];
  const relayLat: number[] = [];
  let gwBytes = 0;
  let relayBytes = 0;
  const g: Socket = io(`http://127.0.0.1:${gwPort}`, { transports: ['websocket'] });
  const r: Socket = io(`http://127.0.0.1:${relayPort}`, { transports: ['websocket'] });
  g.on('connect', () => g.io.engine.on('data', (d: string | Buffer) => (gwBytes += d.length)));
  r.on('connect', () => r.io.engine.on('data', (d: string | Buffer) => (relayBytes += d.length)));
  g.on('changes', (m: LiveChanges) => {
    const now = Date.now();
    for (const [id, c] of Object.entries(m.d)) {
      const t = typeof c.v.layer === 'number' ? sent.get(`${id}:${c.v.layer}`) : undefined;
      if (t) gwLat.push(now - t);
    }
  });
  r.on('message', (topic: string, payload: string) => {
    const id = `p${topic.split('/')[1]!.slice(1)}`;
    const t = sent.get(`${id}:${(JSON.parse(payload) as { print: { layer_num: number } }).print.layer_num}`);
    if (t) relayLat.push(Date.now() - t);
  });
  await new Promise((res) => setTimeout(res, 1000));
  [gwBytes, relayBytes] = [0, 0];
  await publish(b.url, printers, ratePerPrinter, seconds, sent);
  await new Promise((res) => setTimeout(res, 500));
  const result = { printers, ratePerPrinter, gateway: quantiles(gwLat), relay: quantiles(relayLat), gatewayBytesPerSec: gwBytes / seconds, relayBytesPerSec: relayBytes / seconds };
  g.close();
  r.close();
  for (const w of [gateway, relay]) w.kill();
  await b.stop();
  dir.remove();
  return result;
}

export async function benchClients(printers: number, ratePerPrinter: number, clientCounts: number[], seconds: number): Promise<ClientsResult[]> {
  const dir = tempDir('bench-live-clients');
  const b = await broker();
  const port = await freePort();
  const gateway = await startWorker('gateway', [dir.path, String(printers), b.url, String(port)]);
  const results: ClientsResult[] = [];
  const sockets: Socket[] = [];
  let ingestCpu = 0;
  for (const n of [0, ...clientCounts]) {
    while (sockets.length < n) {
      const s = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true });
      s.on('changes', () => {});
      sockets.push(s);
    }
    await new Promise((r) => setTimeout(r, 1000));
    await ask(gateway, { mark: true });
    await publish(b.url, printers, ratePerPrinter, seconds, new Map());
    const { cpuMicros } = await ask<{ cpuMicros: number }>(gateway, { read: true });
    const cpuPercent = cpuMicros / (seconds * 1e6) * 100;
    if (n === 0) ingestCpu = cpuPercent;
    results.push({ printers, clients: n, cpuPercent, addedOverIngest: cpuPercent - ingestCpu });
  }
  for (const s of sockets) s.close();
  gateway.kill();
  await b.stop();
  dir.remove();
  return results;
}
