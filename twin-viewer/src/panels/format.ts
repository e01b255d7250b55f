import type { LiveDevice } from '../../../gateway/src/core/live-events.ts';

const UNIT: Record<string, string> = { degC: '°C', percent: '%', deg: '°', 'deg/s': '°/s' };

/** What the viewer knows of a signal: its unit and, for an enum, vendor value → meaning. */
export type SignalInfo = LiveDevice['signals'][string];

export function formatValue(v: unknown, unit?: string): string {
  const u = unit ? UNIT[unit] ?? ` ${unit}` : '';
  if (typeof v === 'number') return `${Number.isInteger(v) ? v : v.toFixed(Math.abs(v) < 10 ? 2 : 1)}${u}`;
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return v === undefined ? '—' : String(v);
}

/**
 * A value as a person reads it: an enum by its meaning from the profile (`automatic`, not
 * `3`), snake_case spelled out; anything else as `formatValue` does. A vendor value the
 * profile does not list is shown as sent, so nothing is hidden.
 */
export function formatSignal(v: unknown, signal: SignalInfo | undefined): string {
  if (signal?.type === 'enum' && (typeof v === 'string' || typeof v === 'number')) {
    const meaning = signal.values?.[String(v)];
    return meaning !== undefined ? meaning.replaceAll('_', ' ') : String(v);
  }
  return formatValue(v, signal?.unit);
}

export function formatAge(ms: number): string {
  if (ms < 0 || !Number.isFinite(ms)) return '—';
  if (ms < 1500) return 'now';
  if (ms < 90_000) return `${Math.round(ms / 1000)} s ago`;
  return `${Math.round(ms / 60_000)} min ago`;
}
