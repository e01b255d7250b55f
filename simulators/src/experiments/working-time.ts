// A calendar as people write it (shifts on weekdays in local clock time, breaks, one-off
// planned stops at instants) → the kernel's `CalendarParams`, whose windows repeat every
// period from t = 0 = the horizon's start. Without one-off stops the pattern of a day (or of
// a week, when only some days are worked) is rotated so that it lines up with the start's
// clock time; one-off stops make the windows explicit over the whole horizon (the period is
// then the horizon itself), which costs the kernel a little per shift change.
import type { CalendarParams } from '../des/line-params.ts';
import { WEEKDAYS, type CalendarSpec } from './scenario.ts';

type Window = [number, number];
const DAY = 86_400;
const WEEK = 7 * DAY;

/** The offset in minutes written at the end of an ISO time ("Z" or none: 0). */
export function isoOffsetMinutes(iso: string | undefined): number {
  const m = iso?.match(/([+-])(\d\d):?(\d\d)$/);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

const clockSeconds = (hhmm: string) => Number(hhmm.slice(0, 2)) * 3600 + Number(hhmm.slice(3, 5)) * 60;

/** The calendar for a horizon starting at `startMs`; undefined means always working. */
export function workingCalendar(spec: CalendarSpec | undefined, startMs: number, horizonSeconds: number, startIso?: string): CalendarParams | undefined {
  if (!spec) return undefined;
  const offset = 60 * (spec.utcOffset !== undefined ? isoOffsetMinutes(spec.utcOffset) : isoOffsetMinutes(startIso));
  const weekly = spec.days !== undefined && spec.days.length < 7;
  const period = weekly ? WEEK : DAY;
  const days = weekly ? spec.days!.map((d) => WEEKDAYS.indexOf(d)) : [0];
  let pattern: Window[] = [];
  for (const day of days) {
    const base = day * DAY;
    const span = (w: { from: string; to: string }, shift: number): Window => {
      const f = clockSeconds(w.from);
      let t = clockSeconds(w.to);
      if (t <= f) t += DAY;
      return [base + shift + f, base + shift + t];
    };
    const shifts = spec.shifts.map((w) => span(w, 0));
    // A break after midnight belongs to the shift that ran into the next day.
    const breaks = spec.breaks.flatMap((w) => [span(w, -DAY), span(w, 0), span(w, DAY)]);
    pattern.push(...subtract(shifts, breaks));
  }
  pattern = merge(pattern.flatMap(([a, b]) => wrap(a, b, period)));
  // Where the start lies in the pattern's period, in local time (the epoch was a Thursday).
  const local = startMs / 1000 + offset;
  const position = weekly ? (((Math.floor(local / DAY) + 3) % 7) + 7) % 7 * DAY + mod(local, DAY) : mod(local, DAY);
  const rotated = merge(pattern.flatMap(([a, b]) => wrap(a - position, b - position, period)));

  const stops: Window[] = spec.stops.map((s) => [(Date.parse(s.from) - startMs) / 1000, (Date.parse(s.to) - startMs) / 1000]);
  const relevant = stops.filter(([a, b]) => b > 0 && a < horizonSeconds);
  if (relevant.length === 0) return toCalendar(rotated, period);
  const explicit: Window[] = [];
  for (let base = 0; base < horizonSeconds; base += period) for (const [a, b] of rotated) explicit.push([base + a, base + b]);
  return toCalendar(clip(subtract(merge(explicit), relevant), horizonSeconds), horizonSeconds);
}

/** Always working except in the given stops (seconds from the start): the recorded window's planned stops. */
export function stopsCalendar(stops: readonly Window[], horizonSeconds: number): CalendarParams | undefined {
  const relevant = stops.filter(([a, b]) => b > 0 && a < horizonSeconds && b > a);
  if (relevant.length === 0) return undefined;
  return toCalendar(clip(subtract([[0, horizonSeconds]], relevant), horizonSeconds), horizonSeconds);
}

/** Seconds of working time in [0, horizon). */
export function workingSeconds(c: CalendarParams | undefined, horizonSeconds: number): number {
  if (!c) return horizonSeconds;
  let sum = 0;
  for (let base = 0; base < horizonSeconds; base += c.periodSeconds) {
    for (const w of c.working) sum += Math.max(0, Math.min(horizonSeconds, base + w.to) - Math.max(0, base + w.from));
  }
  return sum;
}

function toCalendar(windows: Window[], period: number): CalendarParams | undefined {
  const w = merge(windows).filter(([a, b]) => b > a);
  if (w.length === 1 && w[0]![0] <= 0 && w[0]![1] >= period) return undefined;
  return { periodSeconds: period, working: w.map(([from, to]) => ({ from, to })) };
}

const mod = (x: number, m: number) => ((x % m) + m) % m;

/** [a, b) folded into [0, period), split where it wraps. */
function wrap(a: number, b: number, period: number): Window[] {
  if (b - a >= period) return [[0, period]];
  const s = mod(a, period);
  const e = s + (b - a);
  return e <= period ? [[s, e]] : [[s, period], [0, e - period]];
}

function merge(ws: Window[]): Window[] {
  const sorted = [...ws].sort((x, y) => x[0] - y[0]);
  const out: Window[] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function subtract(ws: Window[], cuts: Window[]): Window[] {
  let out = merge(ws);
  for (const [c, d] of cuts) {
    out = out.flatMap(([a, b]): Window[] => {
      if (d <= a || c >= b) return [[a, b]];
      const parts: Window[] = [];
      if (c > a) parts.push([a, c]);
      if (d < b) parts.push([d, b]);
      return parts;
    });
  }
  return out;
}

function clip(ws: Window[], end: number): Window[] {
  return ws.map(([a, b]): Window => [Math.max(0, a), Math.min(end, b)]).filter(([a, b]) => b > a);
}
