// A worker's entry: tsx's loader first, then the worker's TypeScript module. Node 20 does not
// hand a thread the loader its parent registered, and `execArgv: ['--import', 'tsx']` loads
// it too late for the entry itself; this way it works under the tsx CLI, bin/fieldlab.js,
// `node --import tsx` and vitest alike.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
