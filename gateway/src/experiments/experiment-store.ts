// Experiments on disk, so they and their results survive a restart: one JSON file per
// experiment in a folder of the gateway's own. Each write goes to a temporary file that is
// then renamed over the old one, so a crash leaves the old file or the new, never half of
// one; writes of one experiment are chained, so the last state written is the last state.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { RecordedLine } from '../../../simulators/src/experiments/recorded-line.ts';
import type { ExperimentSummary } from '../core/experiments.ts';

export interface StoredExperiment extends Omit<ExperimentSummary, 'name'> {
  readonly scenario: unknown;
  /** What the engine is given: kept, so a restart reruns an unfinished experiment on the same data. */
  readonly recorded: RecordedLine;
  readonly result: unknown;
}

const ID = /^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$/;
const iso = z.string().nullable();
const StoredSchema = z.looseObject({
  id: z.string().regex(ID),
  status: z.enum(['queued', 'running', 'done', 'failed', 'cancelled']),
  progress: z.number().min(0).max(1),
  line: z.string(),
  createdAt: z.string(),
  startedAt: iso,
  finishedAt: iso,
  calibration: z.strictObject({ from: z.number(), to: z.number(), series: z.string().nullable(), hash: z.string() }),
  error: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
  scenario: z.unknown(),
  recorded: z.looseObject({ line: z.string(), machines: z.array(z.unknown()) }),
  result: z.unknown(),
});

export const isExperimentId = (id: string): boolean => ID.test(id);

export class ExperimentStore {
  private readonly writes = new Map<string, Promise<void>>();

  constructor(readonly dir: string) {}

  /** Creates the folder if need be; every readable experiment; a file that does not parse is passed to `skip` and left where it is. */
  loadAll(skip: (file: string, why: string) => void): StoredExperiment[] {
    mkdirSync(this.dir, { recursive: true });
    const out: StoredExperiment[] = [];
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.json')) continue;
      const file = join(this.dir, name);
      try {
        const parsed = StoredSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
        // The record inside was written by this gateway; its outline is checked, not each number.
        if (parsed.success) out.push(parsed.data as unknown as StoredExperiment);
        else skip(file, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      } catch (err) {
        skip(file, (err as Error).message);
      }
    }
    return out;
  }

  async read(id: string): Promise<StoredExperiment | undefined> {
    if (!isExperimentId(id)) return undefined;
    await this.writes.get(id);
    try {
      return JSON.parse(readFileSync(this.file(id), 'utf8')) as StoredExperiment;
    } catch {
      return undefined;
    }
  }

  save(e: StoredExperiment): Promise<void> {
    const text = JSON.stringify(e);
    return this.chain(e.id, async () => {
      const tmp = `${this.file(e.id)}.${process.pid}.tmp`;
      await writeFile(tmp, text);
      await rename(tmp, this.file(e.id));
    });
  }

  remove(id: string): Promise<void> {
    return this.chain(id, () => rm(this.file(id), { force: true }));
  }

  /** Resolves when every write so far is on disk. */
  async flush(): Promise<void> {
    await Promise.all(this.writes.values());
  }

  private chain(id: string, write: () => Promise<void>): Promise<void> {
    const next = (this.writes.get(id) ?? Promise.resolve()).then(write);
    const settled = next.catch(() => undefined);
    this.writes.set(id, settled);
    void settled.then(() => {
      if (this.writes.get(id) === settled) this.writes.delete(id);
    });
    return next;
  }

  private file(id: string): string {
    return join(this.dir, `${id}.json`);
  }
}
