// Turns a device's values into the MQTT messages its profile describes: the inverse of
// the gateway's normaliser, read from the same profile. So a new printer convention
// needs a profile only, and the simulator speaks it too.
import type { Profile, Signal } from '../../../device-profiles/schema/profile.ts';
import { writePath } from '../../../gateway/src/normalize/json-path.ts';
import { compileTopic, type CompiledField, type CompiledTopic } from '../../../gateway/src/normalize/topic-router.ts';

export interface OutgoingMessage {
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
}

/** Where a profile has no vendor value for a meaning, the nearest one it does have. */
const FALLBACK_MEANING: Record<string, readonly string[]> = {
  heating: ['printing', 'busy'],
  cooling: ['done', 'idle'],
  done: ['idle'],
  paused: ['printing'],
  online: ['idle'],
};

interface EncTopic {
  readonly pattern: string;
  readonly compiled: CompiledTopic;
  readonly captures: readonly { readonly signal: string; readonly def: Signal }[];
  readonly last: Map<string, unknown>;
}

export class ProfileEncoder {
  private readonly topics: EncTopic[];
  private readonly partial: boolean;

  constructor(profile: Profile, topicId: string) {
    if (!profile.mqtt) throw new Error(`profile ${profile.id} has no mqtt binding to simulate`);
    this.partial = profile.mqtt.partial;
    // The gateway's own compilation of the profile's paths and scales, read the other way.
    this.topics = profile.mqtt.topics.map((t) => ({
      pattern: t.topic.replaceAll('{id}', topicId),
      compiled: compileTopic(profile, t),
      captures: [...t.topic.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!).filter((n) => n !== 'id').map((signal) => ({ signal, def: profile.signals[signal]! })),
      last: new Map(),
    }));
  }

  /**
   * The messages to send for `values` (in the kind's vocabulary): each topic whose values
   * changed; for partial profiles only the changed fields unless `full`.
   */
  encode(values: Readonly<Record<string, unknown>>, now: number, full = false): OutgoingMessage[] {
    const out: OutgoingMessage[] = [];
    for (const t of this.topics) {
      let topic = t.pattern;
      let skip = false;
      for (const c of t.captures) {
        const v = this.vendorValue(c.def, values[c.signal]);
        if (v === undefined) skip = true;
        else topic = topic.replace(`{${c.signal}}`, String(v));
      }
      if (skip) continue;
      const changed: CompiledField[] = [];
      const present: CompiledField[] = [];
      for (const f of t.compiled.fields) {
        const v = this.vendorValue(f.def, values[f.signal]);
        if (v === undefined) continue;
        present.push(f);
        if (f.def.event || t.last.get(f.signal) !== v) changed.push(f);
      }
      if (present.length === 0 && t.captures.length === 0) continue;
      if (!full && changed.length === 0 && t.captures.length === 0) continue;
      const send = full || !this.partial ? present : changed;
      if (t.compiled.format === 'text') {
        const f = send[0];
        if (!f) continue;
        const v = this.vendorValue(f.def, values[f.signal]);
        t.last.set(f.signal, v);
        out.push({ topic, payload: String(v), retain: true });
        continue;
      }
      const payload: Record<string, unknown> = {};
      for (const f of send) {
        const v = this.vendorValue(f.def, values[f.signal]);
        t.last.set(f.signal, v);
        writePath(payload, f.path, typeof v === 'number' ? round((v - f.offset) / f.scale, f.def.type === 'int' ? 0 : f.scale === 1 ? 2 : 5) : v);
      }
      const ts = t.compiled.timestamp;
      if (ts) writePath(payload, ts.path, Math.round((now / ts.toMs) * 1000) / 1000);
      out.push({ topic, payload: JSON.stringify(payload), retain: false });
    }
    return out;
  }

  /** The value as this vendor writes it; enums are mapped from their meaning. */
  private vendorValue(def: Signal, value: unknown): string | number | boolean | undefined {
    if (value === undefined || value === null) return undefined;
    if (def.type === 'enum') return vendorEnum(def, String(value));
    if (def.type === 'int' && typeof value === 'number') return Math.round(value);
    return value as string | number | boolean;
  }
}

function vendorEnum(def: Signal, meaning: string): string | undefined {
  const entries = Object.entries(def.values ?? {});
  // A value given already in the vendor's words passes through.
  if (entries.some(([vendor]) => vendor === meaning)) return meaning;
  for (const m of [meaning, ...(FALLBACK_MEANING[meaning] ?? [])]) {
    const hit = entries.find(([, mm]) => mm === m);
    if (hit) return hit[0];
  }
  return undefined;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
