// One measured process: the gateway (OPC UA source → normaliser → state → InfluxDB), or the
// floor: a bare node-opcua client subscribed to the same items that only counts changes.
// Reports CPU time and value changes over the window between 'go' and 'measure'.
import { join } from 'node:path';
import { AttributeIds, ClientMonitoredItemGroup, OPCUAClient, TimestampsToReturn, resolveNodeId } from 'node-opcua';
import { pino } from 'pino';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { parseBrowsePath } from '../../gateway/src/sources/opcua/browse-path.ts';
import { resolvePaths } from '../../gateway/src/sources/opcua/resolve.ts';
import { benchRobotSite, SAMPLING_MS } from './setup.ts';

export interface OpcUaWorkerReport {
  role: string;
  changes: number;
  cpuMicros: number;
  seconds: number;
  pointsWritten: number;
  lagP99Ms: number;
  lagMaxMs: number;
  peakRssMb: number;
  buffered: number;
}

const [role, dir, robots, port, influxUrl, pkiDir] = process.argv.slice(2) as [string, string, string, string, string, string];
const site = benchRobotSite(dir, Number(robots), Number(port));
let peakRss = 0;
setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100).unref();

let changes = 0;
const lags: number[] = [];
let count = () => changes;
let written = () => 0;
let buffered = () => 0;
let finish = async () => {};

if (role === 'floor') {
  const client = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 3 } });
  await client.connect(`opc.tcp://127.0.0.1:${port}`);
  const session = await client.createSession();
  const nodeIds = [];
  for (const d of site.devices) {
    const binding = d.profileDef.opcua!;
    const [root] = await resolvePaths(session, resolveNodeId('ObjectsFolder'), [parseBrowsePath(d.connection.opcua!.root!, binding.namespaces)]);
    if (!root?.ok) throw new Error('root not found');
    const resolved = await resolvePaths(session, root.nodeId, Object.values(binding.signals).map((s) => parseBrowsePath(s.path!, binding.namespaces)));
    for (const r of resolved) if (r.ok) nodeIds.push(r.nodeId);
  }
  const subscription = await session.createSubscription2({ requestedPublishingInterval: SAMPLING_MS, requestedMaxKeepAliveCount: 5, publishingEnabled: true });
  const group = ClientMonitoredItemGroup.create(
    subscription,
    nodeIds.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })),
    { samplingInterval: SAMPLING_MS, queueSize: 10, discardOldest: true },
    TimestampsToReturn.Both,
  );
  group.on('changed', () => changes++);
  finish = async () => {
    await session.close();
    await client.disconnect();
  };
} else {
  const config = gatewayConfig({ influx: { url: influxUrl, database: 'bench_robots' }, opcua: { pkiDir }, spool: { dir: join(pkiDir, '..', `spool-${process.pid}`) }, log: { level: 'warn' } });
  const gateway = new Gateway(site, config, new Telemetry(pino({ level: 'warn' })), { http: false });
  gateway.onReading((r) => lags.push(Date.now() - r.time));
  await gateway.start();
  while (gateway.sources.some((s) => s.state() !== 'connected')) await new Promise((r) => setTimeout(r, 50));
  const c = gateway.telemetry.counts;
  count = () => c.received;
  written = () => c.written;
  buffered = () => gateway.runners.reduce((n, r) => n + r.depth(), 0);
  finish = () => gateway.stop();
}

process.send!({ ready: true });
let start: { cpu: NodeJS.CpuUsage; t: number; changes: number; written: number } | undefined;
process.on('message', async (msg: { go?: boolean; measure?: boolean; stop?: boolean }) => {
  if (msg.go) {
    lags.length = 0;
    start = { cpu: process.cpuUsage(), t: performance.now(), changes: count(), written: written() };
  } else if (msg.measure && start) {
    const cpu = process.cpuUsage(start.cpu);
    const sorted = [...lags].sort((a, b) => a - b);
    process.send!({
      role,
      changes: count() - start.changes,
      cpuMicros: cpu.user + cpu.system,
      seconds: (performance.now() - start.t) / 1000,
      pointsWritten: written() - start.written,
      lagP99Ms: sorted[Math.floor(sorted.length * 0.99)] ?? 0,
      lagMaxMs: sorted.at(-1) ?? 0,
      peakRssMb: peakRss / 2 ** 20,
      buffered: buffered(),
    } satisfies OpcUaWorkerReport);
  } else if (msg.stop) {
    await finish();
    process.exit(0);
  }
});
