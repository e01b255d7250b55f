// The shop floor's state in one place: every device's merged values, machine states, alarms
// and production series, and the commands that change them (acknowledge an alarm; start,
// pause, resume, stop a series). What happens becomes points for the sinks and a note that
// viewers need a new picture; where they go is the runtime's business (ShopFloorOutput).
import type { Logger } from 'pino';
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import type { GatewayCommands, GatewayReads } from '../core/gateway-api.ts';
import type { AlarmInstance, SeriesStart, SeriesSummary } from '../core/insight.ts';
import type { ShopFloorInsight } from '../core/live-events.ts';
import type { Point, Reading } from '../core/reading.ts';
import { DeviceStateStore } from './device-state.ts';
import type { StoredAlarmEvent } from './alarm-restore.ts';
import { SiteAlarms } from './site-alarms.ts';
import { SiteMachineStates } from './site-machine-states.ts';
import { SiteProduction } from './site-production.ts';

/** Where the shop floor's points and changes go. Called synchronously, from the message path too. */
export interface ShopFloorOutput {
  /** A point for every sink: a device's merged state, or an event it caused. */
  store(point: Point): void;
  /** A person's command or a timer changed something: what was stored must reach the spool now. */
  commit(): void;
  /** Machine states, alarms or series changed: viewers get the new insight at their next tick. */
  insightChanged(): void;
}

export interface ShopFloorOptions {
  /** Simulated seconds per real second (a sped-up demo), for ideal cycle times and rates. */
  readonly timeScale: number;
  readonly keepStoppedSeries: number;
}

export class ShopFloor implements GatewayReads, GatewayCommands {
  readonly devices: DeviceStateStore;
  /** Producing, idle, setup, fault, offline per device, from the profiles' `states`. */
  readonly machineStates: SiteMachineStates;
  /** Alarms from the profiles: raised, acknowledged, cleared. */
  readonly alarms: SiteAlarms;
  /** Parts counted from the profiles, and the production series on each line. */
  readonly production: SiteProduction;
  private ticks = 0;

  constructor(
    readonly site: SiteModel,
    options: ShopFloorOptions,
    private readonly out: ShopFloorOutput,
    private readonly log: Logger,
    now = Date.now(),
  ) {
    this.devices = new DeviceStateStore(site);
    this.machineStates = new SiteMachineStates(site, now);
    this.alarms = new SiteAlarms(site, now, options.timeScale);
    this.production = new SiteProduction(site, (device, at) => this.machineStates.producingMs(device, at), options.keepStoppedSeries, options.timeScale);
  }

  /** The message path: merges the reading and judges it; returns the device's point, if one was stored. */
  accept(reading: Reading, now = Date.now()): Point | undefined {
    // Parts are judged against the state before this reading (a counter's step, a value that becomes).
    const part = this.production.observe(reading.device, this.devices.valuesOf(reading.device), reading.values, now);
    const point = this.devices.apply(reading);
    if (point) this.out.store(point);
    const values = this.devices.valuesOf(reading.device);
    const changes = this.machineStates.observe(reading.device, values, now);
    const alarms = this.alarms.observe(reading.device, values, now, reading);
    if (part) this.out.store(part);
    if (changes) this.storeAll(changes);
    if (alarms) this.storeAll(alarms);
    if (changes || alarms || part) this.out.insightChanged();
    return point;
  }

  /** Once a second: silence is noticed by time, not by data (offline, stale alarms); run times every 10 s, series figures every minute. */
  tick(now = Date.now()): void {
    this.ticks++;
    if (this.ticks % 10 === 0) this.production.tick(now);
    const changes = [...this.machineStates.check(now), ...this.alarms.check(now), ...(this.ticks % 60 === 0 ? this.production.progress(now) : [])];
    this.storeAll(changes);
    if (changes.length > 0) this.out.insightChanged();
  }

  insight(now = Date.now()): ShopFloorInsight {
    return { states: this.machineStates.current(), alarms: this.alarms.list(), series: this.production.running(now) };
  }

  // Reads (GatewayReads)
  listDevices() {
    return this.devices.snapshot();
  }
  listMachineStates() {
    return this.machineStates.list(Date.now());
  }
  listAlarms() {
    return this.alarms.list();
  }
  listSeries() {
    return this.production.list(Date.now());
  }
  getSeries(id: string) {
    return this.production.get(id, Date.now());
  }

  // Commands (GatewayCommands): each throws a FieldlabError when it does not fit.
  // `now` is handed in by a recorded past, whose series start and stop at simulated times.
  startSeries(input: SeriesStart, now = Date.now()): SeriesSummary {
    const { summary, points } = this.production.start(input, now);
    this.recordSeries(points, `series ${summary.id} started: ${summary.product}, target ${summary.target}, line ${summary.line}`);
    return summary;
  }

  stopSeries(id: string, now = Date.now()): SeriesSummary {
    const { summary, points } = this.production.stop(id, now);
    this.recordSeries(points, `series ${summary.id} stopped: ${summary.good} good, ${summary.scrap} scrap`);
    return summary;
  }

  pauseSeries(id: string, reason: string): SeriesSummary {
    const { summary, points } = this.production.pause(id, reason, Date.now());
    this.recordSeries(points, `series ${summary.id}: planned stop (${reason})`);
    return summary;
  }

  resumeSeries(id: string): SeriesSummary {
    const { summary, points } = this.production.resume(id, Date.now());
    this.recordSeries(points, `series ${summary.id} resumed`);
    return summary;
  }

  /** The alarms listed before a restart, from their stored events; viewers get the list at their next tick. */
  restoreAlarms(events: readonly StoredAlarmEvent[]): { restored: AlarmInstance[]; skipped: string[] } {
    const done = this.alarms.restore(events);
    if (done.restored.length > 0) this.out.insightChanged();
    return done;
  }

  acknowledgeAlarm(device: string, alarm: string, by: string): AlarmInstance | undefined {
    const done = this.alarms.acknowledge(device, alarm, by, Date.now());
    if (!done) return undefined;
    this.storeAll([done.point]);
    this.out.commit();
    this.out.insightChanged();
    this.log.info({ device, alarm, by }, `alarm ${alarm} on ${device} acknowledged by ${by}`);
    return done.alarm;
  }

  private recordSeries(points: readonly Point[], message: string): void {
    this.storeAll(points);
    this.out.commit();
    this.out.insightChanged();
    this.log.info(message);
  }

  private storeAll(points: readonly Point[]): void {
    for (const p of points) this.out.store(p);
  }
}
