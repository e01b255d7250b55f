// Profile JSON paths (`print.nozzle_temper`, `hms[0].code`, `$`) compiled once into
// key lists, so the hot path walks plain property lookups.

export type CompiledPath = readonly (string | number)[];

export function compilePath(path: string): CompiledPath {
  if (path === '$') return [];
  const keys: (string | number)[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) throw new Error(`invalid JSON path "${path}"`);
    keys.push(m[1]!);
    for (const index of m[2]!.matchAll(/\[(\d+)\]/g)) keys.push(Number(index[1]));
  }
  return keys;
}

/** The value at `path`, or undefined where any step is missing. Never throws. */
export function readPath(root: unknown, path: CompiledPath): unknown {
  let node = root;
  for (let i = 0; i < path.length; i++) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[path[i]!];
  }
  return node;
}

/** Sets `value` at `path`, creating objects on the way (the simulators build payloads with it). */
export function writePath(root: Record<string, unknown>, path: CompiledPath, value: unknown): void {
  let node: Record<string | number, unknown> = root;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    let next = node[key];
    if (next === null || typeof next !== 'object') {
      next = typeof path[i + 1] === 'number' ? [] : {};
      node[key] = next;
    }
    node = next as Record<string | number, unknown>;
  }
  node[path[path.length - 1]!] = value;
}
