// The series journal's cost per part: SiteProduction counting a robot's cycles during a
// running series with its journal (one line appended per counter step and part) against the
// same without one, alternating rounds in one process.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { SeriesJournal } from '../../gateway/src/runtime/series-journal.ts';
import { SiteProduction } from '../../gateway/src/state/site-production.ts';
import { tempDir } from '../../test/support/services.ts';

export interface JournalResult {
  readonly parts: number;
  readonly rounds: number;
  /** µs per part, median over rounds. */
  readonly withJournal: number;
  readonly without: number;
  readonly ratio: number;
  /** The journal's size at the end of a round (it compacts itself every 20,000 entries). */
  readonly journalBytes: number;
}

export function benchJournal(parts = 50_000, rounds = 5): JournalResult {
  const site = loadSite();
  const robot = site.devices.find((d) => d.id === 'robot-01')!;
  const dir = tempDir('bench-journal');
  const times = { with: [] as number[], without: [] as number[] };
  let journalBytes = 0;
  try {
    for (let round = 0; round < rounds * 2; round++) {
      const journalled = round % 2 === 0;
      const production = new SiteProduction(site, () => 0);
      let journal: SeriesJournal | undefined;
      if (journalled) {
        const fail = (e: Error) => {
          throw e;
        };
        journal = SeriesJournal.open(join(dir.path, `round-${round}.jsonl`), { failed: fail, recovered: () => {} }).journal;
        production.attach(journal, 0);
      }
      production.start({ product: 'Bench', target: parts, line: 'streetlight' }, 0);
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < parts; i++) {
        production.observe(robot, { cycle_count: i }, { cycle_count: i + 1 }, i);
        journal?.flush(); // as the gateway does once per message
      }
      const us = Number(process.hrtime.bigint() - t0) / 1000 / parts;
      (journalled ? times.with : times.without).push(us);
      if (journal) {
        journalBytes = statSync(journal.file).size;
        journal.close();
      }
    }
  } finally {
    dir.remove();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const withJournal = median(times.with);
  const without = median(times.without);
  return { parts, rounds, withJournal, without, ratio: withJournal / without, journalBytes };
}
