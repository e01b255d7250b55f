// The disk spool: an append-only log of encoded points in LMDB (lmdb-js), between the
// normaliser and a sink. Every point is appended before its message is acknowledged to
// its source, and removed only once the sink confirmed it, so a crash of the gateway
// (kill -9) loses nothing that was acknowledged: on the next start the spool is replayed.
//
// Keys are numbers, strictly increasing, built from the time of the append (ms × 4096 +
// a counter), so the age of the oldest unsent entry is read from its key, also after a
// restart. A value is the line-protocol bytes of one message's points.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { FieldlabError } from '../core/errors.ts';
import { FolderLockedError, takePidLock } from './pid-lock.ts';

/** lmdb-js: commit before returning (so the data is in the file and survives a process crash), flush to disk in the background. */
const COMMIT_NO_FLUSH = 0x2 | 0x10000;
const PER_MS = 4096;

export interface SpoolEntryRange {
  /** First and last key, inclusive. */
  readonly from: number;
  readonly to: number;
  /** Every key in the range: removing known keys costs half of finding them again. */
  readonly keys: readonly number[];
  readonly points: number;
  readonly bytes: number;
}

export class SpoolLockedError extends FieldlabError<'FL_SPOOL_LOCKED'> {
  constructor(dir: string, pid: number) {
    super('FL_SPOOL_LOCKED', { dir, pid });
    this.name = 'SpoolLockedError';
  }
}

export class Spool {
  private lastKey = 0;
  private totalBytes = 0;
  private totalPoints = 0;
  private closed = false;

  private constructor(
    readonly dir: string,
    private readonly root: RootDatabase,
    private readonly db: Database<Buffer, number>,
    private readonly unlock: () => void,
  ) {}

  /** Opens (or creates) the spool in `dir`. One gateway process per folder: a second one is refused. */
  static open(dir: string): Spool {
    mkdirSync(dir, { recursive: true });
    let unlock: () => void;
    try {
      unlock = takePidLock(join(dir, 'gateway.pid'));
    } catch (err) {
      throw err instanceof FolderLockedError ? new SpoolLockedError(dir, err.pid) : err;
    }
    const root = open({ path: join(dir, 'points.lmdb'), encoding: 'binary', compression: false });
    return new Spool(dir, root, root as unknown as Database<Buffer, number>, unlock);
  }

  /**
   * What an earlier run left unsent, in key order, grouped into ranges of at most
   * `pointsPerRange` points. Called once, before the first append.
   */
  recover(pointsPerRange: number): SpoolEntryRange[] {
    const ranges: SpoolEntryRange[] = [];
    let keys: number[] = [];
    let points = 0;
    let bytes = 0;
    const close = () => ranges.push({ from: keys[0]!, to: keys[keys.length - 1]!, keys, points, bytes });
    for (const { key, value } of this.db.getRange({})) {
      const n = countLines(value);
      if (keys.length > 0 && points + n > pointsPerRange) {
        close();
        keys = [];
        points = 0;
        bytes = 0;
      }
      keys.push(key);
      points += n;
      bytes += value.length;
      this.lastKey = key;
    }
    if (keys.length > 0) close();
    for (const r of ranges) {
      this.totalBytes += r.bytes;
      this.totalPoints += r.points;
    }
    return ranges;
  }

  /**
   * Appends one message's points. Synchronous: when it returns, the bytes are committed to
   * the file (they survive the process being killed; the flush to the disk itself follows
   * within milliseconds, so a power cut can lose the last moments). Returns the key.
   */
  append(bytes: Buffer, points: number): number {
    const key = Math.max(this.lastKey + 1, Date.now() * PER_MS);
    this.db.transactionSync(() => this.db.put(key, bytes), COMMIT_NO_FLUSH);
    this.lastKey = key;
    this.totalBytes += bytes.length;
    this.totalPoints += points;
    return key;
  }

  /** The bytes of all entries from `from` to `to` inclusive, in order, as one buffer. */
  read(from: number, to: number): Buffer {
    const parts: Buffer[] = [];
    for (const { value } of this.db.getRange({ start: from, end: to, inclusiveEnd: true })) parts.push(value);
    return Buffer.concat(parts);
  }

  /** Forgets entries the sink confirmed (or that were given up on and counted). */
  remove(range: SpoolEntryRange): void {
    if (this.closed) return;
    this.db.transactionSync(() => {
      for (let i = 0; i < range.keys.length; i++) this.db.remove(range.keys[i]!);
    }, COMMIT_NO_FLUSH);
    this.totalBytes = Math.max(0, this.totalBytes - range.bytes);
    this.totalPoints = Math.max(0, this.totalPoints - range.points);
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get points(): number {
    return this.totalPoints;
  }

  /** When an entry was appended, from its key. */
  static appendedAt(key: number): number {
    return Math.floor(key / PER_MS);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.root.flushed;
    await this.root.close();
    this.unlock();
  }
}

const NEWLINE = 0x0a;
const SPACE = 0x20;
const QUOTE = 0x22;
const EQUALS = 0x3d;
const BACKSLASH = 0x5c;

/**
 * The first and last timestamp (ms) of the points in spooled bytes, or undefined if none.
 * Read as our line protocol writes a point, `key fields time\n`: escapes in the key and
 * field names, and string fields that may hold spaces, newlines and escaped quotes.
 */
export function spooledTimeSpan(buf: Buffer): { from: number; to: number } | undefined {
  let from = Infinity;
  let to = -Infinity;
  let part: 'key' | 'fields' | 'time' | 'skip' = 'key';
  let quoted = false;
  let afterEquals = false;
  let time = 0;
  let digits = 0;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (part === 'time') {
      if (c >= 0x30 && c <= 0x39) {
        time = time * 10 + (c - 0x30);
        digits++;
      } else if (c === NEWLINE) {
        if (digits > 0) {
          if (time < from) from = time;
          if (time > to) to = time;
        }
        part = 'key';
      } else part = 'skip';
    } else if (part === 'fields' && quoted) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) quoted = false;
    } else if (c === NEWLINE) {
      part = 'key'; // a line without its time, or one skipped: not counted
    } else if (part === 'key') {
      if (c === BACKSLASH) i++;
      else if (c === SPACE) {
        part = 'fields';
        afterEquals = false;
      }
    } else if (part === 'fields') {
      if (c === BACKSLASH) {
        i++;
        afterEquals = false;
      } else if (c === QUOTE && afterEquals) quoted = true;
      else if (c === SPACE) {
        part = 'time';
        time = 0;
        digits = 0;
      } else afterEquals = c === EQUALS;
    }
  }
  return from <= to ? { from, to } : undefined;
}

function countLines(buf: Buffer): number {
  let n = 0;
  let at = buf.indexOf(0x0a);
  while (at >= 0) {
    n++;
    at = buf.indexOf(0x0a, at + 1);
  }
  return n;
}
