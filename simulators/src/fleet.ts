// Runs the simulated devices of a site: printers publish to an MQTT broker, each on its
// own connection in its own profile's convention; robots are OPC UA servers on the
// endpoints the site gives them.
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { DeviceModel, SiteModel } from '../../device-profiles/schema/load.ts';
import { join } from 'node:path';
import { PrinterModel } from './fdm-printer/printer-model.ts';
import { RobotServer } from './robot-arm/robot-server.ts';
import { ProfileEncoder } from './mqtt/profile-encoder.ts';
import { deviceSeed } from './random.ts';

export interface FleetOptions {
  readonly site: SiteModel;
  readonly mqttUrl: string;
  /** Ticks per second per device (default 1; a device's `simulation.rate` wins). */
  readonly rate?: number;
  /** Simulated seconds per real second (default 1). */
  readonly timeScale?: number;
  /** Partial-update devices send their full state this often (default 30 s), as a real printer's full push. */
  readonly fullEverySeconds?: number;
  readonly log?: Logger | undefined;
  /** Where simulated robots keep their OPC UA certificates (default .data/pki). */
  readonly pkiDir?: string;
  /** Address robot servers listen on (default: the host of their endpoint; 0.0.0.0 in a container). */
  readonly robotBindHost?: string;
  /** Robots also offer Sign and SignAndEncrypt. */
  readonly secureRobots?: boolean;
}

interface Simulated {
  readonly device: DeviceModel;
  readonly model: PrinterModel;
  readonly encoder: ProfileEncoder;
  readonly client: MqttClient;
  timer?: NodeJS.Timeout;
  sinceFull: number;
}

export class SimulatedFleet {
  private readonly running: Simulated[] = [];
  readonly robots: RobotServer[] = [];
  published = 0;

  constructor(private readonly options: FleetOptions) {}

  /** Devices this fleet can simulate now; the others are listed with the reason. */
  static plan(site: SiteModel): { printers: DeviceModel[]; robots: DeviceModel[]; skipped: { device: DeviceModel; why: string }[] } {
    const printers: DeviceModel[] = [];
    const robots: DeviceModel[] = [];
    const skipped: { device: DeviceModel; why: string }[] = [];
    for (const d of site.devices) {
      const kind = d.profileDef.kind;
      if (kind === 'fdm-printer' && d.profileDef.mqtt) printers.push(d);
      else if (kind === 'robot-arm' && d.connection.opcua) robots.push(d);
      else if (kind === 'fdm-printer') skipped.push({ device: d, why: `profile ${d.profileDef.id} has no mqtt binding` });
      else if (kind === 'robot-arm') skipped.push({ device: d, why: 'no connection.opcua endpoint in the site file' });
      else skipped.push({ device: d, why: `no simulator for ${kind} yet` });
    }
    return { printers, robots, skipped };
  }

  async start(): Promise<void> {
    await this.startRobots();
    await this.startPrinters();
  }

  /** Robots first: an OPC UA server takes a second or two to load its nodesets. */
  async startRobots(): Promise<void> {
    const { site, log } = this.options;
    const plan = SimulatedFleet.plan(site);
    for (const s of plan.skipped) log?.info({ device: s.device.id }, `not simulated: ${s.why}`);
    for (const device of plan.robots) {
      const endpoint = new URL(device.connection.opcua!.endpoint.replace(/^opc\.tcp:/, 'http:'));
      const robot = new RobotServer({
        id: device.id,
        port: Number(endpoint.port),
        host: this.options.robotBindHost ?? endpoint.hostname,
        seed: device.simulation?.seed ?? deviceSeed(site.site.seed, device.id),
        cycleSeconds: device.simulation?.cycleSeconds,
        rate: device.simulation?.rate,
        timeScale: this.options.timeScale,
        pkiDir: join(this.options.pkiDir ?? '.data/pki', device.id),
        secure: this.options.secureRobots,
      });
      await robot.start();
      this.robots.push(robot);
      log?.info({ device: device.id }, `robot ${device.id} is an OPC UA server on ${robot.endpoint}`);
    }
  }

  async startPrinters(): Promise<void> {
    const { site, mqttUrl, log } = this.options;
    const plan = SimulatedFleet.plan(site);
    await Promise.all(
      plan.printers.map(async (device) => {
        const client = await mqtt.connectAsync(mqttUrl, { clientId: `sim-${device.id}`.slice(0, 64), reconnectPeriod: 1000 });
        const sim: Simulated = {
          device,
          client,
          model: new PrinterModel({ seed: device.simulation?.seed ?? deviceSeed(site.site.seed, device.id), jobSeconds: device.simulation?.jobSeconds }),
          encoder: new ProfileEncoder(device.profileDef, device.topicId),
          sinceFull: 0,
        };
        this.running.push(sim);
      }),
    );
    for (const sim of this.running) this.schedule(sim);
    log?.info({ devices: this.running.map((s) => s.device.id) }, `simulating ${this.running.length} printers on ${mqttUrl}`);
  }

  private schedule(sim: Simulated): void {
    const rate = sim.device.simulation?.rate ?? this.options.rate ?? 1;
    const dt = (1 / rate) * (this.options.timeScale ?? 1);
    const fullEvery = this.options.fullEverySeconds ?? 30;
    let first = true;
    sim.timer = setInterval(() => {
      const values = sim.model.step(dt);
      sim.sinceFull += dt;
      const full = first || sim.sinceFull >= fullEvery;
      if (full) sim.sinceFull = 0;
      first = false;
      for (const m of sim.encoder.encode(values as unknown as Record<string, unknown>, Date.now(), full)) {
        // QoS 1, so the broker queues them for a gateway that is restarting (its persistent session).
        sim.client.publish(m.topic, m.payload, { qos: 1, retain: m.retain });
        this.published++;
      }
    }, 1000 / rate);
  }

  async stop(): Promise<void> {
    for (const sim of this.running) clearInterval(sim.timer);
    await Promise.all(this.running.map((s) => s.client.endAsync()));
    this.running.length = 0;
    await Promise.all(this.robots.map((r) => r.stop()));
    this.robots.length = 0;
  }
}
