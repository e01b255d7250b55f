// The series journal's lines as a schema: a line is trusted only once it parses, so a file
// edited by hand or written by another version cannot hand restore a wrong shape. Unknown
// keys are dropped rather than refused, so a journal written by a newer gateway still reads.
import { z } from 'zod';
import type { JournalEntry } from '../state/site-production.ts';

const time = z.number().finite();
const count = z.number().int().nonnegative();
const runMs = z.record(z.string(), z.number().nonnegative().nullable());
const value = z.union([z.number(), z.boolean(), z.string()]);

const SeriesRecordSchema = z.object({
  spec: z.object({
    id: z.string().min(1),
    product: z.string(),
    target: z.number().int().positive(),
    line: z.string().min(1),
    idealCycleSeconds: z.number().positive().optional(),
  }),
  startedAt: time,
  stoppedAt: time.nullable(),
  plannedStops: z.array(z.object({ from: time, to: time.nullable(), reason: z.string() })),
  devices: z.record(z.string(), z.object({ produced: count, scrap: count })),
  partTimes: z.record(z.string(), z.array(time)),
  runMs,
});

export const JournalEntrySchema = z.discriminatedUnion('e', [
  z.object({ e: z.literal('series'), record: SeriesRecordSchema }),
  z.object({ e: z.literal('seen'), device: z.string().min(1), values: z.record(z.string(), value) }),
  z.object({ e: z.literal('part'), id: z.string().min(1), device: z.string().min(1), produced: count, scrap: count, at: time, runMs }),
  z.object({ e: z.literal('pause'), id: z.string().min(1), at: time, reason: z.string(), runMs }),
  z.object({ e: z.literal('resume'), id: z.string().min(1), at: time }),
  z.object({ e: z.literal('stop'), id: z.string().min(1), at: time, runMs }),
  z.object({ e: z.literal('run'), id: z.string().min(1), at: time, runMs }),
]);

/** One line, or undefined when it is not an entry (a line cut off by a crash, a hand edit). */
export function parseJournalLine(line: string): JournalEntry | undefined {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return undefined;
  }
  const parsed = JournalEntrySchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
