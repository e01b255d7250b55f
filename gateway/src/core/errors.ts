// The catalogue of errors a user can meet, each with a stable code.
export { ConfigError, formatProblem, type ConfigProblem } from '../../../device-profiles/schema/config-error.ts';
export { AggregateConfigError } from '../../../device-profiles/schema/load.ts';
export { SinkWriteError } from './sink.ts';

/** Why a message (or one field of it) was not turned into data. Each is counted on /metrics. */
export const REJECT_REASONS = [
  'invalid_json',
  'payload_too_large',
  'unknown_topic',
  'unknown_device',
  'wrong_type',
  'out_of_range',
  'not_finite',
  'invalid_enum_value',
  'invalid_timestamp',
  'no_values',
  'bad_quality',
  'device_flood',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** A service the gateway needs did not answer at start. */
export class ServiceUnavailableError extends Error {
  readonly code = 'FL_SERVICE_UNAVAILABLE';
  constructor(readonly service: string, readonly url: string, cause: unknown) {
    super(`${service} at ${url} did not answer: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'ServiceUnavailableError';
  }
}
