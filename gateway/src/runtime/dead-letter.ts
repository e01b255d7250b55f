// Writes that the database refuses for good (a field-type conflict, a line it cannot parse)
// must neither block the queue behind them nor be retried forever. The refused batch is
// halved until the offending lines are found; those go to a dead-letter file with the
// reason, everything else is written. InfluxDB 1.x may already have stored the good lines
// of a refused batch ("partial write"); writing them again overwrites them with themselves.
import { appendFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { SinkWriteError } from '../core/sink.ts';

export interface DeadLetter {
  readonly at: string;
  readonly sink: string;
  readonly status: number | undefined;
  readonly reason: string;
  readonly line: string;
}

/** JSON Lines, one refused point per line; bounded so that a flood of refusals cannot fill the disk. */
export class DeadLetterFile {
  private size: number;
  /** Refused points that did not fit in the file any more (still counted as dropped). */
  overflowed = 0;

  constructor(
    readonly file: string,
    private readonly maxBytes: number,
  ) {
    mkdirSync(dirname(file), { recursive: true });
    try {
      this.size = statSync(file).size;
    } catch {
      this.size = 0;
    }
  }

  /** Returns false when the file is at its bound and the line was not kept. */
  add(sink: string, error: SinkWriteError, line: string): boolean {
    const entry: DeadLetter = { at: new Date().toISOString(), sink, status: error.status, reason: error.message, line };
    const text = `${JSON.stringify(entry)}\n`;
    if (this.size + text.length > this.maxBytes) {
      this.overflowed++;
      return false;
    }
    appendFileSync(this.file, text);
    this.size += Buffer.byteLength(text);
    return true;
  }
}

/**
 * Writes `body` (newline-terminated lines). A refusal that is not retryable splits the body
 * in two and writes each half, down to single lines, which are handed to `refused`.
 * Retryable errors are thrown: the caller retries the whole body later, which is safe
 * because writes are idempotent. Returns the number of refused lines.
 */
export async function writeSplittingRefusals(
  write: (body: Buffer) => Promise<void>,
  body: Buffer,
  refused: (line: string, error: SinkWriteError) => void,
): Promise<number> {
  try {
    await write(body);
    return 0;
  } catch (err) {
    if (!(err instanceof SinkWriteError) || err.retryable) throw err;
    const middle = splitPoint(body);
    if (middle === undefined) {
      refused(body.toString('utf8').replace(/\n$/, ''), err);
      return 1;
    }
    const first = await writeSplittingRefusals(write, body.subarray(0, middle), refused);
    return first + (await writeSplittingRefusals(write, body.subarray(middle), refused));
  }
}

/** The end of the line nearest the middle, or undefined for a single line. */
function splitPoint(body: Buffer): number | undefined {
  const half = body.length >> 1;
  const after = body.indexOf(0x0a, half);
  if (after >= 0 && after + 1 < body.length) return after + 1;
  const before = body.lastIndexOf(0x0a, half - 1);
  return before >= 0 ? before + 1 : undefined;
}
