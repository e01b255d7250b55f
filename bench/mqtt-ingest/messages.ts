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

/**
 * Messages from every printer of the site, interleaved tick by tick (one simulated second
 * each), `count` of them, and the simulated seconds they span. Each is stamped with the time
 * it will be published at `rate` from now, as a printer stamps its clock: device time and
 * the gateway's clock agree, and the gateway can be told how much faster than real time the
 * printers run.
 */
export function printerTraffic(site: SiteModel, count: number, rate: number): { messages: BenchMessage[]; simulatedSeconds: number } {
  const sims = site.devices.map((d) => ({
    model: new PrinterModel({ seed: deviceSeed(site.site.seed, d.id), jobSeconds: 300 }),
    encoder: new ProfileEncoder(d.profileDef, d.topicId),
  }));
  const out: BenchMessage[] = [];
  const start = Date.now();
  let tick = 0;
  for (; out.length < count; tick++) {
    for (const s of sims) {
      const values = s.model.step(1) as unknown as Record<string, unknown>;
      for (const m of s.encoder.encode(values, start + Math.floor((out.length / rate) * 1000), tick % 30 === 0)) {
        out.push({ topic: m.topic, payload: Buffer.from(m.payload) });
      }
    }
  }
  return { messages: out.slice(0, count), simulatedSeconds: tick };
}
