// Reads a line's record for calibration from the InfluxDB the gateway writes to: its
// `part`, `machine_state` and `production_series` points over a window, by default the
// line's current or last production series. Every query is bounded: a window of at most 31
// days, a row limit per statement (reached: an error, never a silently short record), names
// and words escaped (history/influxql.ts). One small query function of our own, as
// runtime/alarm-events.ts has: the history API's module is changed for people's questions.
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import type { RecordedLine } from '../../../simulators/src/experiments/recorded-line.ts';
import { FieldlabError } from '../core/errors.ts';
import { anyOf, at, influxQuery, rows, str, type InfluxConnection, type StatementResult } from '../history/influxql.ts';
import { recordedLineOf, type MachineRows, type PlannedStop, type StateRow } from './recorded-line-of.ts';

const DAY = 86_400_000;
export const MAX_CALIBRATION_MS = 31 * DAY;

/** A window asked for; neither bound: the line's current or last production series. */
export interface CalibrationWindow {
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

export type RecordReader = (line: string, window: CalibrationWindow, now: number) => Promise<RecordedLine>;

export interface RecordReaderOptions {
  /** Rows per statement at most (default 200,000). */
  readonly maxRows?: number;
  /** How far back the last production series is looked for (default 365 days). */
  readonly seriesLookbackMs?: number;
}

/** A machine's rows as they are gathered. */
type Rows = { -readonly [K in keyof MachineRows]: MachineRows[K] extends readonly (infer T)[] ? T[] : MachineRows[K] };
const iso = (t: number) => new Date(t).toISOString();

export function influxRecordReader(site: SiteModel, influx: InfluxConnection, options: RecordReaderOptions = {}): RecordReader {
  const maxRows = options.maxRows ?? 200_000;
  const lookback = options.seriesLookbackMs ?? 365 * DAY;
  const siteIs = `"site" = ${str(site.site.id)}`;
  const query = (statements: readonly string[]) => influxQuery(influx, statements);

  return async (lineId, window, now) => {
    const line = site.lines.find((l) => l.id === lineId);
    if (!line) throw new FieldlabError('FL_UNKNOWN_LINE', { line: lineId.slice(0, 100), lines: site.lines.map((l) => l.id) });
    const lineIs = `"line" = ${str(line.id)}`;
    const { from, to, series, plannedStops } = window.from === undefined && window.to === undefined ? await ofLastSeries() : await ofWindow(window.from, window.to ?? now);
    const devices = site.devices.filter((d) => d.line === line.id).map((d) => d.id);
    const devs = anyOf('device', devices);
    const inWindow = `time >= ${at(from)} AND time <= ${at(to)}`;
    const [parts, initial, changes] = await query([
      `SELECT "produced", "scrap" FROM "part" WHERE ${siteIs} AND ${devs} AND ${inWindow} GROUP BY "device" ORDER BY time ASC LIMIT ${maxRows}`,
      `SELECT "state", "previous", "previous_s" FROM "machine_state" WHERE ${siteIs} AND ${devs} AND time <= ${at(from)} AND time > ${at(from - MAX_CALIBRATION_MS)} GROUP BY "device" ORDER BY time DESC LIMIT 1`,
      `SELECT "state", "previous", "previous_s" FROM "machine_state" WHERE ${siteIs} AND ${devs} AND time > ${at(from)} AND time <= ${at(to)} GROUP BY "device" ORDER BY time ASC LIMIT ${maxRows}`,
    ]);
    const machines = new Map<string, Rows>(devices.map((d) => [d, { parts: [], initial: undefined, changes: [] }]));
    const each = (r: StatementResult | undefined, what: string, take: (m: Rows, list: Record<string, unknown>[]) => void) => {
      for (const s of r?.series ?? []) {
        const m = machines.get(s.tags?.device ?? '');
        if (!m) continue;
        const list = rows(s);
        if (list.length >= maxRows) throw new FieldlabError('FL_CALIBRATION_WINDOW', { problem: `${s.tags?.device} recorded ${maxRows} ${what} or more from ${iso(from)} to ${iso(to)}; choose a shorter window` });
        take(m, list);
      }
    };
    each(parts, 'parts', (m, list) => m.parts.push(...list.map((p) => ({ t: Number(p.time), produced: Number(p.produced ?? 0), scrap: Number(p.scrap ?? 0) }))));
    each(initial, 'state changes', (m, list) => (m.initial = list.map(stateRow)[0]));
    each(changes, 'state changes', (m, list) => m.changes.push(...list.map(stateRow)));
    if (![...machines.values()].some((m) => m.parts.some((p) => p.produced > 0 || p.scrap > 0))) throw new FieldlabError('FL_CALIBRATION_EMPTY', { line: line.id, from: iso(from), to: iso(to) });
    return recordedLineOf(site, { line: line.id, from, to, series, plannedStops, machines });

    async function ofLastSeries() {
      const [last] = await query([`SELECT "series_id" FROM "production_series" WHERE ${siteIs} AND ${lineIs} AND "event" = 'start' AND time > ${at(now - lookback)} AND time <= ${at(now)} ORDER BY time DESC LIMIT 1`]);
      const start = last?.series?.[0] ? rows(last.series[0])[0] : undefined;
      if (!start) throw new FieldlabError('FL_CALIBRATION_WINDOW', { problem: `no production series on line "${line!.id}" in the last ${Math.round(lookback / DAY)} days to calibrate from; give calibration.from and calibration.to` });
      const id = String(start.series_id);
      const from = Number(start.time);
      const [events] = await query([`SELECT "event", "reason" FROM "production_series" WHERE ${siteIs} AND "series_id" = ${str(id)} AND "event" <> 'progress' AND time >= ${at(from)} AND time <= ${at(now)} ORDER BY time ASC LIMIT 10000`]);
      const list = events?.series?.[0] ? rows(events.series[0]) : [];
      const to = Number(list.find((e) => e.event === 'stop')?.time ?? now);
      if (to - from > MAX_CALIBRATION_MS) throw new FieldlabError('FL_CALIBRATION_WINDOW', { problem: `series ${id} ran ${((to - from) / DAY).toFixed(1)} days, longer than the ${MAX_CALIBRATION_MS / DAY} days one calibration reads; give calibration.from and calibration.to` });
      return { from, to, series: id, plannedStops: stopsOf(list, from, to) };
    }

    async function ofWindow(from: number | undefined, to: number) {
      if (from === undefined) throw new FieldlabError('FL_CALIBRATION_WINDOW', { problem: 'calibration.to without calibration.from; give both, or neither for the last production series' });
      if (to <= from) throw new FieldlabError('FL_CALIBRATION_WINDOW', { problem: `to (${iso(to)}) must come after from (${iso(from)})` });
      if (to - from > MAX_CALIBRATION_MS) throw new FieldlabError('FL_CALIBRATION_WINDOW', { problem: `at most ${MAX_CALIBRATION_MS / DAY} days, not ${((to - from) / DAY).toFixed(1)}` });
      const events = `"event" = 'pause' OR "event" = 'resume' OR "event" = 'stop'`;
      const [before, inside] = await query([
        `SELECT "event", "reason" FROM "production_series" WHERE ${siteIs} AND ${lineIs} AND (${events}) AND time < ${at(from)} AND time > ${at(from - MAX_CALIBRATION_MS)} ORDER BY time DESC LIMIT 1`,
        `SELECT "event", "reason" FROM "production_series" WHERE ${siteIs} AND ${lineIs} AND (${events}) AND time >= ${at(from)} AND time <= ${at(to)} ORDER BY time ASC LIMIT 10000`,
      ]);
      const list = [...(before?.series?.[0] ? rows(before.series[0]) : []), ...(inside?.series?.[0] ? rows(inside.series[0]) : [])];
      return { from, to, series: null, plannedStops: stopsOf(list, from, to) };
    }
  };
}

function stateRow(r: Record<string, unknown>): StateRow {
  return { t: Number(r.time), state: String(r.state), previous: r.previous === null || r.previous === undefined ? undefined : String(r.previous), previousSeconds: typeof r.previous_s === 'number' ? r.previous_s : undefined };
}

/** Pause → resume (or stop) pairs, oldest first, clipped to the window; one still open ends with it. */
function stopsOf(events: readonly Record<string, unknown>[], from: number, to: number): PlannedStop[] {
  const stops: PlannedStop[] = [];
  let open: { t: number; reason: string } | undefined;
  for (const e of events) {
    const t = Number(e.time);
    if (e.event === 'pause') open ??= { t, reason: String(e.reason ?? '') };
    else if (open) {
      stops.push({ from: open.t, to: t, reason: open.reason });
      open = undefined;
    }
  }
  if (open) stops.push({ from: open.t, to, reason: open.reason });
  return stops.map((s) => ({ ...s, from: Math.max(s.from, from), to: Math.min(s.to, to) })).filter((s) => s.to > s.from);
}
