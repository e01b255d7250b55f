// An experiment's changes in words, as a person says them: "+1 printer at Print farm",
// "cycle time ×0.9 for Printer 2", "buffer of 3 before Vision inspection". The panel lists
// changes so, the summary and the kiosk say them so.
import type { LiveDevice } from '../../../gateway/src/core/live-events.ts';
import type { Change } from '../../../simulators/src/experiments/scenario.ts';

/** Shift patterns a person picks from rather than types; each is a scenario `calendar`. */
export const SHIFT_PATTERNS: Record<string, { label: string; calendar: NonNullable<Change['calendar']> }> = {
  one: { label: 'one shift, Mon–Fri 06:00–14:00', calendar: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], shifts: [{ from: '06:00', to: '14:00' }], breaks: [], stops: [] } },
  two: { label: 'two shifts, Mon–Fri 06:00–22:00', calendar: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], shifts: [{ from: '06:00', to: '14:00' }, { from: '14:00', to: '22:00' }], breaks: [], stops: [] } },
  always: { label: 'around the clock, every day', calendar: { shifts: [{ from: '00:00', to: '24:00' }], breaks: [], stops: [] } },
};

/** What the words need to know of the site. */
export interface SiteWords {
  device(id: string): LiveDevice | undefined;
  stationName(id: string | null): string;
}

/** "Printer 4 — Bambu Lab P1S" → "Printer 4". */
export function shortName(d: LiveDevice): string {
  return d.name.split(' — ')[0]!;
}

/** "Printer 4 — Bambu Lab P1S" → "printer": what a person calls one more of it. */
export function kindOf(d: LiveDevice): string {
  const word = shortName(d).replace(/\s*\d+$/, '').trim().toLowerCase();
  return word || d.kind;
}

export function describeChange(c: Change, site: SiteWords): string {
  if (c.add !== undefined) {
    const like = c.like !== undefined ? site.device(c.like) : undefined;
    return `+${c.add} ${like ? kindOf(like) : 'machine'} at ${site.stationName(c.station!)}`;
  }
  if (c.remove !== undefined) return `−${c.remove} machine at ${site.stationName(c.station!)}`;
  const target = () => {
    const d = c.machine !== undefined ? site.device(c.machine) : undefined;
    return d ? shortName(d) : (c.machine ?? site.stationName(c.station!));
  };
  if (c.cycle?.factor !== undefined) return `cycle time ×${c.cycle.factor} for ${target()}`;
  if (c.cycle?.seconds !== undefined) return `cycle time ${c.cycle.seconds} s for ${target()}`;
  if (c.buffer !== undefined) return `buffer of ${c.buffer} before ${site.stationName(c.station!)}`;
  if (c.target !== undefined) return `target ${c.target} good parts`;
  if (c.scrap !== undefined) return `scrap ${(c.scrap * 100).toFixed(1)} % at ${site.stationName(c.station!)}`;
  if (c.calendar !== undefined) {
    const pattern = Object.values(SHIFT_PATTERNS).find((p) => JSON.stringify(p.calendar) === JSON.stringify(c.calendar));
    return `shifts: ${pattern?.label ?? c.calendar.shifts.map((w) => `${w.from}–${w.to}`).join(', ')}`;
  }
  return JSON.stringify(c);
}
