// The shift calendar as the model meets it: is the line working at time t, and when does
// that change next. Windows that touch (one ends where the next begins, also across the end
// of a period) are one window: no change, no setup there.
import type { CalendarParams } from './line-params.ts';

export function checkCalendar(c: CalendarParams): void {
  if (!(c.periodSeconds > 0)) throw new RangeError(`calendar.periodSeconds must be > 0, got ${c.periodSeconds}`);
  let end = 0;
  c.working.forEach((w, i) => {
    if (!(w.from >= end && w.to > w.from && w.to <= c.periodSeconds)) {
      throw new RangeError(`calendar.working[${i}] must lie in [${end}, ${c.periodSeconds}] with from < to, got [${w.from}, ${w.to}]`);
    }
    end = w.to;
  });
}

export function isWorking(c: CalendarParams, t: number): boolean {
  if (c.working.length === 0) return false;
  const offset = t - Math.floor(t / c.periodSeconds) * c.periodSeconds;
  for (const w of c.working) if (offset >= w.from && offset < w.to) return true;
  return false;
}

/** The first time after `t` at which working turns to off shift or back; Infinity if never. */
export function nextChange(c: CalendarParams, t: number): number {
  const p = c.periodSeconds;
  if (c.working.length === 0) return Infinity;
  const now = isWorking(c, t);
  const edges = c.working.flatMap((w) => [w.from, w.to]);
  let base = Math.floor(t / p) * p;
  // Two periods of edges always hold a real change, unless the windows cover the whole period.
  for (let k = 0; k < 3; k++, base += p) {
    for (const e of edges) {
      const at = base + e;
      if (at > t && isWorking(c, at) !== now) return at;
    }
  }
  return Infinity;
}
