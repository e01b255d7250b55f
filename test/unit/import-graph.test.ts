// The gateway's module graph has no cycle, and its layers only depend downwards: a change
// that brings a cycle or an upward import back fails here, with the path that closes it.
// Imports are read with the TypeScript compiler's own pre-processor (static, type-only and
// dynamic imports alike).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const GATEWAY = join(ROOT, 'gateway', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Module → the project modules it imports (relative specifiers only; packages are leaves). */
function importGraph(roots: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const queue = roots.flatMap(files);
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (graph.has(file)) continue;
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const deps = info.importedFiles.map((f) => f.fileName).filter((s) => s.startsWith('.')).map((s) => resolve(dirname(file), s));
    graph.set(file, deps);
    queue.push(...deps.filter((d) => !graph.has(d)));
  }
  return graph;
}

/** Every cycle's path, found by a depth-first walk (each reported once, from its first module met). */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

const rel = (f: string) => relative(ROOT, f);
const graph = importGraph([GATEWAY]);

/** Which gateway folders a layer may not import from. */
const FORBIDDEN: Record<string, readonly string[]> = {
  core: ['state', 'runtime', 'http', 'sinks', 'sources', 'normalize', 'experiments', 'cli'],
  normalize: ['state', 'runtime', 'http', 'sinks', 'sources', 'cli'],
  state: ['runtime', 'http', 'sinks', 'sources', 'cli'],
  http: ['runtime', 'state', 'sinks', 'sources', 'normalize', 'history', 'experiments', 'cli'],
  sinks: ['runtime', 'http', 'state', 'sources', 'cli'],
  sources: ['runtime', 'http', 'state', 'sinks', 'cli'],
  history: ['runtime', 'http', 'sinks', 'sources', 'experiments', 'cli'],
  // Experiments read InfluxDB (history's escaping) and run an engine; the runtime assembles them.
  experiments: ['runtime', 'http', 'state', 'sinks', 'sources', 'normalize', 'cli'],
  runtime: ['cli'],
};

describe('import graph', () => {
  it('reads the gateway and what it imports', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get(join(GATEWAY, 'runtime', 'gateway.ts'))).toContain(join(GATEWAY, 'http', 'server.ts'));
    // A dynamic import (the OPC UA stack, loaded only for sites that use it) is an edge too.
    expect(graph.get(join(GATEWAY, 'sources', 'opcua', 'opcua-kind.ts'))).toContain(join(GATEWAY, 'sources', 'opcua', 'opcua-source.ts'));
  });

  it('has no cycle', () => {
    expect(cycles(graph).map((c) => c.map(rel).join(' → '))).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself)', () => {
    const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
    expect(cycles(g)).toEqual([['a', 'b', 'c', 'a']]);
  });

  it('keeps each layer off the layers above it', () => {
    const upward: string[] = [];
    for (const [file, deps] of graph) {
      if (!file.startsWith(GATEWAY)) continue;
      const layer = relative(GATEWAY, file).split('/')[0]!;
      for (const dep of deps) {
        if (!dep.startsWith(GATEWAY)) continue;
        const target = relative(GATEWAY, dep).split('/')[0]!;
        if (FORBIDDEN[layer]?.includes(target)) upward.push(`${rel(file)} → ${rel(dep)}`);
      }
    }
    expect(upward).toEqual([]);
  });
});
