import type { Telemetry } from '../core/telemetry.ts';
import type { SiteProduction } from '../state/site-production.ts';
import { SeriesJournal } from './series-journal.ts';

/**
 * Series running when the gateway last stopped (or was killed) go on: the journal is read
 * into `production` before any source delivers a part, then attached to record what follows.
 */
export function openSeriesJournal(production: SiteProduction, file: string, telemetry: Telemetry, now = Date.now()): SeriesJournal {
  const log = telemetry.log;
  const { journal, contents } = SeriesJournal.open(file, { failed: (err) => telemetry.journalFailed(file, err), recovered: () => telemetry.journalWritten() });
  for (const problem of production.restore(contents.entries, now)) log.warn({ file }, `series journal: ${problem}`);
  if (contents.unreadable > 0) log.warn({ file, lines: contents.unreadable }, `series journal: ${contents.unreadable} unreadable line(s) skipped`);
  production.attach(journal, now);
  const running = production.running(now);
  if (running.length) log.info({ file }, `series ${running.map((s) => `${s.id} (${s.product}, ${s.good} good so far)`).join(', ')} continued`);
  return journal;
}
