// Thousands of generated hostile payloads (fast-check) thrown at the gateway's MQTT source
// beside valid traffic, through a real mosquitto into a real InfluxDB: the gateway keeps
// running, every valid point is stored, and every hostile message is counted under the
// reason it was generated for.
import fc from 'fast-check';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayConfig } from '../../gateway/src/config.ts';
import type { RejectReason } from '../../gateway/src/core/errors.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { meterSite } from '../support/meter-lab.ts';
import { eventually, sleep, spoolDir, startMosquitto, startTestInflux, tempDir, type TestInflux, type TestMosquitto } from '../support/services.ts';

const VALID = ['meter-01', 'meter-02'];
const TARGET = 'meter-bad';
const TEXT = 'meter-text';
const FLOOD = 'meter-flood';
const MAX_PAYLOAD = 4096;
/** Above the hostile traffic's pace for one device (about 500/s), far below a burst. */
const FLOOD_LIMIT = 1000;

/** One hostile message and the single reason it must be rejected for. */
interface Hostile {
  readonly topic: string;
  readonly payload: string | Uint8Array;
  readonly reason: RejectReason;
}

const now = Date.now();
const good = (over: Record<string, unknown>) => JSON.stringify({ seq: 1, ts: now, value: 1, ...over });
const strangeText = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });

const hostile: fc.Arbitrary<Hostile> = fc.oneof(
  // Not JSON at all: bytes, truncated objects, NaN and Infinity literals.
  fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 200 }).filter((b) => !isJson(Buffer.from(b).toString('utf8'))),
    fc.constantFrom('{"seq": NaN, "ts": 1}', '{"value": Infinity}', '{"seq":', "{'seq': 1}", '', 'null,'),
  ).map((payload) => ({ topic: `lab/${TARGET}/count`, payload, reason: 'invalid_json' as const })),
  // Deep nesting, as JSON.parse takes it (or refuses it) without a stack overflow.
  fc.integer({ min: 100, max: 1900 }).map((depth) => ({ topic: `lab/${TARGET}/count`, payload: good({ seq: JSON.parse('['.repeat(depth) + ']'.repeat(depth)) }), reason: 'wrong_type' as const })),
  // Too large, whatever is inside.
  fc.integer({ min: MAX_PAYLOAD + 1, max: MAX_PAYLOAD * 4 }).map((n) => ({ topic: `lab/${TARGET}/count`, payload: good({ note: 'x'.repeat(n) }), reason: 'payload_too_large' as const })),
  // Wrong types for a signal.
  fc.oneof(strangeText, fc.boolean(), fc.array(fc.integer()), fc.object()).map((seq) => ({ topic: `lab/${TARGET}/count`, payload: good({ seq }), reason: 'wrong_type' as const })),
  // Out of range, and numbers JSON turns into Infinity.
  fc.oneof(fc.double({ min: 1e7, max: 1e300, noNaN: true }), fc.double({ min: -1e300, max: -1e7, noNaN: true })).map((value) => ({ topic: `lab/${TARGET}/count`, payload: good({ value }), reason: 'out_of_range' as const })),
  fc.constantFrom('1e400', '-1e999').map((v) => ({ topic: `lab/${TARGET}/count`, payload: `{"seq": 1, "ts": ${now}, "value": ${v}}`, reason: 'not_finite' as const })),
  // Timestamps from a broken clock: decades back, days ahead.
  fc.oneof(fc.integer({ min: 0, max: now - 40 * 86_400_000 }), fc.integer({ min: now + 86_400_000, max: now + 1e12 })).map((ts) => ({ topic: `lab/${TARGET}/count`, payload: good({ ts }), reason: 'invalid_timestamp' as const })),
  // Ids with separators, quotes, newlines and non-ASCII: not devices of this site.
  strangeText
    .filter((id) => publishable(id) && ![...VALID, TARGET, TEXT, FLOOD].includes(id))
    .map((id) => ({ topic: `lab/${id}/count`, payload: good({}), reason: 'unknown_device' as const })),
  // Topics under the gateway's subscription (lab/+/#) that no profile maps.
  fc.array(fc.stringMatching(/^[a-z0-9 ,=é"]{1,8}$/), { minLength: 1, maxLength: 5 })
    .filter((levels) => levels.join('/') !== 'count')
    .map((levels) => ({ topic: `lab/${TARGET}/${levels.join('/')}`, payload: good({}), reason: 'unknown_topic' as const })),
);

/**
 * MQTT forbids wildcards, control characters and Unicode noncharacters in a published
 * topic: a broker drops a publisher that sends one, so they cannot reach a gateway.
 */
function publishable(level: string): boolean {
  if (/[/+#\u0000-\u001f\u007f-\u009f\ufdd0-\ufdef]/.test(level)) return false;
  for (const ch of level) if (((ch.codePointAt(0) ?? 0) & 0xfffe) === 0xfffe) return false;
  return true;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('hostile input', () => {
  let influx: TestInflux;
  let broker: TestMosquitto;
  let gateway: Gateway;
  let client: MqttClient;
  const dir = tempDir('hostile');

  beforeAll(async () => {
    [influx, broker] = await Promise.all([startTestInflux(), startMosquitto()]);
    const site = meterSite(dir.path, [...VALID, TARGET, TEXT, FLOOD]);
    gateway = new Gateway(
      site,
      gatewayConfig({
        mqtt: { url: broker.url, clientId: 'hostile-gateway', maxPayloadBytes: MAX_PAYLOAD, maxMessagesPerSecondPerDevice: FLOOD_LIMIT, floodBurstSeconds: 0 },
        influx: { url: influx.url, database: 'hostile', flushIntervalMs: 200 },
        http: { host: '127.0.0.1', port: 0 },
        spool: { dir: spoolDir() },
      }),
      new Telemetry(pino({ level: 'silent' })),
    );
    await gateway.start();
    await eventually(() => gateway.sources[0]!.state() === 'connected', 10_000, 'gateway connected');
    client = await mqtt.connectAsync(broker.url, { clientId: 'hostile-publisher' });
  });

  afterAll(async () => {
    await client?.endAsync();
    await gateway?.stop();
    await Promise.all([broker?.stop(), influx?.stop()]);
    dir.remove();
  });

  it('rejects each hostile message for its reason, keeps running, and stores every valid point beside them', async () => {
    const cases = fc.sample(hostile, { numRuns: 3000, seed: 20261129 });
    const expected: Partial<Record<RejectReason, number>> = {};
    for (const c of cases) expected[c.reason] = (expected[c.reason] ?? 0) + 1;
    // Every kind of hostility is in the sample.
    expect(Object.keys(expected).sort()).toEqual(
      ['invalid_json', 'invalid_timestamp', 'not_finite', 'out_of_range', 'payload_too_large', 'unknown_device', 'unknown_topic', 'wrong_type'].sort(),
    );
    // Strings that line protocol must escape, stored as sent.
    const notes = fc.sample(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).map((s) => s + ', = "\\\n\tß€😀'), { numRuns: 200, seed: 7 });

    let seq = 0;
    let ts = Date.now();
    const valid = (device: string, extra: Record<string, unknown> = {}) =>
      client.publishAsync(`lab/${device}/count`, JSON.stringify({ seq: ++seq, ts: ++ts, value: seq / 7, ...extra }), { qos: 1 });
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i]!;
      sends.push(client.publishAsync(c.topic, Buffer.from(c.payload), { qos: 1 }));
      if (i % 3 === 0) sends.push(valid(VALID[i % 2]!));
      if (i % 15 === 0) sends.push(valid(TEXT, { note: notes[(i / 15) % notes.length] }));
      if (i % 500 === 499) {
        // About 500 hostile messages a second: a stream, not a burst.
        await Promise.all([...sends.splice(0), sleep(1000)]);
      }
    }
    await Promise.all(sends);
    // A flood from one device: at most FLOOD_LIMIT a second get in, the rest is counted.
    const flood = 4000;
    await Promise.all(Array.from({ length: flood }, () => valid(FLOOD)));

    const validSent = Math.ceil(cases.length / 3);
    const textSent = Math.ceil(cases.length / 15);
    const c = gateway.telemetry.counts;
    await eventually(() => c.received >= cases.length + validSent + textSent + flood, 20_000, 'all messages received');
    await gateway.flush();

    for (const [reason, n] of Object.entries(expected)) expect(c.rejected[reason as RejectReason], reason).toBe(n);
    // Out-of-window timestamps are replaced by the gateway clock, not dropped: those points are kept.
    const db = influx.client('hostile');
    const count = async (device: string) => {
      const rows = await db.query<{ n: number }>(`SELECT count(seq) AS n FROM cnc WHERE device = '${device}'`);
      return rows[0]?.n ?? 0;
    };
    expect((await count(VALID[0]!)) + (await count(VALID[1]!))).toBe(validSent);
    expect(await count(TEXT)).toBe(textSent);
    expect((await count(FLOOD)) + c.rejected.device_flood).toBe(flood);
    expect(c.rejected.device_flood).toBeGreaterThan(0);

    const stored = await db.query<{ note: string }>(`SELECT note FROM cnc WHERE device = '${TEXT}' ORDER BY time`);
    const sentNotes = Array.from({ length: textSent }, (_, k) => notes[k % notes.length]);
    expect(stored.map((r) => r.note)).toEqual(sentNotes);
    expect(c.dropped).toBe(0);
    // And it still answers.
    const res = await fetch(`${gateway.httpAddress()}/healthz`);
    expect(res.status).toBe(200);
  }, 120_000);
});
