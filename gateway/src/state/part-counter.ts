// Parts from a device's signals, by the rules in its profile's `production` section. Pure:
// the values before a reading and the reading itself in, counts out.
import type { Production, Signal } from '../../../device-profiles/schema/profile.ts';
import type { Value } from '../core/reading.ts';

export interface PartCount {
  produced: number;
  scrap: number;
}

/** A counter that jumps by more than this is a reset or a replaced controller, not parts. */
const MAX_STEP = 10_000;

/**
 * `before` is the device's merged state before the reading (undefined values: not seen
 * yet); `reading` the values it brought. A counter's first value only sets its base.
 */
export function countParts(production: Production, signals: Readonly<Record<string, Signal>>, before: Readonly<Record<string, Value>>, reading: Readonly<Record<string, Value>>): PartCount | undefined {
  let produced = 0;
  let scrap = 0;
  for (const rule of production.parts) {
    const now = reading[rule.signal];
    if (now === undefined) continue;
    let n = 0;
    if (rule.type === 'increment') {
      const was = before[rule.signal];
      if (typeof now === 'number' && typeof was === 'number' && now > was && now - was <= MAX_STEP) n = now - was;
    } else if (rule.type === 'event') {
      if (same(now, rule.equals, signals[rule.signal])) n = 1;
    } else {
      // A first value is no transition: the part may have been counted before the gateway started.
      const was = before[rule.signal];
      if (was !== undefined && same(now, rule.to, signals[rule.signal]) && !same(was, rule.to, signals[rule.signal])) n = 1;
    }
    if (rule.as === 'produced') produced += n;
    else scrap += n;
  }
  return produced || scrap ? { produced, scrap } : undefined;
}

function same(value: Value, wanted: Value, signal: Signal | undefined): boolean {
  if (value === wanted || String(value) === String(wanted)) return true;
  return signal?.type === 'enum' && typeof value === 'string' && signal.values?.[value] === wanted;
}
