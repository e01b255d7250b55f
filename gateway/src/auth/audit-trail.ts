// Who acknowledged, started, stopped, paused or ran what, when and from where: one point per
// call of an audited rule (auth/rules.ts), allowed or refused, into InfluxDB's `audit`
// measurement through the same spooled sink as the shop floor's events (so an InfluxDB
// outage loses none), and read back from there for admins.
import { FieldlabError } from '../core/errors.ts';
import type { Point, PointSeries } from '../core/reading.ts';
import { at, influxQuery, rows, str, type InfluxConnection } from '../history/influxql.ts';

export interface AuditEntry {
  /** ms since the epoch. */
  readonly t: number;
  /** The rule's audit name: alarm.acknowledge, series.start, login, … */
  readonly action: string;
  /** ok: done; refused: the role or origin did not allow it; failed: allowed, but it did not work (a 4xx or 5xx). */
  readonly outcome: 'ok' | 'refused' | 'failed';
  /** Who: a user's or token's name; null for an anonymous caller. */
  readonly user: string | null;
  readonly role: string | null;
  /** The caller's address as the gateway saw it. */
  readonly address: string;
  /** What it was done to: the request's path (never its body, which may carry a password), or the socket event's alarm. */
  readonly target: string;
  readonly status: number;
}

const FIELD_TYPES = { user: 'string', role: 'string', address: 'string', target: 'string', status: 'int' } as const;

/** Refusals recorded per address a minute at most: a visitor hammering a button must not fill the spool. */
export const REFUSALS_PER_MINUTE = 60;

export class AuditTrail {
  private readonly series = new Map<string, PointSeries>();
  /** address → refusals recorded in the current minute. */
  private refusals = new Map<string, number>();
  private minute = 0;

  constructor(
    private readonly siteId: string,
    /** Where points go (the gateway's sink runners); called synchronously. */
    private readonly store: (point: Point) => void,
    /** Where they are read back; undefined: the gateway has no InfluxDB of its own. */
    private readonly influx: InfluxConnection | undefined,
    /** Told of each refusal left out of the trail beyond the bound (counted and logged by the owner). */
    private readonly dropped: (address: string, first: boolean) => void = () => {},
  ) {}

  record(e: Omit<AuditEntry, 't'>, t = Date.now()): void {
    if (e.outcome === 'refused') {
      const minute = Math.floor(t / 60_000);
      if (minute !== this.minute) {
        this.minute = minute;
        this.refusals = new Map();
      }
      const n = (this.refusals.get(e.address) ?? 0) + 1;
      this.refusals.set(e.address, n);
      if (n > REFUSALS_PER_MINUTE) return this.dropped(e.address, n === REFUSALS_PER_MINUTE + 1);
    }
    const key = `${e.action}\u0000${e.outcome}`;
    let series = this.series.get(key);
    if (!series) this.series.set(key, (series = { measurement: 'audit', tags: { site: this.siteId, action: e.action, outcome: e.outcome }, fieldTypes: FIELD_TYPES }));
    this.store({ series, time: t, fields: { user: e.user ?? '', role: e.role ?? '', address: e.address, target: e.target.slice(0, 300), status: e.status } });
  }

  /** Newest first, at most `limit`. */
  async list(from: number, to: number, limit: number): Promise<AuditEntry[]> {
    if (!this.influx) throw new FieldlabError('FL_AUDIT_UNAVAILABLE', { why: 'this gateway runs without InfluxDB' });
    let results;
    try {
      results = await influxQuery(this.influx, [`SELECT * FROM "audit" WHERE "site" = ${str(this.siteId)} AND time >= ${at(from)} AND time <= ${at(to)} ORDER BY time DESC LIMIT ${Math.trunc(limit)}`]);
    } catch (err) {
      throw new FieldlabError('FL_AUDIT_UNAVAILABLE', { why: (err as Error).message });
    }
    const series = results[0]?.series?.[0];
    if (!series) return [];
    return rows(series).map((r) => ({
      t: Number(r.time),
      action: String(r.action),
      outcome: String(r.outcome) as AuditEntry['outcome'],
      user: r.user ? String(r.user) : null,
      role: r.role ? String(r.role) : null,
      address: String(r.address ?? ''),
      target: String(r.target ?? ''),
      status: Number(r.status),
    }));
  }
}
