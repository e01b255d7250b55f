// Construction beside the component, as for sources: each kind of sink builds itself from
// the gateway's settings; a new sink is a folder with its `*-kind.ts` plus one line here.
import type { GatewayConfig } from '../config.ts';
import type { AnySink } from '../core/sink.ts';
import type { SinkKind } from '../core/sink-kind.ts';
import { influxdbSinkKind } from './influxdb/influxdb-kind.ts';

export const SINK_KINDS: readonly SinkKind[] = [influxdbSinkKind];

export function buildSinks(config: GatewayConfig, kinds: readonly SinkKind[] = SINK_KINDS): AnySink[] {
  return kinds.flatMap((k) => k.build(config));
}
