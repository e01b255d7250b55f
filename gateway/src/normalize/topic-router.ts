// Finds which devices and profile topics an MQTT topic belongs to. Built once from
// the site; concrete topics are one Map lookup, topics with {signal} levels are
// matched level by level, and anything else is classified as an unknown device
// (a profile's topic shape with an id the site does not know) or an unknown topic.
import type { DeviceModel, SiteModel, LoadedProfile } from '../../../device-profiles/schema/load.ts';
import type { Profile, Signal, TopicMapping } from '../../../device-profiles/schema/profile.ts';
import { compilePath, type CompiledPath } from './json-path.ts';

export interface CompiledField {
  readonly signal: string;
  readonly def: Signal;
  readonly path: CompiledPath;
  readonly scale: number;
  readonly offset: number;
}

export interface CompiledTopic {
  readonly mapping: TopicMapping;
  readonly format: 'json' | 'text';
  readonly fields: readonly CompiledField[];
  readonly timestamp?: { readonly path: CompiledPath; readonly toMs: number } | undefined;
}

export interface Route {
  readonly device: DeviceModel;
  readonly topic: CompiledTopic;
  /** Topic levels whose text is a signal value: level index → signal. */
  readonly captures: readonly { readonly level: number; readonly signal: string; readonly def: Signal }[];
}

export interface RouteMatch {
  readonly route: Route;
  /** Signal values taken from topic levels; undefined when the topic has none. */
  readonly captured?: Readonly<Record<string, string>> | undefined;
}

export type Lookup =
  | { readonly ok: true; readonly matches: readonly RouteMatch[] }
  | { readonly ok: false; readonly reason: 'unknown_device' | 'unknown_topic'; readonly id?: string | undefined };

interface PatternRoute {
  readonly levels: readonly (string | null)[];
  readonly route: Route;
}

export function compileTopic(profile: Pick<Profile, 'signals'>, mapping: TopicMapping): CompiledTopic {
  const fields = Object.entries(mapping.fields).map(([signal, f]) => {
    const spec = typeof f === 'string' ? { path: f } : f;
    return {
      signal,
      def: profile.signals[signal]!,
      path: compilePath(spec.path),
      scale: 'scale' in spec && spec.scale !== undefined ? spec.scale : 1,
      offset: 'offset' in spec && spec.offset !== undefined ? spec.offset : 0,
    };
  });
  return {
    mapping,
    format: mapping.format,
    fields,
    timestamp: mapping.timestamp ? { path: compilePath(mapping.timestamp.path), toMs: mapping.timestamp.unit === 's' ? 1000 : 1 } : undefined,
  };
}

/** `{id}` replaced by the device's topic id; other placeholders kept. */
export function deviceTopic(pattern: string, topicId: string): string {
  return pattern.replaceAll('{id}', topicId);
}

/** A topic filter for subscribing: every placeholder becomes `+`. */
export function subscriptionFilter(pattern: string): string {
  return pattern.replace(/\{[^}]*\}/g, '+');
}

export class TopicRouter {
  private readonly exact = new Map<string, { ok: true; matches: RouteMatch[] }>();
  private readonly patterns = new Map<number, PatternRoute[]>();
  /** Profile topic shapes with the id level open, to tell an unknown device from an unknown topic. */
  private readonly shapes: { levels: readonly (string | null)[]; idLevel: number }[] = [];

  constructor(site: SiteModel) {
    const compiled = new Map<LoadedProfile, CompiledTopic[]>();
    for (const device of site.devices) {
      const profile = device.profileDef;
      if (!profile.mqtt) continue;
      let topics = compiled.get(profile);
      if (!topics) {
        topics = profile.mqtt.topics.map((t) => compileTopic(profile, t));
        compiled.set(profile, topics);
        for (const t of profile.mqtt.topics) {
          const levels = t.topic.split('/');
          this.shapes.push({ levels: levels.map((l) => (l.startsWith('{') ? null : l)), idLevel: levels.indexOf('{id}') });
        }
      }
      for (const topic of topics) {
        const concrete = deviceTopic(topic.mapping.topic, device.topicId);
        const levels = concrete.split('/');
        const captures = levels.flatMap((l, level) => {
          const m = /^\{(.+)\}$/.exec(l);
          return m ? [{ level, signal: m[1]!, def: profile.signals[m[1]!]! }] : [];
        });
        const route: Route = { device, topic, captures };
        if (captures.length === 0) {
          // Built once: the common case returns this very object, allocating nothing.
          const found = this.exact.get(concrete) ?? { ok: true as const, matches: [] };
          found.matches.push({ route });
          this.exact.set(concrete, found);
        } else {
          const byCount = this.patterns.get(levels.length) ?? [];
          byCount.push({ levels: levels.map((l) => (l.startsWith('{') ? null : l)), route });
          this.patterns.set(levels.length, byCount);
        }
      }
    }
    this.foldPatternsIntoExact();
  }

  lookup(topic: string): Lookup {
    const exact = this.exact.get(topic);
    if (exact) return exact;
    if (this.patterns.size > 0) {
      const matches = this.matchPatterns(topic);
      if (matches) return { ok: true, matches };
    }
    return this.classify(topic);
  }

  private matchPatterns(topic: string): RouteMatch[] | undefined {
    const levels = topic.split('/');
    const candidates = this.patterns.get(levels.length);
    if (!candidates) return undefined;
    let matches: RouteMatch[] | undefined;
    for (const p of candidates) {
      if (!levelsMatch(p.levels, levels)) continue;
      const captured: Record<string, string> = {};
      for (const c of p.route.captures) captured[c.signal] = levels[c.level]!;
      (matches ??= []).push({ route: p.route, captured });
    }
    return matches;
  }

  /**
   * A concrete topic that a pattern also matches (OctoPrint's event/PrinterStateChanged is
   * an event/{event} too) gets the pattern's match folded in once, so the hot path for
   * every known topic stays a single Map lookup.
   */
  private foldPatternsIntoExact(): void {
    if (this.patterns.size === 0) return;
    for (const [topic, found] of this.exact) {
      const extra = this.matchPatterns(topic);
      if (extra) found.matches.push(...extra);
    }
  }

  private classify(topic: string): Lookup {
    const levels = topic.split('/');
    for (const shape of this.shapes) {
      if (shape.levels.length === levels.length && levelsMatch(shape.levels, levels)) {
        return { ok: false, reason: 'unknown_device', id: levels[shape.idLevel] };
      }
    }
    return { ok: false, reason: 'unknown_topic' };
  }
}

function levelsMatch(pattern: readonly (string | null)[], levels: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p !== null && p !== levels[i]) return false;
  }
  return true;
}

/** The topic filters a gateway subscribes to for these devices. */
export function subscriptionsFor(site: SiteModel): string[] {
  const filters = new Set<string>();
  for (const device of site.devices) {
    const mqtt = device.profileDef.mqtt;
    if (!mqtt) continue;
    const patterns = mqtt.subscribe ?? mqtt.topics.map((t) => t.topic);
    // Subscribing per profile shape (id level open) rather than per device lets the gateway
    // see and count devices that publish but are missing from the site file.
    for (const p of patterns) filters.add(subscriptionFilter(p));
  }
  return [...filters];
}
