// Realistic printer traffic for the benchmark: the simulators' own models and encoders,
// run ahead of time so the publisher spends no CPU on them while measuring.
import type { SiteModel } from '../../device-profiles/schema/load.ts';
import { PrinterModel } from '../../simulators/src/fdm-printer/printer-model.ts';
import { ProfileEncoder } from '../../simulators/src/mqtt/profile-encoder.ts';
import { deviceSeed } from '../../simulators/src/random.ts';

export interface BenchMessage {
  readonly topic: string;
  readonly payload: Buffer;
}

/** Messages from every printer of the site, interleaved tick by tick, at least `count` of them. */
export function printerTraffic(site: SiteModel, count: number): BenchMessage[] {
  const sims = site.devices.map((d) => ({
    model: new PrinterModel({ seed: deviceSeed(site.site.seed, d.id), jobSeconds: 300 }),
    encoder: new ProfileEncoder(d.profileDef, d.topicId),
  }));
  const out: BenchMessage[] = [];
  for (let tick = 0; out.length < count; tick++) {
    for (const s of sims) {
      const values = s.model.step(1) as unknown as Record<string, unknown>;
      for (const m of s.encoder.encode(values, 1_795_000_000_000 + tick * 1000, tick % 30 === 0)) {
        out.push({ topic: m.topic, payload: Buffer.from(m.payload) });
      }
    }
  }
  return out.slice(0, count);
}
