// The alarm list a gateway starts with: what was listed when it last stopped (or was killed),
// read back from the alarm events it stored, so a restart forgets no alarm that is still
// active or waits to be acknowledged. Read once the sink holds everything stored before this
// start (an earlier run's spool written), retried while InfluxDB does not answer; a database
// that never answers leaves the list to live data, and the gateway runs on regardless.
import type { Logger } from 'pino';
import type { StoredAlarmEvent } from '../state/alarm-restore.ts';
import type { ShopFloor } from '../state/shop-floor.ts';
import { reasonOf } from '../history/influxql.ts';
import type { AlarmEventReader } from './alarm-events.ts';
import { startWithRetry } from './start-with-retry.ts';

export interface AlarmRestoreSetup {
  readonly floor: Pick<ShopFloor, 'restoreAlarms'>;
  readonly read: AlarmEventReader;
  /** The gateway's clock at its start: every event before it is from an earlier run. */
  readonly before: number;
  /** Settles once the sink holds what an earlier run left in the spool. */
  readonly stored: Promise<void>;
  readonly log: Logger;
  /** The gateway stops: no more tries, nothing restored after. */
  readonly signal: AbortSignal;
  /** The first wait after a failed read (doubling up to 30 s); default 1 s. */
  readonly retryInitialMs?: number;
}

export interface AlarmRestore {
  /** Settles after the first read (answered or not), or when there will be none. */
  readonly firstTry: Promise<void>;
  /** Settles once restored, given up on, or stopped. */
  readonly done: Promise<void>;
}

export function restoreAlarms(setup: AlarmRestoreSetup): AlarmRestore {
  const { log, signal } = setup;
  let tried = () => {};
  const firstTry = new Promise<void>((resolve) => (tried = resolve));
  const done = (async () => {
    if (!(await settledUnlessAborted(setup.stored, signal))) return;
    let events: readonly StoredAlarmEvent[] = [];
    let failures = 0;
    const read = await startWithRetry(
      async () => {
        try {
          events = await setup.read(setup.before, signal);
        } finally {
          tried();
        }
      },
      {
        signal,
        initialMs: setup.retryInitialMs ?? 1000,
        maxMs: 30_000,
        // Once at warn: the sink says the same about InfluxDB on every failed write.
        failed: (err, retryInMs) => log[failures++ === 0 ? 'warn' : 'debug']({ retryInMs }, `alarms: the list from before the start is not read yet (${reasonOf(err)}); trying again in ${retryInMs} ms`),
      },
    );
    if (!read || signal.aborted) return;
    const { restored, skipped } = setup.floor.restoreAlarms(events);
    if (skipped.length > 0) log.warn({ skipped: skipped.slice(0, 20) }, `alarms: ${skipped.length} stored event(s) not restored (${skipped[0]}${skipped.length > 1 ? ', …' : ''})`);
    if (restored.length > 0) {
      const what = restored.map((a) => `${a.device}/${a.alarm} raised ${new Date(a.raisedAt).toISOString()}${a.clearedAt === undefined ? '' : ', cleared'}`);
      log.info({ alarms: restored.length }, `alarms: ${restored.length} still listed from before the start (active or not acknowledged): ${what.join('; ')}`);
    }
  })()
    .catch((err: unknown) => log.warn({ err }, `alarms: the list from before the start could not be restored (${reasonOf(err)}); live alarms only`))
    .finally(tried);
  return { firstTry, done };
}

/** True once `p` settled, false if the signal aborted first. */
function settledUnlessAborted(p: Promise<void>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const abort = () => resolve(false);
    signal.addEventListener('abort', abort, { once: true });
    p.then(
      () => {
        signal.removeEventListener('abort', abort);
        resolve(!signal.aborted);
      },
      () => resolve(false),
    );
  });
}
