// One measured process: either the gateway (MQTT → normaliser → state → InfluxDB) or the
// floor (a bare mqtt.js subscriber on the same topic filters that only counts). Reports
// its own CPU time and peak RSS between 'go' and the moment it has handled everything.
import { join } from 'node:path';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { subscriptionsFor } from '../../gateway/src/normalize/topic-router.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { benchSite } from './site.ts';

export interface WorkerReport {
  role: string;
  messages: number;
  pointsWritten: number;
  cpuMicros: number;
  wallMs: number;
  peakRssMb: number;
  rejected: number;
  dropped: number;
}

const [role, dir, printers, mqttUrl, influxUrl, database, timeScale] = process.argv.slice(2) as [string, string, string, string, string, string, string];
const built = benchSite(dir, Number(printers));
// 'gateway-plain': the same gateway without machine states, alarms and part counting, to measure their share.
const site =
  role === 'gateway-plain'
    ? { ...built, devices: built.devices.map((d) => ({ ...d, profileDef: { ...d.profileDef, states: undefined, alarms: [], production: undefined } })) }
    : built;
const send = (msg: unknown) => process.send!(msg);

let peakRss = process.memoryUsage().rss;
setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50).unref();

if (role === 'floor') {
  let messages = 0;
  const client = await mqtt.connectAsync(mqttUrl, { clientId: `bench-floor-${process.pid}` });
  client.on('message', () => messages++);
  await client.subscribeAsync(subscriptionsFor(site), { qos: 1 });
  measure(() => ({ messages, pointsWritten: 0, rejected: 0, dropped: 0 }), async () => {}, () => client.endAsync());
} else {
  // 'gateway' runs as shipped (disk spool on); 'gateway-nospool' with the spool off; each other variant into its own database.
  const spool = role !== 'gateway-nospool';
  const config = gatewayConfig({
    mqtt: { url: mqttUrl, clientId: `bench-${role}-${process.pid}` },
    influx: { url: influxUrl, database: role === 'gateway' ? database : `${database}_${role.replace('gateway-', '')}` },
    spool: { enabled: spool, dir: join(dir, `spool-${process.pid}`) },
    timeScale: Number(timeScale),
    log: { level: 'warn' },
  });
  const gateway = new Gateway(site, config, new Telemetry(pino({ level: 'warn' })), { http: false });
  await gateway.start();
  while (gateway.sources[0]!.state() !== 'connected') await new Promise((r) => setTimeout(r, 20));
  // Wait for the subscription to be in place before telling the parent we are ready.
  await new Promise((r) => setTimeout(r, 300));
  const c = gateway.telemetry.counts;
  measure(
    () => ({ messages: c.received, pointsWritten: c.written, rejected: Object.values(c.rejected).reduce((a, b) => a + b, 0), dropped: c.dropped }),
    () => gateway.flush(),
    () => gateway.stop(),
  );
}

function measure(read: () => Omit<WorkerReport, 'role' | 'cpuMicros' | 'wallMs' | 'peakRssMb'>, settle: () => Promise<void>, stop: () => Promise<void>) {
  send({ ready: true });
  process.on('message', async (msg: { go?: number; stop?: boolean }) => {
    if (msg.stop) {
      await stop();
      process.exit(0);
    }
    if (msg.go === undefined) return;
    const expected = msg.go;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const base = read();
    while (read().messages - base.messages < expected) await new Promise((r) => setTimeout(r, 5));
    await settle();
    const cpu = process.cpuUsage(cpu0);
    const now = read();
    send({
      role,
      messages: now.messages - base.messages,
      pointsWritten: now.pointsWritten - base.pointsWritten,
      rejected: now.rejected - base.rejected,
      dropped: now.dropped - base.dropped,
      cpuMicros: cpu.user + cpu.system,
      wallMs: performance.now() - t0,
      peakRssMb: peakRss / 2 ** 20,
    } satisfies WorkerReport);
  });
}
