import type { RawMessage } from './reading.ts';

export type Emit = (message: RawMessage) => void;

export type SourceState = 'starting' | 'connected' | 'disconnected' | 'stopped';

/**
 * A source only receives raw messages and hands them on; it does not parse them. Promises
 * (checked by test/contracts/source-contract.ts):
 * - `start` once; it resolves without waiting for the server: a source whose server is away
 *   reports 'disconnected' and keeps trying. `stop` resolves within seconds, also while the
 *   server is away; calling it again is harmless.
 * - States, reported through Telemetry (SourceStatus) on each change: 'starting', 'connected'
 *   once data can flow, 'disconnected' when the server goes, 'connected' when it is back,
 *   'stopped' as soon as stop is called, and nothing after that.
 * - `emit` is called from the source's own network callbacks, never concurrently with itself,
 *   never after `stop`; it never throws. Reconnection and resubscription are the source's job.
 */
export interface Source {
  readonly name: string;
  readonly kind: 'mqtt' | 'opcua';
  start(emit: Emit): Promise<void>;
  stop(): Promise<void>;
  state(): SourceState;
}

/** A source's current state, reported through Telemetry (logged once) on every change. */
export class SourceStatus {
  private current: SourceState = 'starting';

  constructor(
    private readonly source: string,
    private readonly report: (source: string, state: SourceState, why?: string) => void,
  ) {}

  get(): SourceState {
    return this.current;
  }

  /** After 'stopped' nothing else is reported: a connection still being made when stop came must not announce itself. */
  set(state: SourceState, why?: string): void {
    if (this.current === 'stopped') return;
    this.current = state;
    this.report(this.source, state, why);
  }
}
