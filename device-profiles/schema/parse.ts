// Pure validation of profile and site text: YAML → schema → frozen typed data, or a
// ConfigError listing every problem as `file:line:col path: what was expected`.
import { LineCounter, parseDocument, isMap, isPair, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from './config-error.ts';

type PathKey = string | number;

/** Parses YAML `text` (named `file` in errors) and validates it against `schema`. */
export function parseYaml<S extends z.ZodType>(schema: S, text: string, file: string): z.output<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { path: '', message: `invalid YAML: ${e.message.split('\n')[0]}`, line: pos?.line, col: pos?.col };
      }),
    );
  }
  const result = schema.safeParse(doc.toJS());
  if (!result.success) {
    throw new ConfigError(
      file,
      result.error.issues.map((issue) => problemAt(doc, lineCounter, issue.path as PathKey[], describe(issue))),
    );
  }
  return deepFreeze(result.data);
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  if (issue.code === 'invalid_value') {
    return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return issue.message;
}

function problemAt(doc: Document, lc: LineCounter, path: PathKey[], message: string): ConfigProblem {
  // An unknown key is reported at the key itself; otherwise at the deepest node that exists.
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) {
      const pos = lc.linePos(node.range[0]);
      return { path: formatPath(path), message, line: pos.line, col: pos.col };
    }
    if (depth > 0) {
      const parent = doc.getIn(path.slice(0, depth - 1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isPair(p) && (p.key as { value?: unknown })?.value === path[depth - 1]);
        const keyNode = pair?.key as { range?: [number, number, number] } | undefined;
        if (keyNode?.range) {
          const pos = lc.linePos(keyNode.range[0]);
          return { path: formatPath(path), message, line: pos.line, col: pos.col };
        }
      }
    }
  }
  return { path: formatPath(path), message };
}

export function formatPath(path: readonly PathKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${key}` : key), '');
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
