import type { RawMessage } from './reading.ts';

export type Emit = (message: RawMessage) => void;

export type SourceState = 'starting' | 'connected' | 'disconnected' | 'stopped';

/**
 * A source only receives raw messages and hands them on; it does not parse them.
 * Lifecycle: `start` is called once, then `stop` once. `emit` is called from the
 * source's own network callbacks, never concurrently with itself, and never throws.
 * Reconnection is the source's job; it reports each change through Telemetry.
 */
export interface Source {
  readonly name: string;
  readonly kind: 'mqtt' | 'opcua';
  start(emit: Emit): Promise<void>;
  stop(): Promise<void>;
  state(): SourceState;
}
