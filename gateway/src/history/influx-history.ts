// The history API over InfluxDB 1.x: the state of the fieldlab at an instant, the changes in
// a window (raw, or stepped for long spans) and the timeline's marks. Reads what the gateway
// wrote (one point per device per timestamp carrying its merged state; machine_state, alarm
// and production_series events) and never interpolates: a state holds until its next change
// event, a device's values only within its look-back.
import type { DeviceModel, SiteModel } from '../../../device-profiles/schema/load.ts';
import type { MachineState } from '../../../device-profiles/schema/profile.ts';
import { FieldlabError } from '../core/errors.ts';
import type { AlarmAt, DeviceAt, DeviceChanges, HistoryAt, HistoryChanges, HistoryReads, HistoryScope, SeriesAt, StateAt, TimelineMark } from '../core/history.ts';
import type { Value } from '../core/reading.ts';
import { measurementFor } from '../state/device-state.ts';
import { pino, type Logger } from 'pino';
import { anyOf, at, ident, influxQuery, reasonOf, rows, type ResultSeries, type StatementResult } from './influxql.ts';
import { RetentionTiers, type RetentionSettings } from './retention.ts';
import type { GatewayConfig } from '../config.ts';

/** The same InfluxDB the gateway writes to: its `influx:` settings' connection part. */
export interface InfluxHistoryOptions extends Pick<GatewayConfig['influx'], 'url' | 'database' | 'username' | 'password'> {
  /** How far back an event (a state change, an alarm, a series) is looked for: the raw retention. */
  readonly eventLookbackMs?: number;
  /** A device without `states.offlineAfterSeconds` in its profile has data at an instant only this close after a point. */
  readonly defaultLookbackMs?: number;
  /** Rows per statement at most; beyond it the answer says `truncated`. */
  readonly maxRows?: number;
  /** Steps per device at most in a stepped window. */
  readonly maxSteps?: number;
  /** Windows up to this long come raw unless a step is asked for. */
  readonly rawSpanMs?: number;
  /** Retention tiers (history.* in the gateway settings); without them everything is read raw. */
  readonly retention?: (RetentionSettings & { readonly manage: boolean }) | undefined;
  /** Stepped windows longer than this read the 1-minute rollups (default a day), as do windows older than the raw retention. */
  readonly rollupSpanMs?: number;
}

type Tier = 'raw' | 'rollup';

const TAGS = new Set(['site', 'line', 'station', 'device', 'profile', 'kind', 'time']);
const DAY = 86_400_000;

export class InfluxHistory implements HistoryReads {
  private readonly devices: Map<string, DeviceModel>;
  private readonly eventLookbackMs: number;
  private readonly maxRows: number;
  private readonly maxSteps: number;
  private readonly rawSpanMs: number;
  private readonly tiers: RetentionTiers | undefined;

  constructor(
    site: SiteModel,
    private readonly options: InfluxHistoryOptions,
    private readonly log: Logger = pino({ level: 'silent' }),
  ) {
    this.tiers = options.retention ? new RetentionTiers(site, options.retention, (q) => this.query(q), log) : undefined;
    this.devices = new Map(site.devices.map((d) => [d.id, d]));
    this.eventLookbackMs = options.eventLookbackMs ?? 30 * DAY;
    this.maxRows = options.maxRows ?? 20_000;
    this.maxSteps = options.maxSteps ?? 1_000;
    this.rawSpanMs = options.rawSpanMs ?? 3_600_000;
  }

  /** Retention and rollups set up (when the settings say so); an InfluxDB that refuses is logged, and history goes on with raw data. */
  async prepare(): Promise<void> {
    if (!this.tiers || !this.options.retention?.manage) return;
    try {
      await this.tiers.setup();
    } catch (err) {
      const why = reasonOf(err);
      this.log.warn(`history: InfluxDB did not let the gateway set up retention and rollups (${why}); history answers from raw data only`);
    }
  }

  stop(): void {
    this.tiers?.stop();
  }

  /** Rollups and event copies for a window now, as the start does for time the gateway was away. */
  async fillRollups(from: number, to: number): Promise<void> {
    await this.tiers?.fill(from, to);
  }

  /**
   * InfluxDB confirmed points late (a spooled backlog), timed `from` to `to` (ms, inclusive):
   * older than the continuous queries look back, so their rollups and event copies are filled
   * in, in the background, once retention is set up. Returns at once and never throws.
   */
  lateWritten(from: number, to: number): void {
    this.tiers?.lateWritten(from, to);
  }

  /** Raw while the raw retention still holds `from`, and for stepped windows up to a day; the 1-minute rollups beyond. */
  private tier(from: number, span: number, stepped: boolean, now = Date.now()): Tier {
    if (!this.tiers?.ready) return 'raw';
    if (from < now - this.tiers.rawRetentionMs) return 'rollup';
    return stepped && span > (this.options.rollupSpanMs ?? DAY) ? 'rollup' : 'raw';
  }

  private source(measurement: string, tier: Tier): string {
    return tier === 'raw' || !this.options.retention ? ident(measurement) : `${ident(this.options.database)}.${ident(this.options.retention.rollupPolicy)}.${ident(measurement)}`;
  }

  /** How long after its latest point a device still counts as having data: its profile's offline timeout. */
  lookbackMs(device: DeviceModel): number {
    const s = device.profileDef.states?.offlineAfterSeconds;
    return s !== undefined ? s * 1000 : (this.options.defaultLookbackMs ?? 60_000);
  }

  async at(t: number, scope: HistoryScope): Promise<HistoryAt> {
    if (scope.devices.length === 0) return { t, tier: 'raw', devices: [], states: [], alarms: [], series: [] };
    const byKind = this.byMeasurement(scope);
    const devs = anyOf('device', scope.devices);
    const until = `time <= ${at(t)} AND time > ${at(t - this.eventLookbackMs)}`;
    const tier = this.tier(t, 0, false);
    const statements = [
      ...[...byKind].map(([m, ids]) => `SELECT * FROM ${this.source(m, tier)} WHERE ${anyOf('device', ids)} AND ${until} GROUP BY "device" ORDER BY time DESC LIMIT 1`),
      `SELECT "state", "reason" FROM ${this.source('machine_state', tier)} WHERE ${devs} AND ${until} GROUP BY "device" ORDER BY time DESC LIMIT 1`,
      `SELECT "text", "value", "by", "active", "acknowledged", "event", "severity" FROM ${this.source('alarm', tier)} WHERE ${devs} AND ${until} GROUP BY "device", "alarm" ORDER BY time DESC LIMIT 1`,
      `SELECT "text" FROM ${this.source('alarm', tier)} WHERE "event" = 'raised' AND ${devs} AND ${until} GROUP BY "device", "alarm" ORDER BY time DESC LIMIT 1`,
      `SELECT * FROM ${this.source('production_series', tier)} WHERE ${until} ORDER BY time DESC LIMIT ${this.maxRows}`,
    ];
    const results = await this.query(statements);
    const kinds = byKind.size;
    const latest = new Map<string, Record<string, unknown>>();
    for (const r of results.slice(0, kinds)) for (const s of r.series ?? []) latest.set(s.tags?.device ?? '', tier === 'raw' ? rows(s)[0]! : lastOfRollup(rows(s)[0]!));
    // A rollup row is stamped with its minute's start and holds the minute's last value.
    const slack = tier === 'raw' ? 0 : 60_000;
    const devices: DeviceAt[] = scope.devices.map((id) => {
      const row = latest.get(id);
      const time = row ? Number(row.time) : null;
      const fresh = time !== null && t - time <= this.lookbackMs(this.devices.get(id)!) + slack;
      return { id, time: fresh ? time : null, values: fresh ? valuesOf(row!) : null, lastSeen: time };
    });
    const states: StateAt[] = (results[kinds]!.series ?? []).map((s) => {
      const row = rows(s)[0]!;
      return { device: s.tags?.device ?? '', state: String(row.state) as MachineState, since: Number(row.time), reason: String(row.reason ?? '') };
    });
    const raised = new Map<string, number>();
    for (const s of results[kinds + 2]!.series ?? []) raised.set(`${s.tags?.device}\u0000${s.tags?.alarm}`, Number(rows(s)[0]!.time));
    const alarms: AlarmAt[] = [];
    for (const s of results[kinds + 1]!.series ?? []) {
      const row = rows(s)[0]!;
      const active = row.active === true;
      const acknowledged = row.acknowledged === true;
      if (!active && acknowledged) continue; // cleared and acknowledged: no longer listed
      const device = s.tags?.device ?? '';
      const alarm = s.tags?.alarm ?? '';
      alarms.push({
        device,
        alarm,
        severity: String(row.severity ?? ''),
        text: String(row.text ?? ''),
        value: String(row.value ?? ''),
        raisedAt: raised.get(`${device}\u0000${alarm}`) ?? null,
        lastEvent: String(row.event) as AlarmAt['lastEvent'],
        lastEventAt: Number(row.time),
        active,
        acknowledged,
        acknowledgedBy: row.by ? String(row.by) : null,
      });
    }
    alarms.sort((a, b) => (b.raisedAt ?? 0) - (a.raisedAt ?? 0));
    return { t, tier, devices, states, alarms, series: runningSeries(results[kinds + 3]!.series?.[0]) };
  }

  async changes(from: number, to: number, scope: HistoryScope, stepSeconds?: number, options: { readonly lastOnly?: boolean } = {}): Promise<HistoryChanges> {
    const span = to - from;
    if (scope.devices.length === 0) return { from, to, tier: 'raw', step: null, devices: [], events: [], truncated: false };
    // Older than the raw retention, only the rollups hold it: stepped, whatever the span.
    const step = stepSeconds ?? (span <= this.rawSpanMs && this.tier(from, span, false) === 'raw' ? undefined : 0);
    const window = `time >= ${at(from)} AND time <= ${at(to)}`;
    const byKind = this.byMeasurement(scope);
    const tier = this.tier(from, span, step !== undefined);
    let truncated = false;
    const devices = new Map<string, { points: DeviceChanges['points'][number][]; steps: NonNullable<DeviceChanges['steps']>[number][] }>(
      scope.devices.map((id) => [id, { points: [], steps: [] }]),
    );
    let stepS: number | null = null;
    const statements: string[] = [];
    const plan: { m: string; kind: 'raw' | 'steps' | 'changes' }[] = [];
    if (step === undefined) {
      for (const [m, ids] of byKind) {
        statements.push(`SELECT * FROM ${ident(m)} WHERE ${anyOf('device', ids)} AND ${window} GROUP BY "device" ORDER BY time ASC LIMIT ${this.maxRows}`);
        plan.push({ m, kind: 'raw' });
      }
    } else {
      // Never more than maxSteps per device, whatever step was asked for: the size bound.
      stepS = Math.max(step, Math.ceil(span / 1000 / this.maxSteps), 1);
      if (tier === 'rollup') stepS = Math.ceil(stepS / 60) * 60; // whole rollup minutes
      for (const [m, ids] of byKind) {
        const { numeric, other } = this.fieldsOf(ids);
        // From the rollups, the last/min/max of a step are those of its minutes' last/min/max.
        const col = (agg: string, f: string) => ident(tier === 'raw' ? f : `${agg}_${f}`);
        const src = this.source(m, tier);
        if (numeric.length > 0) {
          const sel = numeric
            .flatMap((f) => [`last(${col('last', f)}) AS ${ident(`last:${f}`)}`, ...(options.lastOnly ? [] : [`min(${col('min', f)}) AS ${ident(`min:${f}`)}`, `max(${col('max', f)}) AS ${ident(`max:${f}`)}`])])
            .join(', ');
          statements.push(`SELECT ${sel} FROM ${src} WHERE ${anyOf('device', ids)} AND ${window} GROUP BY time(${stepS}s), "device" fill(none)`);
          plan.push({ m, kind: 'steps' });
        }
        if (other.length > 0) {
          const sel = other.map((f) => (tier === 'raw' ? ident(f) : `${col('last', f)} AS ${ident(f)}`)).join(', ');
          statements.push(`SELECT ${sel} FROM ${src} WHERE ${anyOf('device', ids)} AND ${window} GROUP BY "device" ORDER BY time ASC LIMIT ${this.maxRows}`);
          plan.push({ m, kind: 'changes' });
        }
      }
    }
    const eventsAt = statements.length;
    statements.push(...this.markStatements(window, scope, tier));
    const results = await this.query(statements);
    plan.forEach((p, i) => {
      for (const s of results[i]!.series ?? []) {
        const entry = devices.get(s.tags?.device ?? '');
        if (!entry) continue;
        const list = rows(s);
        if (list.length >= this.maxRows) truncated = true;
        if (p.kind === 'raw') for (const row of list) entry.points.push({ t: Number(row.time), v: valuesOf(row) });
        else if (p.kind === 'steps') for (const row of list) entry.steps.push(stepOf(row));
        else entry.points.push(...onlyChanges(list));
      }
    });
    const events = this.marksOf(results.slice(eventsAt));
    if (events.truncated) truncated = true;
    return {
      from,
      to,
      tier,
      step: stepS,
      devices: [...devices].map(([id, d]) => {
        const lookbackMs = this.lookbackMs(this.devices.get(id)!);
        return stepS === null ? { id, lookbackMs, points: d.points } : { id, lookbackMs, points: d.points.sort((a, b) => a.t - b.t), steps: d.steps };
      }),
      events: events.marks.filter((m) => m.kind === 'state' || m.kind.startsWith('alarm')),
      truncated,
    };
  }

  async marks(from: number, to: number, scope: HistoryScope): Promise<{ marks: TimelineMark[]; truncated: boolean }> {
    if (scope.devices.length === 0) return { marks: [], truncated: false };
    return this.marksOf(await this.query(this.markStatements(`time >= ${at(from)} AND time <= ${at(to)}`, scope, this.tier(from, to - from, false))));
  }

  private markStatements(window: string, scope: HistoryScope, tier: Tier): string[] {
    const devs = anyOf('device', scope.devices);
    return [
      `SELECT "state", "reason" FROM ${this.source('machine_state', tier)} WHERE ${devs} AND ${window} GROUP BY "device" ORDER BY time ASC LIMIT ${this.maxRows}`,
      `SELECT "text", "event", "severity", "by" FROM ${this.source('alarm', tier)} WHERE ${devs} AND ${window} GROUP BY "device", "alarm" ORDER BY time ASC LIMIT ${this.maxRows}`,
      `SELECT "event", "series_id", "product", "reason" FROM ${this.source('production_series', tier)} WHERE "event" <> 'progress' AND ${window} ORDER BY time ASC LIMIT ${this.maxRows}`,
    ];
  }

  private marksOf(results: readonly StatementResult[]): { marks: TimelineMark[]; truncated: boolean } {
    const marks: TimelineMark[] = [];
    let truncated = false;
    const [states, alarms, series] = results;
    for (const s of states?.series ?? []) {
      const list = rows(s);
      if (list.length >= this.maxRows) truncated = true;
      for (const r of list) marks.push({ t: Number(r.time), kind: 'state', device: s.tags?.device ?? null, text: `${r.state}${r.reason ? ` (${r.reason})` : ''}`, state: String(r.state) as MachineState });
    }
    for (const s of alarms?.series ?? []) {
      const list = rows(s);
      if (list.length >= this.maxRows) truncated = true;
      for (const r of list) {
        const mark = { t: Number(r.time), kind: `alarm_${String(r.event)}` as TimelineMark['kind'], device: s.tags?.device ?? null, text: `${s.tags?.alarm}: ${r.text}`, alarm: s.tags?.alarm ?? '', severity: String(r.severity ?? '') };
        marks.push(r.by ? { ...mark, by: String(r.by) } : mark);
      }
    }
    for (const s of series?.series ?? []) {
      const list = rows(s);
      if (list.length >= this.maxRows) truncated = true;
      for (const r of list) marks.push({ t: Number(r.time), kind: `series_${String(r.event)}` as TimelineMark['kind'], device: null, text: `${r.series_id} ${r.product}${r.reason ? ` (${r.reason})` : ''}` });
    }
    marks.sort((a, b) => a.t - b.t);
    return { marks, truncated };
  }

  private byMeasurement(scope: HistoryScope): Map<string, string[]> {
    const by = new Map<string, string[]>();
    for (const id of scope.devices) {
      const d = this.devices.get(id);
      if (!d) throw new FieldlabError('FL_UNKNOWN_DEVICE', { device: id });
      const m = measurementFor(d.profileDef.kind);
      by.set(m, [...(by.get(m) ?? []), id]);
    }
    return by;
  }

  /** The stored signals of these devices: numbers are stepped (last/min/max), the rest kept change by change. */
  private fieldsOf(ids: readonly string[]): { numeric: string[]; other: string[] } {
    const numeric = new Set<string>();
    const other = new Set<string>();
    for (const id of ids) {
      for (const [name, s] of Object.entries(this.devices.get(id)!.profileDef.signals)) {
        if (!s.store) continue;
        (s.type === 'float' || s.type === 'int' ? numeric : other).add(name);
      }
    }
    return { numeric: [...numeric], other: [...other] };
  }

  private query(statements: readonly string[]): Promise<StatementResult[]> {
    return influxQuery(this.options, statements);
  }
}

function valuesOf(row: Record<string, unknown>): Record<string, Value> {
  const values: Record<string, Value> = {};
  for (const [k, v] of Object.entries(row)) {
    if (TAGS.has(k) || v === null || v === undefined) continue;
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') values[k] = v;
  }
  return values;
}

/** A rollup row's `last_<signal>` columns as the signals' values (the minute's last). */
function lastOfRollup(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { time: row.time };
  for (const [k, v] of Object.entries(row)) if (k.startsWith('last_')) out[k.slice(5)] = v;
  return out;
}

function stepOf(row: Record<string, unknown>): { t: number; last: Record<string, number>; min: Record<string, number>; max: Record<string, number> } {
  const out = { t: Number(row.time), last: {} as Record<string, number>, min: {} as Record<string, number>, max: {} as Record<string, number> };
  for (const [k, v] of Object.entries(row)) {
    if (typeof v !== 'number' || k === 'time') continue;
    const [agg, field] = [k.slice(0, k.indexOf(':')), k.slice(k.indexOf(':') + 1)];
    if (agg === 'last' || agg === 'min' || agg === 'max') out[agg][field] = v;
  }
  return out;
}

/** Of a window's points, only those where a non-numeric signal changed (each signal's first value included). */
function onlyChanges(list: readonly Record<string, unknown>[]): { t: number; v: Record<string, Value> }[] {
  const last: Record<string, unknown> = {};
  const out: { t: number; v: Record<string, Value> }[] = [];
  for (const row of list) {
    const changed: Record<string, Value> = {};
    for (const [k, v] of Object.entries(valuesOf(row))) {
      if (last[k] === v) continue;
      last[k] = v;
      changed[k] = v;
    }
    if (Object.keys(changed).length > 0) out.push({ t: Number(row.time), v: changed });
  }
  return out;
}

/** Series whose latest event at the instant is not `stop`, with the figures of that event's point. */
function runningSeries(series: ResultSeries | undefined): SeriesAt[] {
  if (!series) return [];
  const latest = new Map<string, Record<string, unknown>>();
  for (const row of rows(series)) if (!latest.has(String(row.series_id))) latest.set(String(row.series_id), row); // newest first
  return [...latest.values()]
    .filter((r) => r.event !== 'stop')
    .map((r) => ({
      id: String(r.series_id),
      product: String(r.product ?? ''),
      line: String(r.line ?? ''),
      target: Number(r.target ?? 0),
      good: Number(r.good ?? 0),
      scrap: Number(r.scrap ?? 0),
      total: Number(r.total ?? 0),
      oee: typeof r.oee === 'number' ? r.oee : null,
      availability: typeof r.availability === 'number' ? r.availability : null,
      performance: typeof r.performance === 'number' ? r.performance : null,
      quality: typeof r.quality === 'number' ? r.quality : null,
      event: String(r.event),
      figuresAt: Number(r.time),
    }));
}
