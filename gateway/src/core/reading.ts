// The data that flows through the pipeline: sources → normaliser → device state → sinks.
import type { DeviceModel } from '../../../device-profiles/schema/load.ts';

export type Value = number | boolean | string;

/** How a value is written to InfluxDB: enums are stored as their vendor string. */
export type FieldType = 'float' | 'int' | 'bool' | 'string';

/** An MQTT message exactly as it arrived. The source owns nothing after emitting it. */
export interface MqttMessage {
  readonly kind: 'mqtt';
  /** The source's name, for per-source counters. */
  readonly source: string;
  readonly topic: string;
  readonly payload: Buffer;
  /** Gateway clock, ms since the epoch. */
  readonly receivedAt: number;
}

/** One OPC UA value change, already tied to its device and signal by the monitored item. */
export interface OpcUaChange {
  readonly device: DeviceModel;
  readonly signal: string;
  /** The Variant's value as node-opcua decoded it. */
  readonly value: unknown;
  readonly status: { readonly name: string; readonly good: boolean; readonly bad: boolean };
  /** ms since the epoch, when the server sent them. */
  readonly sourceTime: number | undefined;
  readonly serverTime: number | undefined;
}

/** The changes of one publish response. */
export interface OpcUaMessage {
  readonly kind: 'opcua';
  readonly source: string;
  readonly changes: readonly OpcUaChange[];
  readonly receivedAt: number;
}

export type RawMessage = MqttMessage | OpcUaMessage;

/** What one message said about one device: only the signals it carried, typed and range-checked. */
export interface Reading {
  readonly device: DeviceModel;
  /** ms since the epoch. */
  readonly time: number;
  /** True when `time` came from the gateway's clock rather than the device. */
  readonly gatewayClock: boolean;
  readonly values: Readonly<Record<string, Value>>;
}

/**
 * A time series in the sinks' sense (InfluxDB's measurement + tag set, with the field types),
 * not a production series: where a device's points go, the same for all its points, so computed
 * once per device.
 */
export interface PointSeries {
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly fieldTypes: Readonly<Record<string, FieldType>>;
}

/** One point per device per timestamp, carrying the device's merged state. */
export interface Point {
  readonly series: PointSeries;
  readonly fields: Readonly<Record<string, Value>>;
  /** ms since the epoch. */
  readonly time: number;
}
