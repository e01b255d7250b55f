import { describe, expect, it } from 'vitest';
import { startWithRetry } from '../../gateway/src/runtime/start-with-retry.ts';
import { sleep } from '../support/services.ts';

describe('a sink start retried in the background', () => {
  it('retries with growing waits until the start works', async () => {
    let calls = 0;
    const waits: number[] = [];
    const started = await startWithRetry(
      async () => {
        if (++calls < 4) throw new Error('connection refused');
      },
      { initialMs: 5, maxMs: 15, signal: new AbortController().signal, failed: (_err, ms) => waits.push(ms) },
    );
    expect(started).toBe(true);
    expect(calls).toBe(4);
    expect(waits).toEqual([5, 10, 15]);
  });

  it('stops retrying when the gateway stops, even in the middle of a wait', async () => {
    let calls = 0;
    const stopping = new AbortController();
    const done = startWithRetry(
      async () => {
        calls++;
        throw new Error('connection refused');
      },
      { initialMs: 20, maxMs: 20, signal: stopping.signal, failed: () => {} },
    );
    await sleep(50);
    stopping.abort();
    expect(await done).toBe(false);
    const after = calls;
    await sleep(100);
    expect(calls).toBe(after);
  });
});
