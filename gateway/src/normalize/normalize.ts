// The normaliser: a pure function from a decoded payload and its route to a typed
// Reading plus the reasons anything in it was refused. No I/O, no clock but the
// receive time it is given, so it can be tested and benchmarked on its own.
import type { Signal } from '../../../device-profiles/schema/profile.ts';
import type { RejectReason } from '../core/errors.ts';
import type { Reading, Value } from '../core/reading.ts';
import { readPath } from './json-path.ts';
import type { RouteMatch } from './topic-router.ts';

export interface FieldReject {
  readonly reason: RejectReason;
  readonly signal?: string | undefined;
  readonly message: string;
}

export interface NormalizeResult {
  /** Undefined when nothing in the message was usable. */
  readonly reading: Reading | undefined;
  readonly rejects: readonly FieldReject[];
}

export type Decoded = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reject: FieldReject };

/**
 * A device's timestamp more than 5 minutes ahead of the gateway's clock, or more than 30
 * days behind it, is a clock fault (an RTC reset to 1970, a wrong time zone), not data from
 * then: the gateway's clock is used instead and the fault counted (invalid_timestamp).
 */
const MAX_AHEAD_MS = 5 * 60_000;
const MAX_BEHIND_MS = 30 * 24 * 3600_000;

export function plausibleTime(ms: number, receivedAt: number): boolean {
  return Number.isFinite(ms) && ms <= receivedAt + MAX_AHEAD_MS && ms >= receivedAt - MAX_BEHIND_MS;
}

export function decodePayload(format: 'json' | 'text', payload: Buffer): Decoded {
  const text = payload.toString('utf8');
  if (format === 'text') return { ok: true, value: text };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, reject: { reason: 'invalid_json', message: (err as Error).message } };
  }
}

const NO_REJECTS: readonly FieldReject[] = Object.freeze([]);

export function normalize(match: RouteMatch, decoded: unknown, receivedAt: number): NormalizeResult {
  const { route, captured } = match;
  const topic = route.topic;
  let rejects: FieldReject[] | undefined;
  const values: Record<string, Value> = {};
  let count = 0;

  for (let i = 0; i < topic.fields.length; i++) {
    const f = topic.fields[i]!;
    const raw = readPath(decoded, f.path);
    // A missing field is normal: partial updates carry only what changed.
    if (raw === undefined || raw === null) continue;
    const checked = checkValue(f.def, raw, f.scale, f.offset);
    if (typeof checked === 'object') {
      (rejects ??= []).push({ reason: checked.reason, signal: f.signal, message: `${f.signal}: ${checked.message}` });
    } else {
      values[f.signal] = checked;
      count++;
    }
  }
  if (captured) {
    for (const c of route.captures) {
      const checked = checkValue(c.def, captured[c.signal], 1, 0);
      if (typeof checked === 'object') {
        (rejects ??= []).push({ reason: checked.reason, signal: c.signal, message: `${c.signal}: ${checked.message}` });
      } else {
        values[c.signal] = checked;
        count++;
      }
    }
  }

  let time = receivedAt;
  let gatewayClock = true;
  if (topic.timestamp) {
    const raw = readPath(decoded, topic.timestamp.path);
    const ms = typeof raw === 'number' ? raw * topic.timestamp.toMs : NaN;
    if (plausibleTime(ms, receivedAt)) {
      time = Math.round(ms);
      gatewayClock = false;
    } else {
      (rejects ??= []).push({ reason: 'invalid_timestamp', message: `timestamp ${JSON.stringify(raw)} is not a plausible time; using the gateway's clock` });
    }
  }

  if (count === 0) {
    if (!rejects) rejects = [{ reason: 'no_values', message: 'no mapped signal in the payload' }];
    return { reading: undefined, rejects };
  }
  return { reading: { device: route.device, time, gatewayClock, values }, rejects: rejects ?? NO_REJECTS };
}

interface Refusal {
  readonly reason: RejectReason;
  readonly message: string;
}

/** A valid value for the signal, or why not. Numbers from a text payload are parsed. */
export function checkValue(def: Signal, raw: unknown, scale: number, offset: number): Value | Refusal {
  switch (def.type) {
    case 'float':
    case 'int': {
      let n: number;
      if (typeof raw === 'number') n = raw;
      else if (typeof raw === 'string' && raw.trim() !== '' && !Number.isNaN(Number(raw))) n = Number(raw);
      else return { reason: 'wrong_type', message: `expected a number, got ${describe(raw)}` };
      if (!Number.isFinite(n)) return { reason: 'not_finite', message: `expected a finite number, got ${n}` };
      // Scaling in binary floating point leaves tails (0.4231 * 100 = 42.309999999999995).
      if (scale !== 1 || offset !== 0) n = Number((n * scale + offset).toPrecision(12));
      if (def.type === 'int') {
        if (!Number.isInteger(n)) {
          if (scale === 1 && offset === 0) return { reason: 'wrong_type', message: `expected an integer, got ${n}` };
          n = Math.round(n);
        }
        if (!Number.isSafeInteger(n)) return { reason: 'out_of_range', message: `${n} is beyond a safe integer` };
      }
      if (def.range && (n < def.range[0] || n > def.range[1])) {
        return { reason: 'out_of_range', message: `${n} is outside [${def.range[0]}, ${def.range[1]}]` };
      }
      return n;
    }
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'false') return raw === 'true';
      return { reason: 'wrong_type', message: `expected true or false, got ${describe(raw)}` };
    case 'string':
      if (typeof raw === 'string') return raw;
      return { reason: 'wrong_type', message: `expected a string, got ${describe(raw)}` };
    case 'enum':
      if (typeof raw === 'string' && def.values && Object.hasOwn(def.values, raw)) return raw;
      return {
        reason: typeof raw === 'string' ? 'invalid_enum_value' : 'wrong_type',
        message: `expected one of ${Object.keys(def.values ?? {}).join(', ')}, got ${describe(raw)}`,
      };
  }
}

function describe(raw: unknown): string {
  if (typeof raw === 'string') return JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
  if (Array.isArray(raw)) return 'an array';
  if (raw === null) return 'null';
  return typeof raw === 'object' ? 'an object' : `${typeof raw} ${String(raw)}`;
}
