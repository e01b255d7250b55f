// Production series survive a gateway restart: the journal written by one SiteProduction is
// read by the next, which goes on counting (real files; the machine-state clocks are handed in).
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { SeriesJournal } from '../../gateway/src/runtime/series-journal.ts';
import { FolderLockedError } from '../../gateway/src/runtime/pid-lock.ts';
import { SiteProduction } from '../../gateway/src/state/site-production.ts';
import { tempDir } from '../support/services.ts';

const S = 1000;
const T0 = Date.UTC(2026, 10, 30, 8);
const site = loadSite();
const device = (id: string) => site.devices.find((d) => d.id === id)!;

/** One gateway's production state on `file`: producing time per device from `producing` (its own machine-state clock). */
function open(file: string, producing: Map<string, number>, at: number, keepStopped?: number) {
  const production = new SiteProduction(site, (d) => producing.get(d) ?? 0, keepStopped);
  const errors: Error[] = [];
  const { journal, contents } = SeriesJournal.open(file, { failed: (e) => errors.push(e), recovered: () => {} });
  const problems = production.restore(contents.entries, at);
  production.attach(journal, at);
  return { production, journal, contents, problems, errors };
}

describe('series journal', () => {
  const dirs: { remove(): void }[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));
  const journalFile = () => {
    const dir = tempDir('journal');
    dirs.push(dir);
    return join(dir.path, 'production-series.jsonl');
  };

  it('a restarted gateway goes on with the running series: counts, cycle times, planned stop and run times', () => {
    const file = journalFile();
    const producing = new Map<string, number>();
    const a = open(file, producing, T0);
    const { summary } = a.production.start({ product: 'Housing', target: 10, line: 'streetlight' }, T0);
    a.production.observe(device('robot-01'), { cycle_count: 10 }, { cycle_count: 13 }, T0 + 60 * S);
    a.production.observe(device('inspection-01'), { inspected: 0, failed: 0 }, { inspected: 3, failed: 1 }, T0 + 90 * S);
    a.production.observe(device('robot-02'), { cycle_count: 5 }, { cycle_count: 6 }, T0 + 100 * S);
    a.production.observe(device('robot-02'), { cycle_count: 6 }, { cycle_count: 7 }, T0 + 120 * S);
    producing.set('robot-01', 120 * S);
    a.production.pause(summary.id, 'Break', T0 + 150 * S);
    const before = a.production.get(summary.id, T0 + 200 * S)!;
    // The process is gone (killed: nothing but the lock is given back); the next one's clocks start at 0.
    a.journal.close();
    appendFileSync(file, '{"e":"part","id":"'); // a line cut off by the kill

    producing.clear();
    const b = open(file, producing, T0 + 200 * S);
    expect(b.contents.unreadable).toBe(1);
    expect(b.problems).toEqual([]);
    expect(b.production.get(summary.id, T0 + 200 * S)).toEqual(before);
    expect(before).toMatchObject({ good: 2, scrap: 1, total: 3, plannedSeconds: 150, plannedStop: { reason: 'Break', since: T0 + 150 * S } });
    expect(before.machines.find((m) => m.device === 'robot-01')).toMatchObject({ produced: 3, runSeconds: 120 });

    b.production.resume(summary.id, T0 + 300 * S);
    producing.set('robot-01', 30 * S);
    // This process's device state starts empty: the robot's counter is judged against its last value before the restart.
    b.production.observe(device('robot-01'), {}, { cycle_count: 15 }, T0 + 310 * S);
    b.production.observe(device('robot-01'), { cycle_count: 15 }, { cycle_count: 16 }, T0 + 320 * S);
    b.production.observe(device('robot-02'), {}, { cycle_count: 8 }, T0 + 330 * S);
    const after = b.production.stop(summary.id, T0 + 330 * S).summary;
    // Planned: 330 s less the 150 s break; robot-01 ran 120 s before and 30 s after the restart.
    expect(after).toMatchObject({ good: 3, plannedSeconds: 180, plannedStopSeconds: 150, stoppedAt: T0 + 330 * S });
    expect(after.machines.find((m) => m.device === 'robot-01')).toMatchObject({ produced: 6, runSeconds: 150 });
    // Packing's cycles: 100→120 (20 s); 120→330 spans the break.
    expect(after.stations.find((s) => s.id === 'packing')!.cycleSeconds).toMatchObject({ n: 1, mean: 20 });
    b.journal.close();

    // Stopped series are listed after the next restart too, unchanged.
    const c = open(file, new Map(), T0 + 999 * S);
    expect(c.production.list(T0 + 999 * S)).toEqual([after]);
    expect(c.production.running(T0 + 999 * S)).toEqual([]);
    c.journal.close();
  });

  it('keeps the running series and the newest stopped ones; compacts the journal on start', () => {
    const file = journalFile();
    const a = open(file, new Map(), T0, 2);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { summary } = a.production.start({ product: `P${i}`, target: 5, line: 'streetlight' }, T0 + i * 60 * S);
      ids.push(summary.id);
      a.production.observe(device('robot-02'), { cycle_count: i }, { cycle_count: i + 1 }, T0 + i * 60 * S + S);
      if (i < 3) a.production.stop(summary.id, T0 + i * 60 * S + 30 * S);
    }
    expect(a.production.list(T0 + 300 * S).map((s) => s.id)).toEqual([ids[3], ids[2], ids[1]]);
    a.journal.close();
    const b = open(file, new Map(), T0 + 300 * S, 2);
    expect(b.production.list(T0 + 300 * S).map((s) => [s.id, s.good])).toEqual([[ids[3], 1], [ids[2], 1], [ids[1], 1]]);
    // One line per series kept after the rewrite.
    expect(readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).e)).toEqual(['seen', 'series', 'series', 'series']);
    // One gateway per journal.
    expect(() => SeriesJournal.open(file, { failed: () => {}, recovered: () => {} })).toThrow(FolderLockedError);
    b.journal.close();
  });

  it('a series whose line is gone from the site is reported, not restored', () => {
    const file = journalFile();
    const a = open(file, new Map(), T0);
    a.production.start({ product: 'Housing', target: 10, line: 'streetlight' }, T0);
    a.journal.close();
    const text = readFileSync(file, 'utf8').replaceAll('"line":"streetlight"', '"line":"old-line"');
    appendFileSync(`${file}.edited`, text);
    const b = open(`${file}.edited`, new Map(), T0 + S);
    expect(b.problems).toEqual([expect.stringMatching(/no line "old-line"/)]);
    expect(b.production.list(T0 + S)).toEqual([]);
    b.journal.close();
  });

  it('a write that fails is reported, and so is the first that works again; nothing else stops', () => {
    const file = journalFile();
    mkdirSync(`${file}.tmp`); // the compaction's temporary file cannot be made
    const reports: string[] = [];
    const { journal } = SeriesJournal.open(file, { failed: (e) => reports.push(`failed: ${(e as NodeJS.ErrnoException).code}`), recovered: () => reports.push('recovered') });
    const production = new SiteProduction(site, () => 0);
    production.attach(journal, T0);
    expect(reports).toEqual(['failed: EISDIR']);
    const { summary } = production.start({ product: 'Housing', target: 10, line: 'streetlight' }, T0);
    journal.flush();
    expect(reports).toEqual(['failed: EISDIR', 'recovered']);
    journal.close();
    const again = open(file, new Map(), T0 + S);
    expect(again.production.running(T0 + S).map((s) => s.id)).toEqual([summary.id]);
    again.journal.close();
  });

  it('reads only lines that are entries: JSON of the wrong shape is skipped and counted, the rest restored', () => {
    const file = journalFile();
    const producing = new Map<string, number>();
    const a = open(file, producing, T0);
    const { summary } = a.production.start({ product: 'Housing', target: 10, line: 'streetlight' }, T0);
    a.production.observe(device('robot-02'), { cycle_count: 5 }, { cycle_count: 6 }, T0 + 10 * S);
    a.journal.close();
    // Hand edits and another version's lines: a part without its counts, a stop at a time that is text, an unknown kind.
    appendFileSync(file, `{"e":"part","id":"${summary.id}","device":"robot-02","at":1}\n{"e":"stop","id":"${summary.id}","at":"soon","runMs":{}}\n{"e":"explode"}\n[1,2]\n`);

    const b = open(file, producing, T0 + 20 * S);
    expect(b.contents.unreadable).toBe(4);
    expect(b.contents.entries.map((e) => e.e)).toEqual(['series', 'seen', 'part']);
    expect(b.production.get(summary.id, T0 + 20 * S)).toMatchObject({ stoppedAt: null, good: 1 });
    b.journal.close();
  });

});
