// One experiment in its own worker thread: the engine burns CPU there, never on the event
// loop that takes in messages. Cancelling terminates the thread, which stops an engine
// that never looks at a signal (a synchronous loop over replications) at once.
import { Worker } from 'node:worker_threads';
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import type { RecordedLine } from '../../../simulators/src/experiments/recorded-line.ts';

/** Handed to the worker (structured clone). */
export interface WorkerInput {
  /** The engine module's URL. */
  readonly module: string;
  readonly site: SiteModel;
  readonly recorded: RecordedLine;
  readonly scenario: unknown;
  /** Set: trace one replication of the (done) experiment instead of running it. */
  readonly trace?: unknown;
}

export type WorkerMessage =
  | { readonly type: 'progress'; readonly fraction: number }
  | { readonly type: 'done'; readonly result: unknown }
  | { readonly type: 'failed'; readonly code: string | undefined; readonly message: string };

export type RunOutcome =
  | { readonly kind: 'done'; readonly result: unknown }
  | { readonly kind: 'failed'; readonly code: string | undefined; readonly message: string }
  | { readonly kind: 'stopped' };

export interface RunHandle {
  /** Resolves once the worker has ended, however it ended; never rejects. */
  readonly outcome: Promise<RunOutcome>;
  /** Ends the worker; the outcome is then `stopped`. */
  stop(): Promise<void>;
}

const BOOT = new URL('./worker-boot.mjs', import.meta.url);
const ENTRY = new URL('./experiment-worker.ts', import.meta.url).href;

export function runInWorker(input: WorkerInput, onProgress: (fraction: number) => void): RunHandle {
  let stopped = false;
  let settled: RunOutcome | undefined;
  // A runaway engine runs out of its own heap, not the gateway's.
  const worker = new Worker(BOOT, { workerData: { entry: ENTRY, ...input }, resourceLimits: { maxOldGenerationSizeMb: 2048 }, stdout: false, stderr: false });
  const outcome = new Promise<RunOutcome>((resolve) => {
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') return onProgress(m.fraction);
      settled ??= m.type === 'done' ? { kind: 'done', result: m.result } : { kind: 'failed', code: m.code, message: m.message };
      // An engine that leaves a timer or a handle open must not keep its thread alive.
      void worker.terminate();
    });
    worker.on('error', (err) => (settled ??= { kind: 'failed', code: undefined, message: err.message }));
    worker.on('exit', (code) => resolve(settled ?? (stopped ? { kind: 'stopped' } : { kind: 'failed', code: undefined, message: `the worker ended (exit code ${code}) without a result` })));
  });
  return {
    outcome,
    stop: async () => {
      stopped = true;
      await worker.terminate();
      await outcome;
    },
  };
}
