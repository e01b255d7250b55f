const UNIT: Record<string, string> = { degC: '°C', percent: '%', deg: '°', 'deg/s': '°/s' };

export function formatValue(v: unknown, unit?: string): string {
  const u = unit ? UNIT[unit] ?? ` ${unit}` : '';
  if (typeof v === 'number') return `${Number.isInteger(v) ? v : v.toFixed(Math.abs(v) < 10 ? 2 : 1)}${u}`;
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return v === undefined ? '—' : String(v);
}

export function formatAge(ms: number): string {
  if (ms < 0 || !Number.isFinite(ms)) return '—';
  if (ms < 1500) return 'now';
  if (ms < 90_000) return `${Math.round(ms / 1000)} s ago`;
  return `${Math.round(ms / 60_000)} min ago`;
}
