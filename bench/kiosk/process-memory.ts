// Resident memory of a process and everything it started (Chromium's renderer, GPU and
// utility processes), read from /proc: Linux only, which is where the kiosk bench runs.
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Sum of VmRSS, in bytes, over the children of `parent` whose command line matches `command`
 * and all their descendants (playwright-core's `launch` does not say its browser's pid, but
 * the browser is our child); 0 where /proc cannot be read.
 */
export function childTreesRssBytes(parent: number, command: RegExp): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
      const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
      const pid = Number(name);
      rss.set(pid, kb * 1024);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // The process ended while we looked: it holds no memory any more.
    }
  }
  let total = 0;
  const todo = (children.get(parent) ?? []).filter((pid) => {
    try {
      return command.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      return false;
    }
  });
  while (todo.length > 0) {
    const pid = todo.pop()!;
    total += rss.get(pid) ?? 0;
    todo.push(...(children.get(pid) ?? []));
  }
  return total;
}
