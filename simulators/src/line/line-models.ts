// The simulated machines of a site as models, before any of them is connected: printers,
// robot arms and, when the first line has what it needs, the material flow that couples
// them. The live fleet serves these models; a recorded past or a warm start runs the same
// kind of models in simulated time. One place says how a site's devices become models.
import type { DeviceModel, SiteModel } from '../../../device-profiles/schema/load.ts';
import { PrinterModel } from '../fdm-printer/printer-model.ts';
import { RobotModel } from '../robot-arm/robot-model.ts';
import { deviceSeed } from '../random.ts';
import { LineFlow } from './line-flow.ts';

export interface LineRoles {
  readonly line: string;
  readonly unloader: string;
  readonly packer: string;
  readonly conveyor: DeviceModel;
  readonly inspection: DeviceModel;
}

export interface LineModels {
  readonly printers: readonly { readonly device: DeviceModel; readonly model: PrinterModel }[];
  readonly robots: readonly { readonly device: DeviceModel; readonly model: RobotModel }[];
  readonly skipped: readonly { readonly device: DeviceModel; readonly why: string }[];
  /** The first line's material flow, when simulated as one (`lineFlow`) and the line has two robots, a conveyor and an inspection station. */
  readonly flow: LineFlow | undefined;
  readonly roles: LineRoles | undefined;
}

export interface LineModelOptions {
  /** Couple the first line's machines through one material flow. */
  readonly lineFlow?: boolean;
  /**
   * A different day of the same line: seeds are derived with this salt, so the machines
   * behave alike but not identically (a recorded past beside the live line).
   */
  readonly salt?: string;
}

export function planDevices(site: SiteModel): { printers: DeviceModel[]; robots: DeviceModel[]; skipped: { device: DeviceModel; why: string }[] } {
  const printers: DeviceModel[] = [];
  const robots: DeviceModel[] = [];
  const skipped: { device: DeviceModel; why: string }[] = [];
  for (const d of site.devices) {
    const kind = d.profileDef.kind;
    if (kind === 'fdm-printer' && d.profileDef.mqtt) printers.push(d);
    else if (kind === 'robot-arm' && d.connection.opcua) robots.push(d);
    else if (kind === 'fdm-printer') skipped.push({ device: d, why: `profile ${d.profileDef.id} has no mqtt binding` });
    else if (kind === 'robot-arm') skipped.push({ device: d, why: 'no connection.opcua endpoint in the site file' });
    else if ((kind === 'conveyor' || kind === 'inspection') && d.profileDef.mqtt) continue; // the line flow
    else skipped.push({ device: d, why: `no simulator for ${kind} yet` });
  }
  return { printers, robots, skipped };
}

/** The first line's devices in station order, and which robots unload and pack; undefined when the site has no such line. */
export function lineRoles(site: SiteModel): LineRoles | undefined {
  const line = site.lines[0];
  if (!line) return undefined;
  const order = new Map(line.stations.map((s, i) => [s.id, i]));
  const inLine = site.devices.filter((d) => d.line === line.id).sort((a, b) => (order.get(a.station) ?? 0) - (order.get(b.station) ?? 0));
  const robots = inLine.filter((d) => d.profileDef.kind === 'robot-arm' && d.connection.opcua);
  const conveyor = inLine.find((d) => d.profileDef.kind === 'conveyor' && d.profileDef.mqtt);
  const inspection = inLine.find((d) => d.profileDef.kind === 'inspection' && d.profileDef.mqtt);
  if (robots.length < 2 || !conveyor || !inspection) return undefined;
  return { line: line.id, unloader: robots[0]!.id, packer: robots[robots.length - 1]!.id, conveyor, inspection };
}

export function buildLineModels(site: SiteModel, options: LineModelOptions = {}): LineModels {
  const plan = planDevices(site);
  const salted = (id: string) => (options.salt ? `${id}@${options.salt}` : id);
  const seedOf = (d: DeviceModel) => {
    const own = d.simulation?.seed;
    if (own === undefined) return deviceSeed(site.site.seed, salted(d.id));
    return options.salt ? deviceSeed(own, salted(d.id)) : own;
  };
  const roles = options.lineFlow ? lineRoles(site) : undefined;
  // The line's robots work only on parts that exist, from their very first cycle.
  const flow = roles ? new LineFlow({ seed: deviceSeed(site.site.seed, salted(`${roles.line}-flow`)) }) : undefined;
  const robots = plan.robots.map((device) => {
    const model = new RobotModel({ seed: seedOf(device), cycleSeconds: device.simulation?.cycleSeconds });
    if (flow && device.id === roles?.unloader) model.feeder = flow.unloaderFeeder;
    if (flow && device.id === roles?.packer) model.feeder = flow.packerFeeder;
    return { device, model };
  });
  const printers = plan.printers.map((device) => ({
    device,
    model: new PrinterModel({ seed: seedOf(device), jobSeconds: device.simulation?.jobSeconds ?? device.profileDef.production?.idealCycleSeconds }),
  }));
  return { printers, robots, skipped: plan.skipped, flow, roles };
}
