// The demo line for a simulated hour, accelerated 60×: printers, robots (OPC UA), conveyor
// and inspection (MQTT) as one material flow, through the gateway into a real InfluxDB.
// The parts InfluxDB holds must equal what the simulators themselves counted.
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSite, type SiteModel } from '../../device-profiles/schema/load.ts';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../gateway/src/services/embedded-broker.ts';
import { freePort } from '../../gateway/src/services/free-port.ts';
import { SimulatedFleet } from '../../simulators/src/fleet.ts';
import { eventually, sleep, spoolDir, startTestInflux, tempDir, type TestInflux } from '../support/services.ts';
import { demoSiteFile } from '../support/fixtures.ts';

const TIME_SCALE = 60;
const REAL_SECONDS = 60;

describe('a simulated hour of the demo line', () => {
  let influx: TestInflux;
  let broker: EmbeddedBroker;
  let gateway: Gateway;
  let fleet: SimulatedFleet;
  let site: SiteModel;
  const dir = tempDir('line');

  beforeAll(async () => {
    const [r1, r2] = [await freePort(), await freePort()];
    site = loadSite(demoSiteFile(dir.path, [r1, r2]));
    [influx, broker] = await Promise.all([startTestInflux(), startEmbeddedBroker(0)]);
    fleet = new SimulatedFleet({ site, mqttUrl: broker.url, timeScale: TIME_SCALE, pkiDir: join(dir.path, 'pki'), lineFlow: true });
    await fleet.startRobots();
    gateway = new Gateway(
      site,
      gatewayConfig({
        mqtt: { url: broker.url, clientId: 'line-gateway' },
        influx: { url: influx.url, database: 'line', flushIntervalMs: 200 },
        http: { host: '127.0.0.1', port: 0 },
        opcua: { pkiDir: join(dir.path, 'gw-pki') },
        spool: { dir: spoolDir() },
        timeScale: TIME_SCALE,
      }),
      new Telemetry(pino({ level: 'silent' })),
    );
    await gateway.start();
    await eventually(() => gateway.sources.every((s) => s.state() === 'connected'), 20_000, 'gateway connected to broker and robots');
  }, 60_000);

  afterAll(async () => {
    await fleet?.stop();
    await gateway?.stop();
    await broker?.close();
    await influx?.stop();
    dir.remove();
  });

  it('counts in InfluxDB and the series agree with the simulators’ ground truth', async () => {
    // The gateway's clock runs at real time: the line's ideal cycle (four printers at 240 s) is given scaled.
    const series = gateway.floor.startSeries({ product: 'Street-light housing', target: 100, line: 'streetlight' });
    await fleet.startPrinters();
    await fleet.startLine();
    expect(fleet.flow).toBeDefined();
    await sleep(REAL_SECONDS * 1000);
    fleet.freeze();
    // The last values travel (OPC UA sampling, MQTT) and are written.
    await sleep(2000);
    await gateway.flush();

    const truth = fleet.flow!.truth;
    const robots = Object.fromEntries(fleet.robots.map((r) => [r.options.id, r.model.values.cycleCount]));
    const prints = fleet.printsDone();
    const db = influx.client('line');
    const rows = await db.query<{ device: string; produced: number; scrap: number }>('SELECT sum(produced) AS produced, sum(scrap) AS scrap FROM part GROUP BY device');
    const stored = Object.fromEntries(rows.map((r) => [(r as unknown as { device: string }).device, { produced: r.produced, scrap: r.scrap }]));

    // A believable hour: parts all the way through, some scrap, the conveyor stopping now and then.
    expect(truth.printed).toBeGreaterThan(20);
    expect(truth.inspected).toBeGreaterThan(10);
    expect(truth.packed).toBeGreaterThan(5);
    for (const [id, n] of Object.entries(prints)) expect(stored[id]?.produced ?? 0, id).toBe(n);
    expect(Object.values(prints).reduce((a, b) => a + b, 0)).toBe(truth.printed);
    expect(stored['robot-01']?.produced).toBe(robots['robot-01']);
    expect(stored['robot-02']?.produced).toBe(robots['robot-02']);
    expect(stored['inspection-01']).toEqual({ produced: truth.inspected, scrap: truth.failed });

    const summary = gateway.production.get(series.id, Date.now())!;
    expect(summary.good).toBe(robots['robot-02']);
    expect(summary.scrap).toBe(truth.failed);
    expect(summary.total).toBe(robots['robot-02']! + truth.failed);
    expect(summary.stations.map((s) => s.id)).toEqual(['printing', 'unloading', 'inspection', 'packing']);
    expect(summary.bottleneck).not.toBeNull();
    expect(summary.oee.oee).toBeGreaterThan(0);
    expect(summary.oee.oee).toBeLessThanOrEqual(1);
    // With the gateway told the simulation's time scale, no machine beats its ideal cycle time (a little timer jitter aside).
    for (const m of summary.machines) {
      if (m.oee.performance !== null) expect(m.oee.performance, m.device).toBeLessThanOrEqual(1.05);
      if (m.oee.availability !== null) expect(m.oee.availability, m.device).toBeLessThanOrEqual(1);
    }
    // Machine states were judged and stored along the way.
    const rates = await db.query<{ alarm: string }>(`SELECT count(text) FROM alarm WHERE event = 'raised' GROUP BY alarm`);
    // Heaters warm 60× fast in real time; measured in machine time (the gateway knows the scale) that is no sensor fault.
    expect(rates.map((r) => r.alarm)).not.toContain('nozzle_sensor_jump');
    const states = await db.query<{ n: number }>('SELECT count(state) AS n FROM machine_state');
    expect(states[0]!.n).toBeGreaterThan(10);
    console.log(summary.machines.map((m) => `${m.device} A ${m.oee.availability?.toFixed(2)} P ${m.oee.performance?.toFixed(2)} Q ${m.oee.quality?.toFixed(2)}`).join('; '));
    console.log(`simulated hour: ${JSON.stringify(truth)}; robots ${JSON.stringify(robots)}; series good ${summary.good}, scrap ${summary.scrap}, OEE ${summary.oee.oee?.toFixed(3)}, bottleneck ${summary.bottleneck}`);
  }, 120_000);
});
