// Runs the simulated devices of a site against an MQTT broker, each device on its own
// connection like real hardware, each publishing in its own profile's convention.
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { DeviceModel, SiteModel } from '../../device-profiles/schema/load.ts';
import { PrinterModel } from './fdm-printer/printer-model.ts';
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
  published = 0;

  constructor(private readonly options: FleetOptions) {}

  /** Devices this fleet can simulate now; the others are listed with the reason. */
  static plan(site: SiteModel): { simulated: DeviceModel[]; skipped: { device: DeviceModel; why: string }[] } {
    const simulated: DeviceModel[] = [];
    const skipped: { device: DeviceModel; why: string }[] = [];
    for (const d of site.devices) {
      if (d.profileDef.kind !== 'fdm-printer') skipped.push({ device: d, why: `no simulator for ${d.profileDef.kind} yet` });
      else if (!d.profileDef.mqtt) skipped.push({ device: d, why: `profile ${d.profileDef.id} has no mqtt binding` });
      else simulated.push(d);
    }
    return { simulated, skipped };
  }

  async start(): Promise<void> {
    const { site, mqttUrl, log } = this.options;
    const plan = SimulatedFleet.plan(site);
    for (const s of plan.skipped) log?.info({ device: s.device.id }, `not simulated: ${s.why}`);
    await Promise.all(
      plan.simulated.map(async (device) => {
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
    log?.info({ devices: this.running.map((s) => s.device.id) }, `simulating ${this.running.length} devices on ${mqttUrl}`);
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
        sim.client.publish(m.topic, m.payload, { qos: 0, retain: m.retain });
        this.published++;
      }
    }, 1000 / rate);
  }

  async stop(): Promise<void> {
    for (const sim of this.running) clearInterval(sim.timer);
    await Promise.all(this.running.map((s) => s.client.endAsync()));
    this.running.length = 0;
  }
}
