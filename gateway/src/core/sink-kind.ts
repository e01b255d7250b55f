import type { GatewayConfig } from '../config.ts';
import type { AnySink } from './sink.ts';

/** One kind of sink, built beside its implementation (sinks/<kind>/<kind>-kind.ts) and listed in sinks/registry.ts. */
export interface SinkKind {
  readonly kind: string;
  build(config: GatewayConfig): readonly AnySink[];
}
