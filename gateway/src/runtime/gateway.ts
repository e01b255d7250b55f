// Assembles the pipeline: sources → router/normaliser → device state → sink runners,
// plus the HTTP server for health, metrics and the viewer. The message path here is
// synchronous: no await between a message arriving and its point being buffered.
import { join } from 'node:path';
import type { DeviceModel, SiteModel } from '../../../device-profiles/schema/load.ts';
import type { GatewayConfig } from '../config.ts';
import type { MqttMessage, OpcUaChange, OpcUaMessage, Point, RawMessage, Reading } from '../core/reading.ts';
import { isSpoolable, type AnySink } from '../core/sink.ts';
import type { Source } from '../core/source.ts';
import { Telemetry } from '../core/telemetry.ts';
import { decodePayload, normalize, type Decoded } from '../normalize/normalize.ts';
import { TopicRouter, subscriptionsFor } from '../normalize/topic-router.ts';
import { DeviceStateStore } from '../state/device-state.ts';
import { MachineStates } from '../state/site-machine-states.ts';
import { SiteAlarms } from '../state/site-alarms.ts';
import { SiteProduction } from '../state/site-production.ts';
import type { SeriesSummary } from '../state/series.ts';
import { InfluxDbSink } from '../sinks/influxdb/influxdb-sink.ts';
import { MqttSource } from '../sources/mqtt/mqtt-source.ts';
import { normalizeOpcUa } from '../normalize/normalize-opcua.ts';
import { startHttpServer, type HttpServer } from '../http/server.ts';
import { SinkRunner, type SpoolSetup } from './sink-runner.ts';
import { Spool } from './spool.ts';
import { DeviceRateLimit } from './device-rate-limit.ts';
import { DeadLetterFile } from './dead-letter.ts';
import { SeriesJournal } from './series-journal.ts';
import { LiveHub } from '../sinks/live/live-hub.ts';

export interface GatewayParts {
  readonly sources?: readonly Source[];
  readonly sinks?: readonly AnySink[];
  /** Start the HTTP server (default true). */
  readonly http?: boolean;
}

export type ReadingListener = (reading: Reading, point: Point | undefined) => void;

export class Gateway {
  readonly telemetry: Telemetry;
  readonly state: DeviceStateStore;
  /** Filled by `start` unless given: an OPC UA stack is loaded only for sites that use it. */
  readonly sources: Source[];
  private readonly ownSources: boolean;
  /** One per sink, created by `start` (which opens their spools). */
  readonly runners: SinkRunner[] = [];
  private readonly sinks: readonly AnySink[];
  private readonly spools: Spool[] = [];
  private readonly router: TopicRouter;
  private readonly maxPayloadBytes: number;
  private readonly rateLimit: DeviceRateLimit;
  private readonly listeners: ReadingListener[] = [];
  private http: HttpServer | undefined;
  /** Producing, idle, setup, fault, offline per device, from the profiles' `states`. */
  readonly machineStates: MachineStates;
  /** Alarms from the profiles: raised, acknowledged, cleared. */
  readonly alarms: SiteAlarms;
  /** Parts counted from the profiles, and the production series on each line. */
  readonly production: SiteProduction;
  private stateTimer: NodeJS.Timeout | undefined;
  private journal: SeriesJournal | undefined;
  /** Live state for viewers over socket.io, on the HTTP server. */
  readonly live: LiveHub;
  private readonly startedAt = Date.now();

  constructor(
    readonly site: SiteModel,
    readonly config: GatewayConfig,
    telemetry?: Telemetry,
    parts: GatewayParts = {},
  ) {
    this.telemetry = telemetry ?? new Telemetry();
    this.router = new TopicRouter(site);
    this.state = new DeviceStateStore(site);
    this.machineStates = new MachineStates(site, Date.now());
    this.alarms = new SiteAlarms(site, Date.now(), config.timeScale);
    this.production = new SiteProduction(site, (device, now) => this.machineStates.producingMs(device, now), config.production.keepStoppedSeries, config.timeScale);
    this.maxPayloadBytes = config.mqtt.maxPayloadBytes;
    this.rateLimit = new DeviceRateLimit(config.mqtt.maxMessagesPerSecondPerDevice);
    this.sources = parts.sources ? [...parts.sources] : [];
    this.ownSources = !parts.sources;
    this.sinks = parts.sinks ?? [new InfluxDbSink(config.influx)];
    this.withHttp = parts.http ?? true;
    this.live = new LiveHub(site, this.state, this.telemetry, { rateHz: config.http.liveRateHz });
    this.live.provideInsight(
      () => ({
        states: this.machineStates.current(),
        alarms: this.alarms.list(),
        series: this.production.running(Date.now()),
      }),
      (device, alarm, by) => void this.acknowledgeAlarm(device, alarm, by),
    );
  }

  private readonly withHttp: boolean;

  /** Called for every accepted reading, after the device state has merged it. */
  onReading(listener: ReadingListener): void {
    this.listeners.push(listener);
  }

  async start(): Promise<void> {
    for (const sink of this.sinks) this.runners.push(new SinkRunner(sink, this.telemetry, { ...this.config.influx, spool: this.spoolFor(sink) }));
    this.telemetry.backlogs = () =>
      this.runners.map((r) => ({ sink: r.sink.name, points: r.depth(), spool: r.spoolUsage(), oldestUnsentAt: r.oldestUnsentAt() }));
    for (const runner of this.runners) {
      runner.start();
      // A sink that is down at start must not keep live data from flowing: its points
      // wait in the runner, which retries the sink's start in the background.
      void this.startSink(runner);
    }
    this.openJournal();
    // Silence is noticed by time, not by data: once a second, stale devices go offline.
    let ticks = 0;
    this.stateTimer = setInterval(() => {
      const now = Date.now();
      if (++ticks % 10 === 0) this.production.tick(now);
      const changes = [...this.machineStates.check(now), ...this.alarms.check(now), ...(ticks % 60 === 0 ? this.production.progress(now) : [])];
      this.store(changes);
      this.commit(); // cheap when nothing is pending
      if (changes.length > 0) this.live.insightChanged();
    }, 1000);
    this.stateTimer.unref();
    if (this.ownSources) this.sources.push(...(await defaultSources(this.site, this.config, this.telemetry)));
    const emit = (m: RawMessage) => this.handle(m);
    await Promise.all(this.sources.map((s) => s.start(emit)));
    if (this.withHttp) {
      this.http = await startHttpServer(this, this.config.http);
      this.live.attach(this.http.server);
      this.onReading(this.live.onReading);
    }
    this.telemetry.log.info({ devices: this.site.devices.length, site: this.site.site.id }, `gateway started for ${this.site.site.name}`);
  }

  /** Series running when the gateway last stopped (or was killed) go on; before any source delivers a part. */
  private openJournal(): void {
    if (!this.production.countsParts) return;
    const file = this.config.production.journal ?? join(this.config.spool.dir, 'production-series.jsonl');
    const log = this.telemetry.log;
    const { journal, contents } = SeriesJournal.open(file, { failed: (err) => this.telemetry.journalFailed(file, err), recovered: () => this.telemetry.journalWritten() });
    const now = Date.now();
    for (const problem of this.production.restore(contents.entries, now)) log.warn({ file }, `series journal: ${problem}`);
    if (contents.unreadable > 0) log.warn({ file, lines: contents.unreadable }, `series journal: ${contents.unreadable} unreadable line(s) skipped`);
    this.production.attach(journal, now);
    this.journal = journal;
    const running = this.production.running(now);
    if (running.length) log.info({ file }, `series ${running.map((s) => `${s.id} (${s.product}, ${s.good} good so far)`).join(', ')} continued`);
  }

  private spoolFor(sink: AnySink): SpoolSetup | undefined {
    const c = this.config.spool;
    if (!c.enabled || !isSpoolable(sink)) return undefined;
    const spool = Spool.open(join(c.dir, sink.name));
    this.spools.push(spool);
    return {
      spool,
      maxBytes: c.maxBytes,
      whenFull: c.whenFull,
      replayPointsPerSecond: c.replayPointsPerSecond,
      deadLetter: new DeadLetterFile(join(c.dir, sink.name, 'dead-letter.jsonl'), c.deadLetterMaxBytes),
    };
  }

  private async startSink(runner: SinkRunner, delayMs = 1000): Promise<void> {
    try {
      await runner.sink.start();
    } catch (err) {
      this.telemetry.writeFailed(runner.sink.name, new Error(`start failed: ${(err as Error).message}`), true, delayMs);
      await new Promise((r) => setTimeout(r, delayMs).unref());
      return this.startSink(runner, Math.min(delayMs * 2, 30_000));
    }
  }

  /**
   * The message path: never throws, never awaits. When it returns, the message's points
   * are in the spool: a source may acknowledge the message then (MQTT's PUBACK).
   */
  handle(message: RawMessage): void {
    if (message.kind === 'mqtt') this.handleMqtt(message);
    else this.handleOpcUa(message);
    this.commit();
  }

  /** Everything pushed so far onto the spool: before a message is acknowledged, or after an event from a timer or a person. */
  private commit(): void {
    for (let i = 0; i < this.runners.length; i++) this.runners[i]!.commit();
    this.journal?.flush();
  }

  private handleOpcUa(message: OpcUaMessage): void {
    const t = this.telemetry;
    t.messageReceived(message.source, message.changes.length);
    const byDevice = new Map<DeviceModel, OpcUaChange[]>();
    for (const c of message.changes) {
      const list = byDevice.get(c.device);
      if (list) list.push(c);
      else byDevice.set(c.device, [c]);
    }
    for (const [device, changes] of byDevice) {
      const result = normalizeOpcUa(changes, device.profileDef.opcua!, message.receivedAt);
      for (const r of result.rejects) t.messageRejected(r.reason, { device: device.id, signal: r.signal, message: r.message });
      for (const reading of result.readings) this.accept(reading);
    }
  }

  private handleMqtt(message: MqttMessage): void {
    const t = this.telemetry;
    t.messageReceived(message.source);
    if (message.payload.length > this.maxPayloadBytes) {
      t.messageRejected('payload_too_large', { topic: message.topic, message: `${message.payload.length} bytes > ${this.maxPayloadBytes}` });
      return;
    }
    const found = this.router.lookup(message.topic);
    if (!found.ok) {
      t.messageRejected(found.reason, {
        topic: message.topic,
        device: found.id,
        message: found.reason === 'unknown_device' ? `device "${found.id}" is not in the site file` : 'no profile maps this topic',
      });
      return;
    }
    const first = found.matches[0]!.route.device.id;
    if (!this.rateLimit.allow(first, message.receivedAt)) {
      t.messageRejected('device_flood', { topic: message.topic, device: first, message: `more than ${this.config.mqtt.maxMessagesPerSecondPerDevice} messages a second from ${first}; the excess is dropped` });
      return;
    }
    let json: Decoded | undefined;
    let text: Decoded | undefined;
    // One message is one reading per device, even where several of its profile's topic
    // mappings match (OctoPrint's event/PrinterStateChanged is also an event/{event}).
    let merged: Reading | undefined;
    for (const match of found.matches) {
      const format = match.route.topic.format;
      const decoded = format === 'json' ? (json ??= decodePayload('json', message.payload)) : (text ??= decodePayload('text', message.payload));
      const device = match.route.device.id;
      if (!decoded.ok) {
        t.messageRejected(decoded.reject.reason, { topic: message.topic, device, message: decoded.reject.message });
        continue;
      }
      const result = normalize(match, decoded.value, message.receivedAt);
      for (const r of result.rejects) t.messageRejected(r.reason, { topic: message.topic, device, signal: r.signal, message: r.message });
      const reading = result.reading;
      if (!reading) continue;
      if (merged && merged.device !== reading.device) this.accept(merged);
      merged = merged?.device === reading.device ? mergeReadings(merged, reading) : reading;
    }
    if (merged) this.accept(merged);
  }

  private accept(reading: Reading): void {
    const now = Date.now();
    // Parts are judged against the state before this reading (a counter's step, a value that becomes).
    const part = this.production.observe(reading.device, this.state.valuesOf(reading.device), reading.values, now);
    const point = this.state.apply(reading);
    if (point) for (const runner of this.runners) runner.push(point);
    const values = this.state.valuesOf(reading.device);
    const changes = this.machineStates.observe(reading.device, values, now);
    const alarms = this.alarms.observe(reading.device, values, now, reading);
    if (part) this.store([part]);
    if (changes) this.store(changes);
    if (alarms) this.store(alarms);
    if (changes || alarms || part) this.live.insightChanged();
    for (const l of this.listeners) l(reading, point);
  }

  /** Starts a production series (REST, CLI, viewer); throws SeriesError when it cannot. */
  startSeries(input: Parameters<SiteProduction['start']>[0]): SeriesSummary {
    const { summary, points } = this.production.start(input, Date.now());
    this.recordSeries(points, `series ${summary.id} started: ${summary.product}, target ${summary.target}, line ${summary.line}`);
    return summary;
  }

  stopSeries(id: string): SeriesSummary {
    const { summary, points } = this.production.stop(id, Date.now());
    this.recordSeries(points, `series ${summary.id} stopped: ${summary.good} good, ${summary.scrap} scrap`);
    return summary;
  }

  /** A planned stop (break, changeover) begins on a running series. */
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

  private recordSeries(points: readonly Point[], message: string): void {
    this.store(points);
    this.commit();
    this.live.insightChanged();
    this.telemetry.log.info(message);
  }

  /** From the REST API or a viewer: stored like any event, pushed to viewers. */
  acknowledgeAlarm(device: string, alarm: string, by: string): ReturnType<SiteAlarms['acknowledge']> {
    const done = this.alarms.acknowledge(device, alarm, by, Date.now());
    if (!done) return undefined;
    this.store([done.point]);
    this.commit();
    this.live.insightChanged();
    this.telemetry.log.info({ device, alarm, by }, `alarm ${alarm} on ${device} acknowledged by ${by}`);
    return done;
  }

  private store(points: readonly Point[]): void {
    for (const p of points) for (const runner of this.runners) runner.push(p);
  }

  uptimeSeconds(): number {
    return (Date.now() - this.startedAt) / 1000;
  }

  httpAddress(): string | undefined {
    return this.http?.url;
  }

  /** Resolves when every point so far is written. */
  async flush(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.drain()));
  }

  async stop(): Promise<void> {
    clearInterval(this.stateTimer);
    await Promise.all(this.sources.map((s) => s.stop()));
    if (this.journal) {
      this.production.tick(Date.now()); // the run times up to now, for the next start
      this.journal.close();
    }
    await Promise.all(this.runners.map((r) => r.stop()));
    await Promise.all(this.runners.map((r) => r.sink.stop()));
    await Promise.all(this.spools.map((s) => s.close()));
    await this.live.close();
    await this.http?.close();
  }
}

function mergeReadings(a: Reading, b: Reading): Reading {
  const deviceTime = !a.gatewayClock ? a : b;
  return { device: a.device, time: deviceTime.time, gatewayClock: deviceTime.gatewayClock, values: { ...a.values, ...b.values } };
}

/** An MQTT source for the site's MQTT devices, and one OPC UA source per endpoint. */
async function defaultSources(site: SiteModel, config: GatewayConfig, telemetry: Telemetry): Promise<Source[]> {
  const sources: Source[] = [];
  if (site.devices.some((d) => d.profileDef.mqtt)) {
    sources.push(
      new MqttSource(
        { url: config.mqtt.url, clientId: config.mqtt.clientId, username: config.mqtt.username, password: config.mqtt.password, subscriptions: subscriptionsFor(site) },
        telemetry,
      ),
    );
  }
  const endpoints = new Map<string, DeviceModel[]>();
  for (const d of site.devices) {
    if (!d.profileDef.opcua || !d.connection.opcua) continue;
    const list = endpoints.get(d.connection.opcua.endpoint) ?? [];
    list.push(d);
    endpoints.set(d.connection.opcua.endpoint, list);
  }
  if (endpoints.size > 0) {
    const { OpcUaSource } = await import('../sources/opcua/opcua-source.ts');
    for (const [endpoint, devices] of endpoints) sources.push(new OpcUaSource({ endpoint, devices, ...config.opcua }, telemetry));
  }
  return sources;
}
