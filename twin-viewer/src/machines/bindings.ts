// Twin bindings, declared in a device's profile, turn its signal values into what the
// model shows: joint angles, a part's progress, a heat colour, a status. Pure, shared by
// the viewer and the tests; no per-device code.
import type { Signal, Twin, TwinBinding } from '../../../device-profiles/schema/profile.ts';

export type TargetValue = number | string;
export type Targets = Record<string, TargetValue>;

/** Evaluates every binding whose signal has a value; later bindings win on the same target. */
export function evaluateBindings(
  twin: Pick<Twin, 'bindings'>,
  signals: Readonly<Record<string, Pick<Signal, 'type' | 'values'>>>,
  values: Readonly<Record<string, unknown>>,
  out: Targets = {},
): Targets {
  for (const b of twin.bindings) {
    const v = values[b.signal];
    if (v === undefined || v === null) continue;
    const result = evaluate(b, signals[b.signal], v);
    if (result !== undefined) out[b.target] = result;
  }
  return out;
}

export function evaluate(b: TwinBinding, signal: Pick<Signal, 'type' | 'values'> | undefined, v: unknown): TargetValue | undefined {
  if (b.map) {
    // Enums are looked up by their meaning first (one map serves every vendor), then as written.
    const meaning = signal?.type === 'enum' && typeof v === 'string' ? signal.values?.[v] : undefined;
    const hit = (meaning !== undefined ? b.map[meaning] : undefined) ?? b.map[String(v)];
    return hit;
  }
  if (typeof v !== 'number') return undefined;
  if (b.heat) return heatColor(v, b.heat[0], b.heat[1]);
  let n = v * (b.scale ?? 1) + (b.offset ?? 0);
  if (b.clamp) n = Math.min(b.clamp[1], Math.max(b.clamp[0], n));
  return n;
}

/** Blue → cyan → green → yellow → red over [lo, hi], as 0xRRGGBB. */
export function heatColor(v: number, lo: number, hi: number): number {
  const t = Math.min(1, Math.max(0, (v - lo) / (hi - lo || 1)));
  const stops = [
    [0.2, 0.4, 1.0],
    [0.0, 0.8, 0.9],
    [0.2, 0.8, 0.2],
    [1.0, 0.85, 0.1],
    [1.0, 0.2, 0.1],
  ] as const;
  const x = t * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const [a, c] = [stops[i]!, stops[i + 1]!];
  const ch = (k: 0 | 1 | 2) => Math.round((a[k] + (c[k] - a[k]) * f) * 255);
  return (ch(0) << 16) | (ch(1) << 8) | ch(2);
}
