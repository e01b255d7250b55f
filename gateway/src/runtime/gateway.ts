// Assembles the gateway and owns its lifecycle: sources (from the registry) → ingest →
// shop floor (device state, judgement, commands) → sink runners, with the live hub and the
// HTTP server beside them. Behaviour lives in the parts; this file only wires them. The
// message path is synchronous: no await between a message arriving and its points being
// spooled, so a source may acknowledge the message when `handle` returns.
import { join } from 'node:path';
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import type { GatewayConfig } from '../config.ts';
import type { GatewayFigures, SinkHealth } from '../core/gateway-api.ts';
import type { HistoryReads } from '../core/history.ts';
import { experimentsFor, unavailableExperiments, type ExperimentsService } from '../experiments/experiments-setup.ts';
import { REAL_ENGINE } from '../experiments/real-engine.ts';
import { InfluxHistory } from '../history/influx-history.ts';
import type { Point, RawMessage, Reading } from '../core/reading.ts';
import type { AnySink } from '../core/sink.ts';
import type { Source } from '../core/source.ts';
import { Telemetry } from '../core/telemetry.ts';
import { startHttpServer, type HttpServer } from '../http/server.ts';
import { Ingest } from '../normalize/ingest.ts';
import { buildSinks } from '../sinks/registry.ts';
import { LiveHub } from '../sinks/live/live-hub.ts';
import { buildSources } from '../sources/registry.ts';
import { ShopFloor } from '../state/shop-floor.ts';
import { Counter } from 'prom-client';
import { AuditTrail, REFUSALS_PER_MINUTE } from '../auth/audit-trail.ts';
import { AuthStore } from '../auth/auth-store.ts';
import { originPolicy, type OriginPolicy } from '../auth/origin.ts';
import { VisitorView } from '../auth/visitor-view.ts';
import { influxAlarmEvents, type AlarmEventReader } from './alarm-events.ts';
import { openSeriesJournal } from './open-series-journal.ts';
import { restoreAlarms } from './restore-alarms.ts';
import type { SeriesJournal } from './series-journal.ts';
import { SinkRunner } from './sink-runner.ts';
import { openSpoolFor } from './spool-setup.ts';
import type { Spool } from './spool.ts';

export interface GatewayParts {
  /** Instead of those the registry builds for the site. */
  readonly sources?: readonly Source[];
  readonly sinks?: readonly AnySink[];
  /** Start the HTTP server (default true). */
  readonly http?: boolean;
  /** Where the history API reads; by default InfluxDB at `influx.url` unless `sinks` were given; false: none (a gateway writing a recorded past). */
  readonly history?: HistoryReads | false;
  /**
   * The shop floor's clock, ms since the epoch (default Date.now). A recorded past hands in
   * its simulated time: then no timer ticks the floor, and the caller calls `tick` once a
   * simulated second, as the timer would.
   */
  readonly clock?: () => number;
  /**
   * Where the alarms listed before this start are read back (their stored events); by
   * default InfluxDB at `influx.url` unless `sinks` were given; false: start with none.
   */
  readonly alarmHistory?: AlarmEventReader | false;
  /** Virtual experiments; by default the real engine over InfluxDB at `influx.url` unless `sinks` were given or `history` is false (then the API answers 503). Opened by `start`, closed by `stop`. */
  readonly experiments?: ExperimentsService;
}

/** How long a start waits for the alarms from before it, so that live data meets them already listed. */
const ALARM_RESTORE_WAIT_MS = 2000;

export type ReadingListener = (reading: Reading, point: Point | undefined) => void;

export class Gateway implements GatewayFigures {
  readonly telemetry: Telemetry;
  readonly floor: ShopFloor;
  /** Filled by `start` unless given. */
  readonly sources: Source[];
  /** One per sink, created by `start` (which opens their spools). */
  readonly runners: SinkRunner[] = [];
  readonly live: LiveHub;
  private readonly sinks: readonly AnySink[];
  private readonly spools: Spool[] = [];
  private readonly ingest: Ingest;
  private readonly listeners: ReadingListener[] = [];
  private readonly stopping = new AbortController();
  private readonly startedAt = Date.now();
  private http: HttpServer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private journal: SeriesJournal | undefined;
  private readonly ownHistory: InfluxHistory | undefined;
  private readonly now: () => number;
  /** The shop floor's clock at its construction: alarm events before it are an earlier run's. */
  private readonly floorStart: number;
  private readonly alarmEvents: AlarmEventReader | undefined;
  private alarmsRestored: Promise<void> | undefined;
  readonly experiments: ExperimentsService;
  /** Users, sessions and tokens (the users file), and the audit trail of who did what. */
  readonly auth: AuthStore;
  readonly audit: AuditTrail;

  constructor(
    readonly site: SiteModel,
    readonly config: GatewayConfig,
    telemetry?: Telemetry,
    private readonly parts: GatewayParts = {},
  ) {
    this.telemetry = telemetry ?? new Telemetry();
    this.now = parts.clock ?? Date.now;
    this.ingest = new Ingest(site, config.mqtt, this.telemetry);
    this.floorStart = this.now();
    this.floor = new ShopFloor(site, { timeScale: config.timeScale, keepStoppedSeries: config.production.keepStoppedSeries }, this.floorOutput, this.telemetry.log, this.floorStart);
    this.sources = parts.sources ? [...parts.sources] : [];
    this.sinks = parts.sinks ?? buildSinks(config);
    // History and the alarms from before the start are read from the InfluxDB the gateway writes to, unless the sinks were given.
    this.alarmEvents = parts.alarmHistory === false ? undefined : (parts.alarmHistory ?? (parts.sinks ? undefined : influxAlarmEvents(config.influx, site.site.id)));
    if (!parts.sinks && parts.history === undefined) this.ownHistory = new InfluxHistory(site, { ...config.influx, retention: { ...config.history, manage: config.history.manageRetention, database: config.influx.database } }, this.telemetry.log);
    this.experiments = parts.experiments ?? (parts.sinks || parts.history === false ? unavailableExperiments('the gateway runs without InfluxDB, where a line\'s record is read') : experimentsFor(site, config, this.telemetry.log, REAL_ENGINE));
    this.auth = new AuthStore(config.auth, this.telemetry.log);
    const droppedAudit = new Counter({ name: 'fieldlab_audit_refusals_dropped_total', help: 'Refused requests not recorded in the audit trail, beyond its bound per address a minute', registers: [this.telemetry.registry] });
    this.audit = new AuditTrail(
      site.site.id,
      (p) => {
        this.floorOutput.store(p);
        this.commit();
      },
      parts.sinks ? undefined : config.influx,
      (address, first) => {
        droppedAudit.inc();
        if (first) this.telemetry.log.warn({ address }, `more than ${REFUSALS_PER_MINUTE} refused requests a minute from ${address}: the audit trail records no more of them this minute (counted in fieldlab_audit_refusals_dropped_total)`);
      },
    );
    this.visitors = new VisitorView(site);
    this.origins = originPolicy(Boolean(config.http.tls), config.http.allowedOrigins, config.http.hostNames);
    const access = { store: this.auth, audit: this.audit, visitors: this.visitors, origins: this.origins, corsOrigins: config.http.corsOrigins };
    this.live = new LiveHub(site, this.floor.devices, this.telemetry, access, { rateHz: config.http.liveRateHz, history: Boolean(parts.history || this.ownHistory) });
    this.live.provideInsight(() => this.floor.insight(), (device, alarm, by) => {
      const done = this.floor.acknowledgeAlarm(device, alarm, by) !== undefined;
      this.commit();
      return done;
    });
  }

  private readonly visitors: VisitorView;
  /** Which pages and host names may act with a login (HTTP and socket alike). */
  private readonly origins: OriginPolicy;

  private readonly floorOutput = {
    store: (point: Point) => {
      for (let i = 0; i < this.runners.length; i++) this.runners[i]!.push(point);
    },
    commit: () => this.commit(),
    insightChanged: () => this.live.insightChanged(),
  };

  /** Called for every accepted reading, after the device state has merged it. */
  onReading(listener: ReadingListener): void {
    this.listeners.push(listener);
  }

  async start(): Promise<void> {
    for (const sink of this.sinks) {
      const spool = openSpoolFor(sink, this.config.spool);
      if (spool) this.spools.push(spool.spool);
      // What InfluxDB got late, its continuous queries have passed by: the history fills it in.
      const history = sink.name === 'influxdb' ? this.ownHistory : undefined;
      this.runners.push(new SinkRunner(sink, this.telemetry, { ...this.config.influx, spool, lateWritten: history && ((from, to) => history.lateWritten(from, to)) }));
    }
    this.telemetry.backlogs = () => this.sinkHealth().map((s) => ({ sink: s.name, points: s.bufferedPoints, spool: s.spool, oldestUnsentAt: s.oldestUnsentAt }));
    for (const runner of this.runners) {
      runner.start();
      // A sink that is down at start must not keep live data from flowing: its points wait in its runner.
      const started = runner.startSink({ signal: this.stopping.signal });
      if (runner.sink.name === 'influxdb') void started.then(() => (this.stopping.signal.aborted ? undefined : this.ownHistory?.prepare()));
    }
    if (this.floor.production.countsParts) {
      this.journal = openSeriesJournal(this.floor.production, this.config.production.journal ?? join(this.config.spool.dir, 'production-series.jsonl'), this.telemetry, this.now());
    }
    if (this.alarmEvents) await this.startAlarmRestore(this.alarmEvents);
    this.experiments.open();
    if (!this.parts.clock) {
      this.timer = setInterval(() => this.tick(), 1000);
      this.timer.unref();
    }
    if (!this.parts.sources) this.sources.push(...(await buildSources({ site: this.site, config: this.config, telemetry: this.telemetry })));
    const emit = (m: RawMessage) => this.handle(m);
    await Promise.all(this.sources.map((s) => s.start(emit)));
    if (this.parts.http ?? true) {
      // A users file that does not parse stops the start here, naming the file and the path in it.
      this.auth.open();
      this.http = await startHttpServer(
        { shopFloor: this.floor, figures: this, history: this.parts.history || this.ownHistory, experiments: this.experiments, auth: { store: this.auth, audit: this.audit, visitors: this.visitors, origins: this.origins } },
        this.config.http,
        this.config.auth,
      );
      this.live.attach(this.http.server);
      this.onReading(this.live.onReading);
    }
    this.telemetry.log.info({ devices: this.site.devices.length, site: this.site.site.id }, `gateway started for ${this.site.site.name}`);
  }

  private async startAlarmRestore(read: AlarmEventReader): Promise<void> {
    const influx = this.runners.find((r) => r.sink.name === 'influxdb');
    const restore = restoreAlarms({ floor: this.floor, read, before: this.floorStart, stored: influx?.recovered() ?? Promise.resolve(), log: this.telemetry.log, signal: this.stopping.signal });
    this.alarmsRestored = restore.done;
    // An earlier run's points still to write, or an InfluxDB that does not answer at once: the list fills in later.
    if (influx?.recovering) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([restore.firstTry, new Promise<void>((resolve) => (timer = setTimeout(resolve, ALARM_RESTORE_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /**
   * The message path: never throws, never awaits. When it returns, the message's points
   * are in the spool: a source may acknowledge the message then (MQTT's PUBACK).
   */
  handle(message: RawMessage): void {
    this.ingest.ingest(message, this.accept);
    this.commit();
  }

  /** Once a second (the gateway's own timer, or the owner of `clock`): the shop floor notices silence and time. */
  tick(): void {
    this.floor.tick(this.now());
    this.commit(); // cheap when nothing is pending
  }

  private readonly accept = (reading: Reading): void => {
    const point = this.floor.accept(reading, this.now());
    for (const l of this.listeners) l(reading, point);
  };

  /** Everything pushed so far onto the spool: before a message is acknowledged, or after an event from a timer or a person. */
  private commit(): void {
    for (let i = 0; i < this.runners.length; i++) this.runners[i]!.commit();
    this.journal?.flush();
  }

  // Shorthands for the shop floor's parts, which tests and the CLI use.
  get state() { return this.floor.devices; }
  get alarms() { return this.floor.alarms; }
  get production() { return this.floor.production; }
  /** The history store this gateway set up (retention, rollups), when it reads its own InfluxDB. */
  get historyStore() { return this.ownHistory; }

  // GatewayFigures, for /healthz and /metrics.
  sourceStates() {
    return this.sources.map((s) => ({ name: s.name, state: s.state() }));
  }
  sinkHealth(): SinkHealth[] {
    return this.runners.map((r) => ({ name: r.sink.name, bufferedPoints: r.depth(), spool: r.spoolUsage(), oldestUnsentAt: r.oldestUnsentAt() }));
  }
  uptimeSeconds(): number {
    return (Date.now() - this.startedAt) / 1000;
  }

  httpAddress(): string | undefined {
    return this.http?.url;
  }

  /** Every HTTP route the server registered (the matrix test reads them). */
  httpRoutes(): readonly { readonly method: string; readonly url: string }[] {
    return this.http?.routes ?? [];
  }

  /** Resolves when every point so far is written. */
  async flush(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.drain()));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    clearInterval(this.timer);
    this.ownHistory?.stop();
    await this.alarmsRestored;
    await this.experiments.close();
    await Promise.all(this.sources.map((s) => s.stop()));
    if (this.journal) {
      this.floor.production.tick(this.now()); // the run times up to now, for the next start
      this.journal.close();
    }
    await Promise.all(this.runners.map((r) => r.stop()));
    await Promise.all(this.runners.map((r) => r.sink.stop()));
    await Promise.all(this.spools.map((s) => s.close()));
    await this.live.close();
    await this.http?.close();
    this.auth.close();
  }
}
