// Runs the simulated devices of a site: printers publish to an MQTT broker, each on its
// own connection in its own profile's convention; robots are OPC UA servers on the
// endpoints the site gives them.
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { DeviceModel, SiteModel } from '../../device-profiles/schema/load.ts';
import { join } from 'node:path';
import type { PrinterModel } from './fdm-printer/printer-model.ts';
import { RobotServer } from './robot-arm/robot-server.ts';
import { ProfileEncoder } from './mqtt/profile-encoder.ts';
import { deviceSeed } from './random.ts';
import type { LineFlow } from './line/line-flow.ts';
import { buildLineModels, lineRoles, planDevices, type LineModels } from './line/line-models.ts';

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
  /**
   * Robots offer only SignAndEncrypt (Basic256Sha256), log in only `robotUsers`, and accept only
   * clients whose certificate is in their trusted/certs/: a deployment's robots.
   */
  readonly robotsRequireEncryption?: boolean;
  /** Users that may log in on every robot server, name → password. */
  readonly robotUsers?: Readonly<Record<string, string>>;
  /** Each MQTT device's own login (a broker with an ACL lets it publish only its own topics). */
  readonly mqttCredentials?: (deviceId: string) => MqttLogin | undefined;
  /** CA certificates (PEM) for an mqtts:// broker; default the system's. */
  readonly mqttCa?: string;
  /**
   * Simulate the first line as one material flow (robots work only on parts that exist,
   * conveyor and inspection publish); off, robots cycle freely. The demo turns it on.
   */
  readonly lineFlow?: boolean;
}

export interface MqttLogin {
  readonly username: string;
  readonly password: string;
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
  /** The material flow between printers, robots, conveyor and inspection, when the site has a line for it. */
  flow: LineFlow | undefined;
  private readonly lineClients: MqttClient[] = [];
  private lineTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: FleetOptions) {}

  /** Devices this fleet can simulate now; the others are listed with the reason. */
  static plan(site: SiteModel): { printers: DeviceModel[]; robots: DeviceModel[]; skipped: { device: DeviceModel; why: string }[] } {
    return planDevices(site);
  }

  private built: LineModels | undefined;

  /**
   * The models this fleet serves, built on first use and kept: a warm start runs them in
   * simulated time before the fleet starts, and the live machines go on from where they are.
   */
  get models(): LineModels {
    return (this.built ??= buildLineModels(this.options.site, { lineFlow: this.options.lineFlow }));
  }

  async start(): Promise<void> {
    await this.startRobots();
    await this.startPrinters();
    await this.startLine();
  }

  /**
   * Couples the line: finished prints feed the first robot of the line (unloading), which
   * puts them on the conveyor; the inspection station judges them; the last robot (packing)
   * packs the good ones. Conveyor and inspection publish over MQTT. Call after the robots
   * and printers are started.
   */
  async startLine(): Promise<void> {
    const { mqttUrl, log } = this.options;
    const roles = this.options.lineFlow ? lineRoles(this.options.site) : undefined;
    const flow = this.flow;
    const find = (id: string) => this.robots.find((r) => r.options.id === id)?.model;
    const [unloader, packer] = roles ? [find(roles.unloader), find(roles.packer)] : [];
    if (!roles || !flow || !unloader || !packer) {
      log?.info('no line flow simulated (it needs two robots, a conveyor and an inspection station with MQTT bindings on the first line)');
      return;
    }
    const { conveyor, inspection } = roles;
    const publishers = await Promise.all(
      [conveyor, inspection].map(async (device) => {
        const client = await this.connect(device.id);
        this.lineClients.push(client);
        return { client, encoder: new ProfileEncoder(device.profileDef, device.topicId) };
      }),
    );
    const tickMs = 250;
    const dt = (tickMs / 1000) * (this.options.timeScale ?? 1);
    let sincePublish = 0;
    this.lineTimer = setInterval(() => {
      flow.follow(unloader.values.cycleCount, packer.values.cycleCount);
      const inspectedBefore = flow.inspection.inspected;
      flow.step(dt);
      sincePublish += tickMs;
      // Once a second, and at once when a part was judged (each verdict is a message).
      if (sincePublish < 1000 && flow.inspection.inspected === inspectedBefore) return;
      sincePublish = 0;
      const values = [flow.conveyor, flow.inspection] as unknown as Record<string, unknown>[];
      publishers.forEach((p, i) => this.publish(p.client, p.encoder, values[i]!, true));
    }, tickMs);
    log?.info({ line: roles.line, unloader: roles.unloader, packer: roles.packer }, `line ${roles.line}: printers → robots → conveyor → inspection simulated as one flow`);
  }

  /** Robots first: an OPC UA server takes a second or two to load its nodesets. */
  async startRobots(): Promise<void> {
    const { site, log } = this.options;
    const models = this.models;
    this.flow = models.flow;
    for (const s of models.skipped) log?.info({ device: s.device.id }, `not simulated: ${s.why}`);
    for (const { device, model } of models.robots) {
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
        requireEncryption: this.options.robotsRequireEncryption,
        ...(this.options.robotUsers ? { users: this.options.robotUsers, anonymous: false } : {}),
        arm: model,
      });
      await robot.start();
      this.robots.push(robot);
      const security = this.options.robotsRequireEncryption ? ' (SignAndEncrypt only, trusted clients only)' : '';
      log?.info({ device: device.id }, `robot ${device.id} is an OPC UA server on ${robot.endpoint}${security}`);
    }
  }

  async startPrinters(): Promise<void> {
    const { site, mqttUrl, log } = this.options;
    await Promise.all(
      this.models.printers.map(async ({ device, model }) => {
        const client = await this.connect(device.id);
        const sim: Simulated = {
          device,
          client,
          model,
          encoder: new ProfileEncoder(device.profileDef, device.topicId),
          sinceFull: 0,
        };
        this.running.push(sim);
      }),
    );
    for (const sim of this.running) this.schedule(sim);
    log?.info({ devices: this.running.map((s) => s.device.id) }, `simulating ${this.running.length} printers on ${mqttUrl}`);
  }

  private connect(deviceId: string): Promise<MqttClient> {
    const login = this.options.mqttCredentials?.(deviceId);
    const ca = this.options.mqttCa;
    return mqtt.connectAsync(this.options.mqttUrl, {
      clientId: `sim-${deviceId}`.slice(0, 64),
      reconnectPeriod: 1000,
      ...(login ? { username: login.username, password: login.password } : {}),
      ...(ca !== undefined ? { ca } : {}),
    });
  }

  private schedule(sim: Simulated): void {
    const rate = sim.device.simulation?.rate ?? this.options.rate ?? 1;
    const dt = (1 / rate) * (this.options.timeScale ?? 1);
    const fullEvery = this.options.fullEverySeconds ?? 30;
    let first = true;
    sim.timer = setInterval(() => {
      const done = sim.model.jobsDone;
      const values = sim.model.step(dt);
      if (sim.model.jobsDone > done) this.flow?.printed();
      sim.sinceFull += dt;
      const full = first || sim.sinceFull >= fullEvery;
      if (full) sim.sinceFull = 0;
      first = false;
      this.publish(sim.client, sim.encoder, values as unknown as Record<string, unknown>, full);
    }, 1000 / rate);
  }

  private publish(client: MqttClient, encoder: ProfileEncoder, values: Readonly<Record<string, unknown>>, full: boolean): void {
    for (const m of encoder.encode(values, Date.now(), full)) {
      // QoS 1, so the broker queues them for a gateway that is restarting (its persistent session).
      client.publish(m.topic, m.payload, { qos: 1, retain: m.retain });
      this.published++;
    }
  }

  /**
   * Stops time for every simulated device (no more steps), while connections and servers
   * stay up, so the last values reach the gateway: what it counted can then be compared with
   * the simulators' ground truth.
   */
  freeze(): void {
    for (const sim of this.running) clearInterval(sim.timer);
    clearInterval(this.lineTimer);
    for (const r of this.robots) r.freeze();
  }

  /** Finished print jobs per printer, as the simulators counted them. */
  printsDone(): Record<string, number> {
    return Object.fromEntries(this.running.map((s) => [s.device.id, s.model.jobsDone]));
  }

  async stop(): Promise<void> {
    clearInterval(this.lineTimer);
    await Promise.all(this.lineClients.splice(0).map((c) => c.endAsync()));
    for (const sim of this.running) clearInterval(sim.timer);
    await Promise.all(this.running.map((s) => s.client.endAsync()));
    this.running.length = 0;
    await Promise.all(this.robots.map((r) => r.stop()));
    this.robots.length = 0;
  }
}
