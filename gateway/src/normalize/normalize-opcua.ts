// The normaliser for OPC UA: value changes of one device → typed readings, one per
// timestamp, so that all axes sampled at one instant become one point. Pure.
import type { OpcUaBinding } from '../../../device-profiles/schema/profile.ts';
import type { OpcUaChange, Reading, Value } from '../core/reading.ts';
import { checkValue, plausibleTime, type FieldReject } from './normalize.ts';

export interface OpcUaResult {
  readonly readings: Reading[];
  readonly rejects: readonly FieldReject[];
}

const NO_REJECTS: readonly FieldReject[] = Object.freeze([]);

/** `changes` all belong to one device. */
export function normalizeOpcUa(changes: readonly OpcUaChange[], binding: OpcUaBinding, receivedAt: number): OpcUaResult {
  const byTime = new Map<number, { values: Record<string, Value>; gatewayClock: boolean }>();
  let rejects: FieldReject[] | undefined;
  const device = changes[0]?.device;
  if (!device) return { readings: [], rejects: NO_REJECTS };
  const signals = device.profileDef.signals;
  for (const c of changes) {
    const def = signals[c.signal];
    if (!def) continue;
    if (c.status.bad) {
      (rejects ??= []).push({ reason: 'bad_quality', signal: c.signal, message: `${c.signal}: status ${c.status.name}` });
      continue;
    }
    const spec = binding.signals[c.signal];
    let time =
      binding.timestamp === 'gateway' ? undefined : binding.timestamp === 'server' ? (c.serverTime ?? undefined) : (c.sourceTime ?? c.serverTime);
    if (time !== undefined && !plausibleTime(time, receivedAt)) {
      (rejects ??= []).push({ reason: 'invalid_timestamp', signal: c.signal, message: `${c.signal}: timestamp ${new Date(time).toISOString()} is not plausible; using the gateway's clock` });
      time = undefined;
    }
    const key = time ?? receivedAt;
    let slot = byTime.get(key);
    if (!slot) {
      slot = { values: {}, gatewayClock: time === undefined };
      byTime.set(key, slot);
    }
    const parts = spec?.flatten ? flatten(c.signal, c.value, spec.flatten) : [[c.signal, c.value] as const];
    for (const [name, raw] of parts) {
      const target = signals[name]!;
      const checked = checkValue(target, plain(raw, target.type), spec?.scale ?? 1, spec?.offset ?? 0);
      if (typeof checked === 'object') (rejects ??= []).push({ reason: checked.reason, signal: name, message: `${name}: ${checked.message}` });
      else slot.values[name] = checked;
    }
    // Uncertain values are kept, and say so.
    if (!c.status.good && 'quality' in signals) slot.values.quality = `${c.signal}: ${c.status.name}`;
  }
  const readings: Reading[] = [];
  for (const [time, slot] of byTime) readings.push({ device, time, gatewayClock: slot.gatewayClock, values: slot.values });
  // Usually one instant per publish; order only when there are more.
  if (readings.length > 1) readings.sort((a, b) => a.time - b.time);
  return { readings, rejects: rejects ?? NO_REJECTS };
}

/** Array elements in order, or structure members by name (node-opcua gives members in camelCase). */
function flatten(signal: string, value: unknown, names: readonly string[]): (readonly [string, unknown])[] {
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const list = value as ArrayLike<unknown>;
    return names.map((n, i) => [`${signal}_${n}`, list[i]] as const);
  }
  const record = (value ?? {}) as Record<string, unknown>;
  return names.map((n) => {
    const camel = n.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    return [`${signal}_${n}`, record[camel] ?? record[n] ?? record[camel.charAt(0).toUpperCase() + camel.slice(1)]] as const;
  });
}

/** Variant values as plain JS: LocalizedText → text, 64-bit [high, low] → number, enums → their number as text. */
function plain(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'object') {
    if ('text' in value) return (value as { text: unknown }).text ?? '';
    if (Array.isArray(value) && value.length === 2 && type === 'int' && value.every((n) => typeof n === 'number')) {
      return (value[0] as number) * 2 ** 32 + (value[1] as number);
    }
  }
  if (type === 'enum' && typeof value === 'number') return String(value);
  return value;
}
