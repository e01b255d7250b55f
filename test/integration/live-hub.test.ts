// The live hub over a real socket.io connection, fed through the gateway's real pipeline.
import { pino } from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayConfig } from '../../gateway/src/config.ts';
import type { ClientToServerEvents, LiveChanges, LiveSnapshot, ServerToClientEvents } from '../../gateway/src/core/live-events.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { LiveHub } from '../../gateway/src/sinks/live/live-hub.ts';
import { DeviceStateStore } from '../../gateway/src/state/device-state.ts';
import { testSite } from '../support/fixtures.ts';
import { eventually } from '../support/services.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const site = testSite([
  { id: 'bambu', profile: 'bambu-lab-fdm', topicId: 'S1' },
  { id: 'voron', profile: 'moonraker-klipper' },
]);

describe('live hub', () => {
  let gateway: Gateway;
  const clients: Client[] = [];
  const send = (topic: string, payload: unknown) =>
    gateway.handle({ kind: 'mqtt', source: 'test', topic, payload: Buffer.from(JSON.stringify(payload)), receivedAt: Date.now() });
  const open = async () => {
    const c: Client = connect(gateway.httpAddress()!, { transports: ['websocket'], forceNew: true });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    const config = gatewayConfig({ http: { host: '127.0.0.1', port: 0, liveRateHz: 20 } });
    gateway = new Gateway(site, config, new Telemetry(pino({ level: 'silent' })), { sources: [], sinks: [] });
    await gateway.start();
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await gateway.stop();
  });

  it('sends one snapshot on connect with the site, every device, its twin bindings and latest values', async () => {
    send('device/S1/report', { print: { nozzle_temper: 201.5, gcode_state: 'RUNNING' } });
    const c = await open();
    const snapshot = await new Promise<LiveSnapshot>((resolve) => c.once('snapshot', resolve));
    expect(snapshot.devices.map((d) => d.id)).toEqual(['bambu', 'voron']);
    const bambu = snapshot.devices[0]!;
    expect(bambu.values).toMatchObject({ nozzle_temp: 201.5, job_state: 'RUNNING' });
    expect(bambu.twin?.bindings.some((b) => b.target === 'part.progress')).toBe(true);
    expect(bambu.signals.nozzle_temp).toMatchObject({ type: 'float', unit: 'degC' });
    expect(snapshot.rateHz).toBe(20);
  });

  it('then sends only changes, coalesced per device to the rate', async () => {
    const c = await open();
    await new Promise((resolve) => c.once('snapshot', resolve));
    const received: LiveChanges[] = [];
    c.on('changes', (m) => received.push(m));
    const t0 = Date.now();
    for (let i = 0; i < 100; i++) {
      send('device/S1/report', { print: { layer_num: i } });
      await new Promise((r) => setTimeout(r, 2));
    }
    const elapsed = Date.now() - t0;
    await eventually(() => received.some((m) => m.d.bambu?.v.layer === 99), 3000, 'the last value');
    // 100 messages over `elapsed` ms arrive as at most one message per 50 ms (+1 at the edges).
    expect(received.length).toBeLessThanOrEqual(Math.ceil(elapsed / 50) + 2);
    expect(received.length).toBeLessThan(100);
    // Compact: only what changed, not the whole state.
    expect(Object.keys(received.at(-1)!.d.bambu!.v)).toEqual(['layer']);
  });

  it('lets a client follow one device only', async () => {
    const c = await open();
    await new Promise((resolve) => c.once('snapshot', resolve));
    const snapshot = new Promise<LiveSnapshot>((resolve) => c.once('snapshot', resolve));
    c.emit('subscribe', { devices: ['voron'] });
    expect((await snapshot).devices.map((d) => d.id)).toEqual(['voron']);
    const received: LiveChanges[] = [];
    c.on('changes', (m) => received.push(m));
    send('device/S1/report', { print: { layer_num: 5 } });
    send('voron/klipper/status', { status: { extruder: { temperature: 150 } } });
    await eventually(() => received.length > 0, 3000, 'a change');
    await new Promise((r) => setTimeout(r, 150));
    expect(received.every((m) => Object.keys(m.d).every((id) => id === 'voron'))).toBe(true);
  });
});

describe('live hub with a slow viewer', () => {
  it('skips a backed-up client and later gives it the latest state as a snapshot, without holding up others', () => {
    const hub = new LiveHub(site, new DeviceStateStore(site), new Telemetry(pino({ level: 'silent' })));
    const fake = (buffered: number) => {
      const emitted: [string, unknown][] = [];
      return { conn: { writeBuffer: new Array(buffered) }, data: { filter: {}, needsSnapshot: false }, emit: (e: string, m: unknown) => emitted.push([e, m]), emitted };
    };
    const slow = fake(1000);
    const fast = fake(0);
    // The hub's socket.io server, replaced by two sockets whose send queues we control.
    (hub as unknown as { io: unknown }).io = { sockets: { sockets: new Map([['slow', slow], ['fast', fast]]) } };
    const reading = (layer: number) => ({ device: site.devices[0]!, time: Date.now(), gatewayClock: true, values: { layer } });
    hub.onReading(reading(1));
    hub.flush();
    expect(fast.emitted.map(([e]) => e)).toEqual(['changes']);
    expect(slow.emitted).toEqual([]);
    expect(slow.data.needsSnapshot).toBe(true);
    slow.conn.writeBuffer.length = 0; // it caught up
    hub.onReading(reading(2));
    hub.flush();
    expect(slow.emitted.map(([e]) => e)).toEqual(['snapshot']);
    expect(fast.emitted.map(([e]) => e)).toEqual(['changes', 'changes']);
  });
});
