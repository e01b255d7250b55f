// The simulated line run in simulated time, without waiting: the same models on the same
// schedule as the live fleet (robots step 20 times a second, printers once, the line flow
// four times, an OPC UA client's publish every publishing interval), but the clock jumps
// from one due step to the next. What the machines would have sent is handed out as the
// raw messages a gateway's sources emit: MQTT messages encoded as each profile says, and
// OPC UA value changes as a subscription with the profile's sampling intervals and
// deadbands delivers them. A recorded past and a warm start are this loop.
import type { DeviceModel, SiteModel } from '../../../device-profiles/schema/load.ts';
import type { OpcUaChange, RawMessage } from '../../../gateway/src/core/reading.ts';
import { ProfileEncoder } from '../mqtt/profile-encoder.ts';
import type { RobotModel } from '../robot-arm/robot-model.ts';
import { robotReadout, type RobotReadout } from '../robot-arm/robot-readout.ts';
import type { LineModels } from './line-models.ts';

/** Where the loop's messages go: a gateway's message path and its once-a-second tick. Called synchronously. */
export interface LineClockOutput {
  message(message: RawMessage): void;
  tick(): void;
}

export interface LineClockOptions {
  /** Clock time (ms since the epoch) the run starts at. */
  readonly start: number;
  /** Simulated seconds per clock second, as the live demo's --time-scale. */
  readonly timeScale?: number;
  /** Printer steps per second when the device does not say (the fleet's `rate`). */
  readonly rate?: number;
  /** Partial-update printers send their full state this often (simulated seconds). */
  readonly fullEverySeconds?: number;
}

export interface RunOptions {
  /** Clock time to run until. */
  readonly until: number;
  readonly out?: LineClockOutput | undefined;
  /** Checked after every line step: true ends the run there. */
  readonly stop?: (() => boolean) | undefined;
  /** Awaited every simulated 10 s of clock: lets the event loop breathe and a sink catch up. */
  readonly pace?: (() => Promise<void>) | undefined;
  readonly signal?: AbortSignal | undefined;
}

interface Task {
  readonly periodMs: number;
  next: number;
  readonly run: (now: number) => void;
}

interface RobotFeed {
  readonly device: DeviceModel;
  readonly model: RobotModel;
  /** Per signal: the last value sent, when it was sampled. */
  readonly sent: Map<string, unknown>;
  readonly sampledAt: Map<string, number>;
  lastStep: number;
}

const SOURCE = 'recorded-past';

export class LineClock {
  /** The clock now, ms since the epoch: a gateway's `clock` reads it. */
  now: number;
  /** Messages handed out so far, by kind. */
  readonly sent = { mqtt: 0, opcua: 0 };
  private readonly tasks: Task[] = [];
  private out: LineClockOutput | undefined;

  constructor(
    readonly site: SiteModel,
    readonly models: LineModels,
    options: LineClockOptions,
  ) {
    this.now = options.start;
    const scale = options.timeScale ?? 1;
    const fullEvery = options.fullEverySeconds ?? 30;
    const every = (periodMs: number, run: (now: number) => void) => this.tasks.push({ periodMs, next: options.start + periodMs, run });

    for (const { device, model } of models.robots) {
      const feed: RobotFeed = { device, model, sent: new Map(), sampledAt: new Map(), lastStep: options.start };
      const periodMs = 1000 / (device.simulation?.rate ?? 20);
      every(periodMs, (now) => {
        model.step((periodMs / 1000) * scale);
        feed.lastStep = now;
      });
      const binding = device.profileDef.opcua;
      if (binding) every(binding.publishingInterval, (now) => this.publishRobot(feed, now));
    }
    for (const { device, model } of models.printers) {
      const encoder = new ProfileEncoder(device.profileDef, device.topicId);
      const periodMs = 1000 / (device.simulation?.rate ?? options.rate ?? 1);
      const dt = (periodMs / 1000) * scale;
      let sinceFull = 0;
      let first = true;
      every(periodMs, (now) => {
        const done = model.jobsDone;
        const values = model.step(dt);
        if (model.jobsDone > done) models.flow?.printed();
        sinceFull += dt;
        const full = first || sinceFull >= fullEvery;
        if (full) sinceFull = 0;
        first = false;
        this.publishMqtt(encoder, values as unknown as Record<string, unknown>, now, full);
      });
    }
    const { flow, roles } = models;
    const unloader = models.robots.find((r) => r.device.id === roles?.unloader)?.model;
    const packer = models.robots.find((r) => r.device.id === roles?.packer)?.model;
    if (flow && roles && unloader && packer) {
      const encoders = [new ProfileEncoder(roles.conveyor.profileDef, roles.conveyor.topicId), new ProfileEncoder(roles.inspection.profileDef, roles.inspection.topicId)];
      let sincePublish = 0;
      every(250, (now) => {
        flow.follow(unloader.values.cycleCount, packer.values.cycleCount);
        const inspectedBefore = flow.inspection.inspected;
        flow.step(0.25 * scale);
        sincePublish += 250;
        // As the fleet: once a second, and at once when a part was judged.
        if (sincePublish < 1000 && flow.inspection.inspected === inspectedBefore) return;
        sincePublish = 0;
        const values = [flow.conveyor, flow.inspection] as unknown as Record<string, unknown>[];
        encoders.forEach((e, i) => this.publishMqtt(e, values[i]!, now, true));
      });
    }
    every(1000, () => this.out?.tick());
  }

  /** Runs every step due up to `until` (or until `stop` says so); returns the clock time it ended at. */
  async run(options: RunOptions): Promise<number> {
    this.out = options.out;
    let nextPace = this.now + 10_000;
    const tasks = this.tasks;
    for (;;) {
      let due = tasks[0]!;
      for (let i = 1; i < tasks.length; i++) if (tasks[i]!.next < due.next) due = tasks[i]!;
      if (due.next > options.until) break;
      this.now = Math.round(due.next);
      due.next += due.periodMs;
      due.run(this.now);
      if (options.stop?.()) break;
      if (this.now >= nextPace) {
        nextPace = this.now + 10_000;
        options.signal?.throwIfAborted();
        if (options.pace) await options.pace();
      }
    }
    this.out = undefined;
    return this.now;
  }

  private publishMqtt(encoder: ProfileEncoder, values: Readonly<Record<string, unknown>>, now: number, full: boolean): void {
    const out = this.out;
    const messages = encoder.encode(values, now, full);
    if (!out) return;
    for (const m of messages) {
      out.message({ kind: 'mqtt', source: SOURCE, topic: m.topic, payload: Buffer.from(m.payload), receivedAt: now });
      this.sent.mqtt++;
    }
  }

  /**
   * What a subscription to the robot's nodes delivers at one publish: each monitored item's
   * latest sample (taken at the robot's last step, its source time), when it moved past its
   * deadband; items with a slower sampling interval are sampled that often.
   */
  private publishRobot(feed: RobotFeed, now: number): void {
    const out = this.out;
    if (!out) return;
    const binding = feed.device.profileDef.opcua!;
    const readout = robotReadout(feed.model.values);
    const changes: OpcUaChange[] = [];
    for (const [signal, value] of robotSignals(readout)) {
      const spec = binding.signals[signal];
      if (!spec) continue;
      const interval = spec.samplingInterval ?? binding.samplingInterval;
      const last = feed.sampledAt.get(signal);
      if (last !== undefined && feed.lastStep - last < interval) continue;
      const before = feed.sent.get(signal);
      const deadband = spec.deadband?.type === 'absolute' ? spec.deadband.value : 0;
      if (before !== undefined && !moved(before, value, deadband)) continue;
      feed.sent.set(signal, value);
      feed.sampledAt.set(signal, feed.lastStep);
      changes.push({ device: feed.device, signal, value, status: GOOD, sourceTime: feed.lastStep, serverTime: now });
    }
    if (changes.length === 0) return;
    out.message({ kind: 'opcua', source: SOURCE, changes, receivedAt: now });
    this.sent.opcua++;
  }
}

const GOOD = Object.freeze({ name: 'Good', good: true, bad: false });

/**
 * The robotics-arm profile's signals and the readout value behind each, in the shape
 * node-opcua decodes the node's Variant (LocalizedText for the state machine's current
 * state, a Float64Array for the vendor array, a plain object for the structure).
 */
function robotSignals(r: RobotReadout): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (let j = 0; j < 6; j++) {
    out.push([`axis${j + 1}_position`, r.position[j]], [`axis${j + 1}_speed`, r.speed[j]], [`axis${j + 1}_load`, r.load[j]], [`axis${j + 1}_motor_temp`, r.motorTemp[j]]);
  }
  out.push(
    ['speed_override', r.speedOverride],
    ['program', r.programName],
    ['operational_mode', r.operationalMode],
    ['emergency_stop', r.emergencyStop],
    ['protective_stop', r.protectiveStop],
    ['item_state', { text: r.itemState }],
    ['cycle_count', r.cycleCount],
    ['gripper_closed', r.gripperClosed],
    ['joint_torque', Float64Array.from(r.jointTorque)],
    ['tcp', { ...r.tcp }],
  );
  return out;
}

function moved(before: unknown, value: unknown, deadband: number): boolean {
  if (typeof before === 'number' && typeof value === 'number') return Math.abs(value - before) > deadband;
  if (ArrayBuffer.isView(before) && ArrayBuffer.isView(value)) {
    const [a, b] = [before as Float64Array, value as Float64Array];
    return a.length !== b.length || a.some((x, i) => x !== b[i]);
  }
  if (typeof before === 'object' && before !== null && typeof value === 'object' && value !== null) {
    const [a, b] = [before as Record<string, unknown>, value as Record<string, unknown>];
    return Object.keys(b).some((k) => a[k] !== b[k]);
  }
  return before !== value;
}
