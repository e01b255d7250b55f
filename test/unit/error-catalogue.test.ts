// Every coded error of the product is a row of the catalogue, and the docs list every row:
// a code thrown somewhere but missing from the table (or the docs) fails here.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS, FieldlabError } from '../../gateway/src/core/errors.ts';
import { STATUS_OF_KIND } from '../../gateway/src/http/error-handler.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' || name === 'dist' ? [] : sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('error catalogue', () => {
  it('has a row for every FL_ code used in the product, and no row nothing uses', () => {
    const used = new Set<string>();
    for (const dir of ['gateway', 'simulators', 'device-profiles', 'twin-viewer']) {
      for (const file of sourceFiles(join(ROOT, dir))) {
        if (file.endsWith(join('core', 'errors.ts'))) continue;
        for (const m of readFileSync(file, 'utf8').matchAll(/\bFL_[A-Z_]+\b/g)) used.add(m[0]);
      }
    }
    expect([...used].filter((c) => !(c in ERRORS)).sort()).toEqual([]);
    expect(Object.keys(ERRORS).filter((c) => !used.has(c)).sort()).toEqual([]);
  });

  it('is listed in docs/errors.md, code by code, with its HTTP status', () => {
    const docs = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');
    for (const [code, row] of Object.entries(ERRORS)) {
      const line = docs.split('\n').find((l) => l.includes(`\`${code}\``));
      expect(line, `${code} in docs/errors.md`).toBeDefined();
      expect(line).toContain(`| ${row.kind} |`);
      expect(line).toContain(`| ${STATUS_OF_KIND[row.kind]} |`);
    }
  });

  it('formats the message from what the thrower supplies and carries the kind', () => {
    const err = new FieldlabError('FL_SERIES_ALREADY_RUNNING', { line: 'line-a', id: 's1', product: 'Housing' });
    expect(err.code).toBe('FL_SERIES_ALREADY_RUNNING');
    expect(err.kind).toBe('conflict');
    expect(err.message).toBe('series s1 (Housing) is running on line "line-a"; stop it first');
  });
});
