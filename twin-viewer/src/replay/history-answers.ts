// The history API's answers in the shapes the viewer shows: a device's changes as full-state
// samples, the state at an instant as an insight, and the timeline's events applied to it.
// Pure functions, so the rules (a state holds until its next change, an alarm is listed
// while active or unacknowledged) are checked by unit tests against the gateway's.
import type { DeviceChanges, HistoryAt, SeriesAt, TimelineMark } from '../../../gateway/src/core/history.ts';
import type { SeriesSummary } from '../../../gateway/src/core/insight.ts';
import type { LiveAlarm } from '../../../gateway/src/core/live-events.ts';
import type { Value } from '../../../gateway/src/core/reading.ts';
import type { ShownAlarm, ShownInsight } from '../live/shown-state.ts';
import type { ReplaySample } from './replay-history.ts';

/**
 * A window's changes of one device as samples of its whole state. Raw points already carry
 * the device's merged state. A stepped window lists per step the last of each number (at
 * the step's end, when it was last current) and each change of the rest, so the state is
 * carried forward from `before`, the state held before the window.
 */
export function samplesOf(d: DeviceChanges, stepSeconds: number | null, before: Readonly<Record<string, Value>>, to: number): ReplaySample[] {
  if (stepSeconds === null) return d.points.map((p) => ({ t: p.t, v: p.v, slack: 0 }));
  const stepMs = stepSeconds * 1000;
  const changes: { t: number; v: Readonly<Record<string, Value>> }[] = [
    ...(d.steps ?? []).map((s) => ({ t: Math.min(s.t + stepMs, to), v: s.last })),
    ...d.points,
  ].sort((a, b) => a.t - b.t);
  const out: ReplaySample[] = [];
  let state: Record<string, Value> = { ...before };
  for (const c of changes) {
    state = { ...state, ...c.v };
    // Stamped at its step's end, a sample is already as late as its last point can be: no slack.
    if (out.length > 0 && out.at(-1)!.t === c.t) out[out.length - 1] = { t: c.t, v: state, slack: 0 };
    else out.push({ t: c.t, v: state, slack: 0 });
  }
  return out;
}

const SEVERITIES = new Set(['critical', 'warning', 'info']);
const severityOf = (s: string | undefined): LiveAlarm['severity'] => (SEVERITIES.has(s ?? '') ? (s as LiveAlarm['severity']) : 'warning');

/** The state at an instant as the panels read it: machine states, listed alarms, running series. */
export function insightOf(at: HistoryAt): ShownInsight {
  const states: Record<string, ShownInsight['states'][string]> = {};
  for (const s of at.states) states[s.device] = { state: s.state, since: s.since, reason: s.reason };
  const alarms: ShownAlarm[] = at.alarms.map((a) => ({
    device: a.device,
    alarm: a.alarm,
    severity: severityOf(a.severity),
    text: a.text,
    raisedAt: a.raisedAt ?? a.lastEventAt,
    clearedAt: a.active ? undefined : a.lastEventAt,
    acknowledgedBy: a.acknowledged ? a.acknowledgedBy || 'someone' : undefined,
  }));
  return { states, alarms, series: at.series.map(seriesOf) };
}

/** A series' figures at an instant; what only the live gateway tracks (stations, cycle times) is left empty. */
export function seriesOf(s: SeriesAt): SeriesSummary {
  return {
    id: s.id,
    product: s.product,
    target: s.target,
    line: s.line,
    startedAt: s.figuresAt,
    stoppedAt: null,
    plannedStop: s.event === 'pause' ? { reason: 'planned stop', since: s.figuresAt } : null,
    plannedStops: [],
    plannedSeconds: 0,
    plannedStopSeconds: 0,
    total: s.total,
    good: s.good,
    scrap: s.scrap,
    progress: s.target > 0 ? s.good / s.target : 0,
    stations: [],
    bottleneck: null,
    machines: [],
    oee: { oee: s.oee, availability: s.availability, performance: s.performance, quality: s.quality },
  };
}

/**
 * The insight after the timeline's events that follow it: a state change sets the device's
 * state; an alarm raised is listed, cleared stays listed until acknowledged (and the other
 * way round), as the gateway lists them. Series figures change only with a new `at`.
 */
export function applyEvents(insight: ShownInsight, events: readonly TimelineMark[]): ShownInsight {
  if (events.length === 0) return insight;
  const states = { ...insight.states };
  const alarms = new Map(insight.alarms.map((a) => [`${a.device}\u0000${a.alarm}`, { ...a }]));
  for (const e of events) {
    if (e.device === null) continue;
    if (e.kind === 'state' && e.state) {
      // The mark's text is "<state> (<reason>)".
      const prefix = `${e.state} (`;
      states[e.device] = { state: e.state, since: e.t, reason: e.text.startsWith(prefix) && e.text.endsWith(')') ? e.text.slice(prefix.length, -1) : '' };
    }
    if (!e.kind.startsWith('alarm_') || e.alarm === undefined) continue;
    const key = `${e.device}\u0000${e.alarm}`;
    const held = alarms.get(key);
    if (e.kind === 'alarm_raised') {
      alarms.set(key, { device: e.device, alarm: e.alarm, severity: severityOf(e.severity), text: e.text.slice(e.alarm.length + 2), raisedAt: e.t, clearedAt: undefined, acknowledgedBy: undefined });
    } else if (e.kind === 'alarm_acknowledged') {
      if (held?.clearedAt !== undefined) alarms.delete(key);
      else if (held) held.acknowledgedBy = e.by || 'someone';
    } else if (e.kind === 'alarm_cleared') {
      if (held?.acknowledgedBy !== undefined) alarms.delete(key);
      else if (held) held.clearedAt = e.t;
    }
  }
  return { states, alarms: [...alarms.values()], series: insight.series };
}
