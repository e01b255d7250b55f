import type { z } from 'zod';
import { FieldlabError } from '../core/errors.ts';

/** A request body checked against its schema, or a FieldlabError (invalid) saying what was expected and what was wrong. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, expected: string): T {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  throw new FieldlabError('FL_BAD_REQUEST', { expected, problems: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
}
