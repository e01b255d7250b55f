// A sink that is down at start must not keep live data from flowing: its points wait in
// its runner while its start is retried in the background, until it works or the gateway
// stops (the signal), whichever comes first.
export interface RetryOptions {
  readonly initialMs?: number;
  readonly maxMs?: number;
  readonly signal: AbortSignal;
  /** Each failure, with the wait before the next try. */
  readonly failed: (err: Error, retryInMs: number) => void;
}

/** Resolves true once `start` succeeded, false when the signal stopped the retries first. */
export async function startWithRetry(start: () => Promise<void>, options: RetryOptions): Promise<boolean> {
  let delayMs = options.initialMs ?? 1000;
  while (!options.signal.aborted) {
    try {
      await start();
      return true;
    } catch (err) {
      if (options.signal.aborted) return false;
      options.failed(err instanceof Error ? err : new Error(String(err)), delayMs);
      await abortableSleep(delayMs, options.signal);
      delayMs = Math.min(delayMs * 2, options.maxMs ?? 30_000);
    }
  }
  return false;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
