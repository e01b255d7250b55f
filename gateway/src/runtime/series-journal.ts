// The production series journal: one JSON line per change to a series. Lines are gathered
// while a message is handled and written together by `flush`, which the gateway calls where
// it commits the spool (before the message is acknowledged), so a killed gateway keeps them;
// the OS takes them to disk. Read back when the gateway starts, then compacted to one line per
// series kept.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JournalEntry, SeriesJournalWriter } from '../state/site-production.ts';
import { takePidLock } from './pid-lock.ts';
import { parseJournalLine } from './series-journal-schema.ts';

export interface JournalReport {
  failed(err: Error): void;
  recovered(): void;
}

export interface JournalContents {
  readonly entries: JournalEntry[];
  /** Lines that are not entries: a last line cut off by a crash, or a file edited by hand. */
  readonly unreadable: number;
}

export class SeriesJournal implements SeriesJournalWriter {
  private fd: number;
  appended = 0;
  private pending = '';
  private failing = false;

  private constructor(
    readonly file: string,
    private readonly unlock: () => void,
    /** A write that failed (disk full) and the first that worked again: the series go on in memory meanwhile. */
    private readonly report: JournalReport,
  ) {
    this.fd = openSync(file, 'a');
  }

  /** Locks the journal for this gateway and reads what it holds. */
  static open(file: string, report: JournalReport): { journal: SeriesJournal; contents: JournalContents } {
    mkdirSync(dirname(file), { recursive: true });
    const unlock = takePidLock(`${file}.pid`);
    const contents = existsSync(file) ? parse(readFileSync(file, 'utf8')) : { entries: [], unreadable: 0 };
    return { journal: new SeriesJournal(file, unlock, report), contents };
  }

  append(entry: JournalEntry): void {
    this.appended++;
    this.pending += `${JSON.stringify(entry)}\n`;
  }

  /** Writes what was appended since the last flush: one write however many entries. */
  flush(): void {
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    this.guard(() => writeSync(this.fd, text));
  }

  /** Replaces the journal by `entries`: written beside it, then renamed over it, so a crash leaves one or the other. */
  rewrite(entries: readonly JournalEntry[]): void {
    this.appended = 0;
    this.pending = ''; // the entries are the whole state, the pending lines included
    this.guard(() => {
      const tmp = `${this.file}.tmp`;
      const fd = openSync(tmp, 'w');
      try {
        writeSync(fd, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
      closeSync(this.fd);
      this.fd = openSync(this.file, 'a');
    });
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
    this.unlock();
  }

  private guard(write: () => void): void {
    try {
      write();
      if (this.failing) this.report.recovered();
      this.failing = false;
    } catch (err) {
      this.report.failed(err as Error);
      this.failing = true;
    }
  }
}

function parse(text: string): JournalContents {
  const entries: JournalEntry[] = [];
  let unreadable = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const entry = parseJournalLine(line);
    if (entry) entries.push(entry);
    else unreadable++;
  }
  return { entries, unreadable };
}
