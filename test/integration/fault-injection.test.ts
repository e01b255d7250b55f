// Fault injection against the real services, all on loopback: the gateway runs as a child
// process (as an engineer runs it), meters publish QoS 1 messages with sequence numbers,
// and afterwards InfluxDB must hold exactly what was published. (An OPC UA server restart:
// test/integration/opcua-robot.test.ts.)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InfluxDB } from 'influx';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../gateway/src/services/free-port.ts';
import { startInfluxd, type RunningInfluxd } from '../../gateway/src/services/influxd.ts';
import { GatewayProcess, MeterLoad, missingMessages, storedCounts, writeMeterLab } from '../support/meter-lab.ts';
import { eventually, sleep, startMosquitto, tempDir, type TestMosquitto } from '../support/services.ts';

const METERS = ['meter-01', 'meter-02', 'meter-03', 'meter-04'];
const DATABASE = 'faults';

interface Lab {
  dir: string;
  influx: RunningInfluxd;
  influxPort: number;
  broker: TestMosquitto;
  gateway: GatewayProcess;
  load: MeterLoad;
  db: InfluxDB;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) {
    try {
      await c();
    } catch {
      // A lab that failed half-way has less to clean up.
    }
  }
});

async function startLab(options: { mqtt?: Record<string, unknown>; spool?: Record<string, unknown>; influx?: Record<string, unknown>; persistentBroker?: boolean } = {}): Promise<Lab> {
  const dir = tempDir('faults');
  cleanups.push(() => dir.remove());
  const influxPort = await freePort();
  const influx = await startInfluxd({ dataDir: join(dir.path, 'influxdb'), port: influxPort });
  cleanups.push(() => lab.influx.stop());
  const broker = await startMosquitto(undefined, options.persistentBroker ? { persistDir: join(dir.path, 'mosquitto') } : {});
  cleanups.push(() => lab.broker.stop());
  const site = writeMeterLab(dir.path, METERS);
  const config = join(dir.path, 'gateway.yaml');
  writeFileSync(
    config,
    stringify({
      mqtt: { url: broker.url, clientId: 'fault-gateway', ...options.mqtt },
      influx: { url: influx.url, database: DATABASE, batchSize: 500, flushIntervalMs: 1000, ...options.influx },
      spool: { dir: join(dir.path, 'spool'), ...options.spool },
    }),
  );
  const gateway = new GatewayProcess(['--site', site, '--config', config], await freePort());
  cleanups.push(() => lab.gateway.kill('SIGKILL'));
  await gateway.start();
  const load = new MeterLoad(broker.url, METERS);
  cleanups.push(() => lab.load.close());
  const db = new InfluxDB({ host: '127.0.0.1', port: influxPort, database: DATABASE });
  const lab: Lab = { dir: dir.path, influx, influxPort, broker, gateway, load, db };
  await eventually(async () => (await gateway.health()).sources.mqtt?.state === 'connected', 10_000, 'gateway connected to the broker');
  return lab;
}


/** Stops the load and waits until InfluxDB holds exactly what was published. */
async function expectEverythingStored(lab: Lab, timeoutMs = 60_000): Promise<void> {
  lab.load.stop();
  await lab.load.settled();
  let last = { points: -1, distinct: -1 };
  await eventually(
    async () => {
      last = await storedCounts(lab.db).catch(() => last);
      return last.points >= lab.load.sent;
    },
    timeoutMs,
    `all ${lab.load.sent} points in InfluxDB`,
  ).catch(async (err: Error) => {
    const missing = await missingMessages(lab.db, lab.load).catch(() => []);
    const rejected = await lab.gateway.health().then((h) => JSON.stringify(h.messages.rejected), () => 'no health');
    throw new Error(`${err.message}: ${last.points} stored; rejected ${rejected}; missing ${missing.slice(0, 10).join(', ')}\n${lab.gateway.output.slice(-3000)}`);
  });
  await sleep(500);
  const counts = await storedCounts(lab.db);
  const missing = counts.points === lab.load.sent ? [] : await missingMessages(lab.db, lab.load);
  expect(counts, `missing: ${missing.slice(0, 20).join(', ')}\n${lab.gateway.output.slice(-3000)}`).toEqual({ points: lab.load.sent, distinct: lab.load.sent });
}

describe('nothing lost', () => {
  it('InfluxDB stopped for 30 s under steady load: every point published meanwhile is stored afterwards', async () => {
    const lab = await startLab();
    lab.load.start(25); // 100 messages/s over four meters
    await sleep(2000);
    await lab.influx.stop();
    const stoppedAt = lab.load.sent;
    await sleep(30_000);
    const during = await lab.gateway.health();
    expect(during.status).toBe('degraded');
    // 100/s for 30 s, less what the publisher falls behind on a loaded two-core machine.
    expect(during.sinks.influxdb!.spool!.points).toBeGreaterThan(2000);
    expect(during.sinks.influxdb!.oldestUnsentAgeSeconds).toBeGreaterThanOrEqual(29);
    expect(during.problems.join('\n')).toMatch(/influxdb failing/);
    lab.influx = await startInfluxd({ dataDir: join(lab.dir, 'influxdb'), port: lab.influxPort });
    await sleep(2000);
    expect(lab.load.sent - stoppedAt).toBeGreaterThan(2000);
    await expectEverythingStored(lab);
    const after = await lab.gateway.health();
    expect(after.points.dropped).toBe(0);
    expect(after.sinks.influxdb!.spool!.points).toBe(0);
    expect(after.points.writeErrors).toBeGreaterThan(0);
    // One line per change of error, not one per retry.
    expect(lab.gateway.output.match(/write failed/g)?.length ?? 0).toBeLessThan(5);
  }, 120_000);

  it('gateway killed with SIGKILL under load and restarted: every point stored, none twice', async () => {
    // A flood limit above the meters' 50 a second, far below the burst in which the broker
    // hands over what it held meanwhile: that backlog is not a flood.
    const lab = await startLab({ mqtt: { maxMessagesPerSecondPerDevice: 100 } });
    lab.load.start(50); // 200 messages/s
    await sleep(3500);
    await lab.gateway.kill('SIGKILL');
    const killedAt = lab.load.sent;
    await sleep(2000);
    await lab.gateway.start();
    await sleep(2000);
    expect(lab.load.sent - killedAt).toBeGreaterThan(600);
    await expectEverythingStored(lab);
    // What it had acknowledged but not yet written came back from its spool.
    expect(lab.gateway.output).toMatch(/\d+ points from the spool to write/);
    const h = await lab.gateway.health();
    expect(h.points.dropped).toBe(0);
    expect(h.messages.rejectedTotal).toBe(0);
  }, 90_000);

  it('broker restarted under load: ingestion resumes by itself, messages sent meanwhile are stored', async () => {
    const lab = await startLab({ persistentBroker: true });
    lab.load.start(25);
    await sleep(2000);
    await lab.broker.stop();
    await eventually(async () => (await lab.gateway.health()).sources.mqtt?.state === 'disconnected', 5000, 'gateway sees the broker gone');
    const downAt = lab.load.sent;
    await sleep(3000);
    lab.broker = await startMosquitto(lab.broker.port, { persistDir: join(lab.dir, 'mosquitto') });
    await eventually(async () => (await lab.gateway.health()).sources.mqtt?.state === 'connected', 10_000, 'gateway back on the broker');
    await sleep(2000);
    expect(lab.load.sent - downAt).toBeGreaterThan(400);
    await expectEverythingStored(lab);
    const h = await lab.gateway.health();
    expect(h.sources.mqtt!.reconnects).toBeGreaterThanOrEqual(1);
    expect(h.points.dropped).toBe(0);
  }, 90_000);

  it('spool at its bound: drops by its policy, counts it and says so; the rest is stored', async () => {
    // The bound holds to within a batch: batches of 100 points (~8 KB) under a 40 KB bound.
    const lab = await startLab({ spool: { maxBytes: 40 * 1024, whenFull: 'drop_oldest' }, influx: { batchSize: 100 } });
    await lab.influx.stop();
    lab.load.start(50);
    await sleep(6000);
    const full = await lab.gateway.health();
    expect(full.sinks.influxdb!.spool!.bytes).toBeLessThanOrEqual(40 * 1024);
    expect(full.points.droppedByReason.spool_full).toBeGreaterThan(0);
    expect(full.problems.join('\n')).toMatch(/points dropped/);
    expect(lab.gateway.output).toMatch(/dropped \d+ points \(spool_full\).*drop_oldest/);
    lab.load.stop();
    await lab.load.settled();
    lab.influx = await startInfluxd({ dataDir: join(lab.dir, 'influxdb'), port: lab.influxPort });
    const dropped = (await lab.gateway.health()).points.droppedByReason.spool_full!;
    await eventually(async () => (await storedCounts(lab.db).catch(() => ({ points: 0 }))).points + dropped >= lab.load.sent, 30_000, 'the kept points stored');
    const stored = await storedCounts(lab.db);
    expect(stored.points + dropped).toBe(lab.load.sent);
    // drop_oldest keeps the newest: the last message of each meter is stored.
    const last = await lab.db.query<{ last: number }>('SELECT last(seq) FROM cnc GROUP BY device');
    expect(last.map((r) => r.last)).toEqual(METERS.map(() => lab.load.sent / METERS.length));
  }, 90_000);
});
