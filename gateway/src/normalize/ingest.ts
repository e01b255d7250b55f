// The ingest step of the pipeline: a raw message from a source becomes typed readings, or
// counted rejections. MQTT: payload limit, routing by topic, per-device rate limit, decode,
// normalise through the profile, and one reading per device however many of its profile's
// topic mappings match. OPC UA: value changes grouped by device and normalised. No I/O and
// no await: the caller's `accept` runs before `ingest` returns, so a source may acknowledge
// the message once it does.
import type { DeviceModel, SiteModel } from '../../../device-profiles/schema/load.ts';
import type { RejectReason } from '../core/errors.ts';
import type { MqttMessage, OpcUaChange, OpcUaMessage, RawMessage, Reading } from '../core/reading.ts';
import type { RejectDetail } from '../core/telemetry.ts';
import { DeviceRateLimit } from './device-rate-limit.ts';
import { decodePayload, normalize, type Decoded } from './normalize.ts';
import { normalizeOpcUa } from './normalize-opcua.ts';
import { TopicRouter } from './topic-router.ts';

/** Where ingest reports what it saw; the runtime's Telemetry counts and logs it. */
export interface IngestReport {
  messageReceived(source: string, count?: number): void;
  messageRejected(reason: RejectReason, detail: RejectDetail): void;
}

export interface IngestOptions {
  readonly maxPayloadBytes: number;
  readonly maxMessagesPerSecondPerDevice: number;
  readonly floodBurstSeconds: number;
}

export class Ingest {
  private readonly router: TopicRouter;
  private readonly rateLimit: DeviceRateLimit;

  constructor(
    site: SiteModel,
    private readonly options: IngestOptions,
    private readonly report: IngestReport,
  ) {
    this.router = new TopicRouter(site);
    this.rateLimit = new DeviceRateLimit(options.maxMessagesPerSecondPerDevice, options.maxMessagesPerSecondPerDevice * options.floodBurstSeconds);
  }

  /** Never throws: whatever is wrong with a message is a counted rejection. */
  ingest(message: RawMessage, accept: (reading: Reading) => void): void {
    if (message.kind === 'mqtt') this.mqtt(message, accept);
    else this.opcua(message, accept);
  }

  private opcua(message: OpcUaMessage, accept: (reading: Reading) => void): void {
    const report = this.report;
    report.messageReceived(message.source, message.changes.length);
    const byDevice = new Map<DeviceModel, OpcUaChange[]>();
    for (const c of message.changes) {
      const list = byDevice.get(c.device);
      if (list) list.push(c);
      else byDevice.set(c.device, [c]);
    }
    for (const [device, changes] of byDevice) {
      const result = normalizeOpcUa(changes, device.profileDef.opcua!, message.receivedAt);
      for (const r of result.rejects) report.messageRejected(r.reason, { device: device.id, signal: r.signal, message: r.message });
      for (const reading of result.readings) accept(reading);
    }
  }

  private mqtt(message: MqttMessage, accept: (reading: Reading) => void): void {
    const report = this.report;
    report.messageReceived(message.source);
    const limit = this.options.maxPayloadBytes;
    if (message.payload.length > limit) {
      report.messageRejected('payload_too_large', { topic: message.topic, message: `${message.payload.length} bytes > ${limit}` });
      return;
    }
    const found = this.router.lookup(message.topic);
    if (!found.ok) {
      report.messageRejected(found.reason, {
        topic: message.topic,
        device: found.id,
        message: found.reason === 'unknown_device' ? `device "${found.id}" is not in the site file` : 'no profile maps this topic',
      });
      return;
    }
    const first = found.matches[0]!.route.device.id;
    if (!this.rateLimit.allow(first, message.receivedAt)) {
      report.messageRejected('device_flood', { topic: message.topic, device: first, message: `more than ${this.options.maxMessagesPerSecondPerDevice} messages a second from ${first}, beyond a burst of ${this.options.floodBurstSeconds} s; the excess is dropped` });
      return;
    }
    let json: Decoded | undefined;
    let text: Decoded | undefined;
    // One message is one reading per device, even where several of its profile's topic
    // mappings match (OctoPrint's event/PrinterStateChanged is also an event/{event}).
    let merged: Reading | undefined;
    for (const match of found.matches) {
      const format = match.route.topic.format;
      const decoded = format === 'json' ? (json ??= decodePayload('json', message.payload)) : (text ??= decodePayload('text', message.payload));
      const device = match.route.device.id;
      if (!decoded.ok) {
        report.messageRejected(decoded.reject.reason, { topic: message.topic, device, message: decoded.reject.message });
        continue;
      }
      const result = normalize(match, decoded.value, message.receivedAt);
      for (const r of result.rejects) report.messageRejected(r.reason, { topic: message.topic, device, signal: r.signal, message: r.message });
      const reading = result.reading;
      if (!reading) continue;
      if (merged && merged.device !== reading.device) accept(merged);
      merged = merged?.device === reading.device ? mergeReadings(merged, reading) : reading;
    }
    if (merged) accept(merged);
  }
}

function mergeReadings(a: Reading, b: Reading): Reading {
  const deviceTime = !a.gatewayClock ? a : b;
  return { device: a.device, time: deviceTime.time, gatewayClock: deviceTime.gatewayClock, values: { ...a.values, ...b.values } };
}
