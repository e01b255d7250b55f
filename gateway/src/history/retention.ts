// Retention tiers, set up by the gateway at start and idempotently so: raw points for
// `rawRetention` (the database's default policy, where every point is written), and in the
// rollup policy, kept `rollupRetention`, 1-minute rollups of every device measurement
// (mean/min/max/last of each field, by continuous queries) and copies of the event
// measurements, point for point (a plain SELECT INTO: a continuous query must aggregate, and
// an event must not be). Both look back `LATE_MARGIN` each time they run, for points a retry
// brought a little late; what the spool delivers later, and what the gateway was not running
// for, is filled in here, an hour at a time.
import type { Logger } from 'pino';
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import { measurementFor } from '../state/device-state.ts';
import { at, ident, rows, type StatementResult } from './influxql.ts';

export const EVENT_MEASUREMENTS = ['machine_state', 'alarm', 'part', 'production_series', 'production_station', 'production_machine'] as const;

export interface RetentionSettings {
  readonly database: string;
  readonly rawRetention: string;
  readonly rollupRetention: string;
  readonly rollupPolicy: string;
}

export type Query = (statements: readonly string[]) => Promise<StatementResult[]>;

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** At start, the rollups and event copies are filled in for at most this far back. */
const BACKFILL_MAX_MS = 7 * 24 * HOUR;
/** How far back the continuous queries (RESAMPLE FOR) and the event copies look each minute. */
const LATE_MARGIN = '10m';
const LATE_MARGIN_MS = 10 * MINUTE;
/** One statement covers at most this much time: a week's backfill in one can outlast the history's 30 s query timeout. */
export const FILL_CHUNK_MS = HOUR;
/** Spans of late points waiting to be filled in, at most; beyond it the closest two merge. */
const MAX_LATE_SPANS = 32;

interface Span {
  from: number;
  to: number;
}

/** `30d`, `12w`, `720h`, or InfluxDB's own `720h0m0s` / `0s` (infinite) → ms. */
export function durationMs(text: string): number {
  const short = /^(\d+)(h|d|w)$/.exec(text);
  if (short) return Number(short[1]) * { h: HOUR, d: 24 * HOUR, w: 168 * HOUR }[short[2] as 'h' | 'd' | 'w'];
  const long = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!long) throw new RangeError(`not a duration: ${text}`);
  const ms = (Number(long[1] ?? 0) * 3600 + Number(long[2] ?? 0) * 60 + Number(long[3] ?? 0)) * 1000;
  return ms === 0 ? Infinity : ms;
}

export class RetentionTiers {
  /** The default policy, where the gateway writes; found at setup. */
  rawPolicy = 'autogen';
  ready = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private copiedUntil = 0;
  private readonly measurements: string[];
  /** Time spans of points InfluxDB got late, oldest first, not yet filled in. */
  private late: Span[] = [];
  private fillingLate = false;

  constructor(
    site: SiteModel,
    private readonly settings: RetentionSettings,
    private readonly query: Query,
    private readonly log: Logger,
  ) {
    this.measurements = [...new Set(site.devices.map((d) => measurementFor(d.profileDef.kind)))];
  }

  get rawRetentionMs(): number {
    return durationMs(this.settings.rawRetention);
  }

  /** Policies and continuous queries as the settings say; then the gap since the last rollup filled in, and the event copies kept up every minute. */
  async setup(now = Date.now()): Promise<void> {
    const db = ident(this.settings.database);
    const rp = ident(this.settings.rollupPolicy);
    const [policies, cqs] = await this.query([`SHOW RETENTION POLICIES ON ${db}`, 'SHOW CONTINUOUS QUERIES']);
    const list = policies?.series?.[0] ? rows(policies.series[0]) : [];
    const raw = list.find((p) => p.default === true);
    this.rawPolicy = String(raw?.name ?? 'autogen');
    const statements: string[] = [];
    if (!raw || durationMs(String(raw.duration)) !== durationMs(this.settings.rawRetention)) {
      // A shard group must be shorter than its policy: InfluxDB's 7-day default is not, below a week.
      const shard = durationMs(this.settings.rawRetention) >= 14 * 24 * HOUR ? '1d' : '1h';
      statements.push(`ALTER RETENTION POLICY ${ident(this.rawPolicy)} ON ${db} DURATION ${this.settings.rawRetention} SHARD DURATION ${shard} DEFAULT`);
    }
    const rollup = list.find((p) => p.name === this.settings.rollupPolicy);
    if (!rollup) statements.push(`CREATE RETENTION POLICY ${rp} ON ${db} DURATION ${this.settings.rollupRetention} REPLICATION 1`);
    else if (durationMs(String(rollup.duration)) !== durationMs(this.settings.rollupRetention)) statements.push(`ALTER RETENTION POLICY ${rp} ON ${db} DURATION ${this.settings.rollupRetention}`);
    const existing = new Map<string, string>();
    for (const s of cqs?.series ?? []) if (s.name === this.settings.database) for (const r of rows(s)) existing.set(String(r.name), String(r.query));
    for (const m of this.measurements) {
      const name = `fieldlab_rollup_${m}`;
      // RESAMPLE FOR: a minute is rolled up again for ten minutes, so a point that came a
      // flush or a retry late (after its minute's first run) is in its minute's rollup.
      const create = `CREATE CONTINUOUS QUERY ${ident(name)} ON ${db} RESAMPLE FOR ${LATE_MARGIN} BEGIN SELECT mean(*), min(*), max(*), last(*) INTO ${db}.${rp}.:MEASUREMENT FROM ${db}.${ident(this.rawPolicy)}.${ident(m)} GROUP BY time(1m), * END`;
      const have = existing.get(name);
      if (have && sameQuery(have, create)) continue;
      if (have) statements.push(`DROP CONTINUOUS QUERY ${ident(name)} ON ${db}`);
      statements.push(create);
    }
    if (statements.length > 0) {
      await this.query(statements);
      this.log.info(`history: retention set up in InfluxDB (raw ${this.settings.rawRetention}, 1-minute rollups and events ${this.settings.rollupRetention} in "${this.settings.rollupPolicy}")`);
    }
    if (this.stopped) return;
    // The rollup tier is read only once it holds what the raw tier does.
    await this.fill(Math.max(now - BACKFILL_MAX_MS, await this.lastRolledUp()), now);
    if (this.stopped) return;
    this.ready = true;
    // Not before: a first copy while the backfill runs would cover the whole week in one statement.
    this.timer = setInterval(() => {
      void this.keepUp().catch((err: Error) => this.log.warn(`history: copying events to the rollup policy failed: ${err.message}`));
      this.fillLate(); // again, if InfluxDB failed the last try
    }, 60_000);
    this.timer.unref();
    this.fillLate();
  }

  /**
   * Rollups and event copies for [from, to): what continuous queries cannot do for time the
   * gateway was away or points that came late. Every minute `[from, to)` touches is rolled up
   * whole (one still running is rolled up again by its continuous query); one chunk of time
   * per statement, and time without raw points skipped. Idempotent: a point written again is
   * the same point.
   */
  async fill(from: number, to: number): Promise<void> {
    if (to <= from) return;
    const db = ident(this.settings.database);
    const rp = ident(this.settings.rollupPolicy);
    const until = Math.ceil(to / MINUTE) * MINUTE;
    let start = Math.floor(from / MINUTE) * MINUTE;
    let empty = true;
    while (start < until && !this.stopped) {
      if (empty) {
        // Most of a gap is usually empty (InfluxDB was down too): one look for the next point instead of a statement per hour.
        const next = await this.nextRawPoint(start, until);
        if (next === undefined) break;
        start = Math.max(start, Math.floor(next / MINUTE) * MINUTE);
      }
      const end = start + FILL_CHUNK_MS;
      const rollupEnd = Math.min(end, until);
      const [ef, et] = [Math.max(start, from), Math.min(end, to)];
      const written = await this.eachAlone([
        ...this.measurements.map((m) => `SELECT mean(*), min(*), max(*), last(*) INTO ${db}.${rp}.:MEASUREMENT FROM ${db}.${ident(this.rawPolicy)}.${ident(m)} WHERE time >= ${at(start)} AND time < ${at(rollupEnd)} GROUP BY time(1m), *`),
        ...(et > ef ? this.eventCopies(`time >= ${at(ef)} AND time < ${at(et)}`) : []),
      ]);
      empty = written === 0;
      start = end;
    }
    this.copiedUntil = Math.max(this.copiedUntil, to);
  }

  /** The time of the first raw point in [from, to) of any measurement the tiers copy, or undefined. */
  private async nextRawPoint(from: number, to: number): Promise<number | undefined> {
    const db = ident(this.settings.database);
    const results = await this.query([...this.measurements, ...EVENT_MEASUREMENTS].map((m) => `SELECT * FROM ${db}.${ident(this.rawPolicy)}.${ident(m)} WHERE time >= ${at(from)} AND time < ${at(to)} ORDER BY time ASC LIMIT 1`));
    let first = Infinity;
    for (const r of results) for (const s of r.series ?? []) first = Math.min(first, Number(rows(s)[0]?.time ?? Infinity));
    return Number.isFinite(first) ? first : undefined;
  }

  /**
   * Points InfluxDB confirmed late (a backlog the spool replayed), from `from` to `to`
   * inclusive: their minutes are rolled up and their events copied again, in the background,
   * once the tiers are set up. Never throws; a failure is logged and tried again a minute later.
   */
  lateWritten(from: number, to: number): void {
    if (this.stopped || !(to >= from)) return;
    addSpan(this.late, { from, to: to + 1 });
    this.fillLate();
  }

  /** One span at a time, oldest first, so a replay's spans merge while the one before is filled. */
  private fillLate(): void {
    if (this.fillingLate || !this.ready || this.stopped || this.late.length === 0) return;
    this.fillingLate = true;
    const span = this.late.shift()!;
    // Older than the raw retention InfluxDB has dropped them; a device clock can be far off.
    const from = Math.max(span.from, Date.now() - this.rawRetentionMs);
    this.fill(from, span.to)
      .then(
        () => {
          this.fillingLate = false;
          this.fillLate();
        },
        (err: Error) => {
          this.fillingLate = false;
          if (this.stopped) return;
          addSpan(this.late, span);
          this.log.warn(`history: rolling up points InfluxDB got late failed (${err.message}); tried again in a minute`);
        },
      );
  }

  private eventCopies(window: string): string[] {
    const db = ident(this.settings.database);
    const rp = ident(this.settings.rollupPolicy);
    return EVENT_MEASUREMENTS.map((m) => `SELECT * INTO ${db}.${rp}.${ident(m)} FROM ${db}.${ident(this.rawPolicy)}.${ident(m)} WHERE ${window} GROUP BY *`);
  }

  /** Every minute: the events since the last copy (with a margin for points a retry delivered a little late). */
  private async keepUp(now = Date.now()): Promise<void> {
    const from = Math.max(this.copiedUntil - LATE_MARGIN_MS, now - BACKFILL_MAX_MS);
    // After InfluxDB was away for a while this is more than a minute: chunked, as a fill.
    for (let start = from; start < now && !this.stopped; start += FILL_CHUNK_MS) {
      await this.eachAlone(this.eventCopies(`time >= ${at(start)} AND time < ${at(Math.min(start + FILL_CHUNK_MS, now))}`));
    }
    this.copiedUntil = Math.max(this.copiedUntil, now);
  }

  /** InfluxDB 1.6 runs a SELECT … INTO only as a query's one statement ("not executed" otherwise). Returns the points written. */
  private async eachAlone(statements: readonly string[]): Promise<number> {
    let written = 0;
    for (const s of statements) {
      const [result] = await this.query([s]);
      const series = result?.series?.[0];
      written += series ? Number(rows(series)[0]?.written ?? 0) : 0;
    }
    return written;
  }

  /** The newest rollup of any device measurement, or 0. */
  private async lastRolledUp(): Promise<number> {
    const db = ident(this.settings.database);
    const rp = ident(this.settings.rollupPolicy);
    const results = await this.query(this.measurements.map((m) => `SELECT * FROM ${db}.${rp}.${ident(m)} ORDER BY time DESC LIMIT 1`));
    let latest = 0;
    for (const r of results) for (const s of r.series ?? []) latest = Math.max(latest, Number(rows(s)[0]?.time ?? 0));
    return latest;
  }

  stop(): void {
    this.stopped = true;
    this.ready = false;
    clearInterval(this.timer);
  }
}

/** InfluxDB prints a continuous query back without quotes around plain names. */
function sameQuery(shown: string, create: string): boolean {
  const bare = (q: string) => q.replaceAll('"', '').replace(/\s+/g, ' ').trim();
  return bare(shown) === bare(create);
}

/** Into a list of spans sorted by start: merged with those it overlaps or nearly touches (the rollups' minute). */
function addSpan(spans: Span[], span: Span): void {
  let { from, to } = span;
  const kept: Span[] = [];
  for (const s of spans) {
    if (s.from <= to + MINUTE && from <= s.to + MINUTE) {
      from = Math.min(from, s.from);
      to = Math.max(to, s.to);
    } else kept.push(s);
  }
  kept.push({ from, to });
  kept.sort((a, b) => a.from - b.from);
  while (kept.length > MAX_LATE_SPANS) {
    let closest = 0;
    for (let i = 1; i < kept.length - 1; i++) if (kept[i + 1]!.from - kept[i]!.to < kept[closest + 1]!.from - kept[closest]!.to) closest = i;
    kept.splice(closest, 2, { from: kept[closest]!.from, to: Math.max(kept[closest]!.to, kept[closest + 1]!.to) });
  }
  spans.splice(0, spans.length, ...kept);
}
