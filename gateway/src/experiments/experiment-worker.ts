// Inside the worker thread: imports the engine, runs one experiment (or traces one of its
// replications) and reports progress and the outcome to the gateway. Only messages cross:
// the engine shares nothing with the event loop that handles ingest.
import { parentPort, workerData } from 'node:worker_threads';
import type { EngineModule } from './engine.ts';
import type { WorkerInput, WorkerMessage } from './experiment-runner.ts';

const input = workerData as WorkerInput;
const post = (m: WorkerMessage) => parentPort!.postMessage(m);

let sent = -1;
let sentAt = 0;
function progress(fraction: number): void {
  if (!Number.isFinite(fraction)) return;
  const f = Math.min(1, Math.max(0, fraction));
  const now = Date.now();
  // At most one message per 1 % step or 100 ms, however often the engine reports.
  if (f - sent < 0.01 && now - sentAt < 100) return;
  sent = f;
  sentAt = now;
  post({ type: 'progress', fraction: f });
}

try {
  const engine = (await import(input.module)) as EngineModule;
  if (typeof engine.runExperiment !== 'function') throw new Error(`${input.module} exports no runExperiment`);
  let result: unknown;
  if (input.trace === undefined) result = await engine.runExperiment(input.site, input.recorded, input.scenario as never, { progress });
  else if (typeof engine.traceReplication === 'function') result = engine.traceReplication(input.site, input.recorded, input.scenario as never, input.trace);
  else throw Object.assign(new Error(`${input.module} exports no traceReplication`), { code: 'FL_EXPERIMENTS_UNAVAILABLE' });
  post({ type: 'done', result });
} catch (err) {
  const e = err as { code?: unknown; message?: unknown };
  const coded = typeof e?.code === 'string' && e.code.startsWith('FL_');
  post({ type: 'failed', code: coded ? (e.code as string) : undefined, message: typeof e?.message === 'string' ? e.message : String(err) });
}
