// The live hub over a real socket.io connection, fed through the gateway's real pipeline.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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
import { eventually, sleep, spoolDir } from '../support/services.ts';
import { openAccess } from '../support/auth.ts';

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
    const config = gatewayConfig({ http: { host: '127.0.0.1', port: 0, liveRateHz: 20 }, spool: { dir: spoolDir() } });
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
      await sleep(2);
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
    await sleep(150);
    expect(received.every((m) => Object.keys(m.d).every((id) => id === 'voron'))).toBe(true);
  });
});

describe('live hub with a slow viewer', () => {
  it('skips a backed-up client and later gives it the latest state as a snapshot, without holding up others', async () => {
    const slow = new Set<string>();
    const state = new DeviceStateStore(site);
    // Flushed by hand (the timer is set to almost never), and told which client is backed up.
    const hub = new LiveHub(site, state, new Telemetry(pino({ level: 'silent' })), openAccess(site), { rateHz: 0.001, pendingOf: (id) => (slow.has(id) ? 1000 : 0) });
    const server = createServer();
    hub.attach(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const open = async () => {
      const c: Client = connect(url, { transports: ['websocket'], forceNew: true });
      const events: string[] = [];
      c.onAny((e: string) => events.push(e));
      await eventually(() => events.includes('snapshot'), 5000, 'first snapshot');
      return { c, events };
    };
    const a = await open();
    const b = await open();
    try {
      const reading = (layer: number) => ({ device: site.devices[0]!, time: Date.now(), gatewayClock: true, values: { layer } });
      slow.add(a.c.id!);
      hub.onReading(reading(1));
      hub.flush();
      await eventually(() => b.events.includes('changes'), 3000, 'the fast client served');
      await sleep(100);
      expect(a.events).toEqual(['snapshot']);
      slow.clear(); // it caught up
      hub.onReading(reading(2));
      hub.flush();
      await eventually(() => a.events.length === 2, 3000, 'the slow client resynced');
      expect(a.events).toEqual(['snapshot', 'snapshot']);
      await eventually(() => b.events.filter((e) => e === 'changes').length === 2, 3000, 'the fast client served again');
    } finally {
      a.c.close();
      b.c.close();
      await hub.close();
      server.close();
    }
  });
});
