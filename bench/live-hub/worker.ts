// The process under measurement: the gateway (MQTT → pipeline → live hub) or the floor, a
// bare relay that forwards every MQTT message to every socket.io client as it comes.
import { createServer } from 'node:http';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { Server } from 'socket.io';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { printerSite } from './site.ts';

const [role, dir, printers, mqttUrl, port] = process.argv.slice(2) as [string, string, string, string, string];
const site = printerSite(dir, Number(printers));

if (role === 'relay') {
  const http = createServer();
  const io = new Server(http, { serveClient: false });
  const client = await mqtt.connectAsync(mqttUrl, { clientId: `relay-${process.pid}` });
  client.on('message', (topic, payload) => io.emit('message', topic, payload.toString()));
  await client.subscribeAsync('device/+/report');
  await new Promise<void>((r) => http.listen(Number(port), '127.0.0.1', r));
} else {
  const config = gatewayConfig({ mqtt: { url: mqttUrl, clientId: `live-gw-${process.pid}` }, http: { host: '127.0.0.1', port: Number(port) }, spool: { dir: `${dir}/spool-${process.pid}` }, log: { level: 'warn' } });
  const gateway = new Gateway(site, config, new Telemetry(pino({ level: 'warn' })), { sinks: [] });
  await gateway.start();
  while (gateway.sources[0]!.state() !== 'connected') await new Promise((r) => setTimeout(r, 20));
}
await new Promise((r) => setTimeout(r, 300));
process.send!({ ready: true });
let cpu0 = process.cpuUsage();
process.on('message', (m: { mark?: boolean; read?: boolean }) => {
  if (m.mark) {
    cpu0 = process.cpuUsage();
    process.send!({ marked: true });
  }
  if (m.read) {
    const c = process.cpuUsage(cpu0);
    process.send!({ cpuMicros: c.user + c.system, rssMb: process.memoryUsage().rss / 2 ** 20 });
  }
});
