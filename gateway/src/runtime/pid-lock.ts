// One gateway per folder: a pid file, taken over when the process that wrote it is gone
// (killed, crashed), refused while it lives.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { FieldlabError } from '../core/errors.ts';

/** Locks held by this process: a second lock of one file is a mistake, not a stale lock. */
const heldHere = new Set<string>();

export class FolderLockedError extends FieldlabError<'FL_FOLDER_LOCKED'> {
  constructor(
    readonly file: string,
    readonly pid: number,
  ) {
    super('FL_FOLDER_LOCKED', { file, pid });
    this.name = 'FolderLockedError';
  }
}

/** Takes the pid file `file`; returns the function that gives it back. Throws FolderLockedError while its owner lives. */
export function takePidLock(file: string): () => void {
  const key = resolve(file);
  if (heldHere.has(key)) throw new FolderLockedError(file, process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      heldHere.add(key);
      return () => {
        rmSync(file, { force: true });
        heldHere.delete(key);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(file, 'utf8').trim());
      // Our own pid here is a stale file from an earlier run (a container's pid 1 after a crash).
      if (pid > 0 && pid !== process.pid && alive(pid)) throw new FolderLockedError(file, pid);
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not take the lock ${file}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
