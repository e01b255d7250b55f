// The sink contract (gateway/src/core/sink.ts), written once and run against every sink,
// as MQTT.js runs test/abstract_store.js against each of its stores. A sink is checked on
// its own (what it promises the runner) and through the real SinkRunner (what a user
// reads in the counters), with and without the disk spool.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Point, PointSeries } from '../../gateway/src/core/reading.ts';
import { SinkWriteError, isSpoolable, type AnySink, type BatchBuilder } from '../../gateway/src/core/sink.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { DeadLetterFile } from '../../gateway/src/runtime/dead-letter.ts';
import { SinkRunner, type SpoolSetup } from '../../gateway/src/runtime/sink-runner.ts';
import { Spool } from '../../gateway/src/runtime/spool.ts';
import { eventually, tempDir } from '../support/services.ts';

/** The measurement every point of the contract goes to; each harness reads it back. */
export const CONTRACT_MEASUREMENT = 'contract';
const BASE_TIME = Date.UTC(2024, 0, 15, 12);
/** The sink's own last error as /healthz reports it (one sink per runner here). */
const lastErrors = (t: Telemetry) => Object.values(t.counts.sinks).map((s) => s.lastError);
const series: PointSeries = { measurement: CONTRACT_MEASUREMENT, tags: { device: 'd1' }, fieldTypes: { v: 'int' } };
/** The same field as a string: a type conflict, which InfluxDB refuses for good (400). */
const conflicting: PointSeries = { measurement: CONTRACT_MEASUREMENT, tags: { device: 'd1' }, fieldTypes: { v: 'string' } };
const point = (i: number): Point => ({ series, fields: { v: i }, time: BASE_TIME + i });
const conflict = (i: number): Point => ({ series: conflicting, fields: { v: `text ${i}` }, time: BASE_TIME + i });
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
/** What `p` rejected with; undefined when it resolved. */
const rejection = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (err: unknown) => err);

export interface SinkFixture {
  /** Not started: the contract starts it. */
  readonly sink: AnySink;
  /** The integer values of field `v` in CONTRACT_MEASUREMENT that the store holds now, sorted. */
  stored(): Promise<number[]>;
}

export interface SinkHarness {
  /** A new sink with a store of its own (InfluxDB: a fresh database). */
  fixture(): Promise<SinkFixture>;
  /** Makes the store unreachable, as a server that is down; every sink of this harness then fails. */
  takeDown(): Promise<void>;
  bringBack(): Promise<void>;
  close(): Promise<void>;
}

export interface SinkContractOptions {
  /** Run the runner checks with the disk spool (only for a SpoolableSink). */
  readonly spooled?: boolean;
}

export function sinkContract(name: string, harness: () => Promise<SinkHarness>, options: SinkContractOptions = {}): void {
  describe(`sink contract: ${name}${options.spooled ? ' (spooled)' : ''}`, () => {
    let h: SinkHarness;
    const cleanups: (() => Promise<void>)[] = [];
    beforeAll(async () => {
      h = await harness();
    });
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });
    afterAll(async () => {
      await h?.close();
    });

    async function started(): Promise<SinkFixture> {
      const f = await h.fixture();
      cleanups.push(() => f.sink.stop());
      await f.sink.start();
      return f;
    }

    /** One sealed batch of `points`, which can be written (again and again). */
    function sealed(sink: AnySink, points: readonly Point[]): { write(): Promise<void> } {
      const fill = <B>(builder: BatchBuilder<B>): B => {
        for (const p of points) builder.add(p);
        expect(builder.count).toBe(points.length);
        return builder.seal();
      };
      if (isSpoolable(sink)) {
        const body = fill(sink.newBatch());
        return { write: () => sink.write(body) };
      }
      const batch = fill(sink.newBatch());
      return { write: () => sink.write(batch) };
    }

    // When the store is down, stops and restarts in a test must not leak into the next one.
    async function whileDown(body: () => Promise<void>): Promise<void> {
      await h.takeDown();
      let up = false;
      const bringBack = async () => {
        if (!up) await h.bringBack();
        up = true;
      };
      cleanups.push(bringBack);
      await body();
      await bringBack();
    }

    if (!options.spooled) {
      it('writes a sealed batch: the store holds its points', async () => {
        const { sink, stored } = await started();
        await sealed(sink, [point(0), point(1), point(2)]).write();
        expect(await stored()).toEqual([0, 1, 2]);
      });

      it('refuses data the store refuses for good with a SinkWriteError that is not retryable, and writes on after it', async () => {
        const { sink, stored } = await started();
        await sealed(sink, [point(0)]).write();
        const refusal = await rejection(sealed(sink, [conflict(1)]).write());
        expect(refusal).toBeInstanceOf(SinkWriteError);
        expect(refusal).toMatchObject({ code: 'FL_SINK_WRITE', retryable: false });
        await sealed(sink, [point(2)]).write();
        expect(await stored()).toEqual([0, 2]);
      });

      it('fails retryably while the store is down; the same batch, written again once it is back, is held once', async () => {
        const { sink, stored } = await started();
        await sealed(sink, [point(0)]).write();
        const batch = sealed(sink, [point(1), point(2)]);
        await whileDown(async () => {
          const failure = await rejection(batch.write());
          expect(failure).toBeInstanceOf(SinkWriteError);
          expect(failure).toMatchObject({ retryable: true });
        });
        // A server just back may drop the first connection: retried, as the runner would.
        await eventually(() => batch.write().then(() => true, () => false), 10_000, 'the batch written after the store came back');
        await batch.write();
        expect(await stored()).toEqual([0, 1, 2]);
      });

      it('rejects start while the store is down, and starts when called again once it is back', async () => {
        const { sink, stored } = await h.fixture();
        cleanups.push(() => sink.stop());
        await whileDown(async () => {
          await expect(sink.start()).rejects.toThrow();
        });
        // The gateway retries a failed start with a backoff; so does this.
        await eventually(() => sink.start().then(() => true, () => false), 10_000, 'the sink started');
        await sealed(sink, [point(0)]).write();
        expect(await stored()).toEqual([0]);
      });

      it('after stop, rejects a write as retryable and sends nothing; a second stop is harmless', async () => {
        const { sink, stored } = await started();
        await sealed(sink, [point(0)]).write();
        const batch = sealed(sink, [point(1)]);
        await sink.stop();
        await sink.stop();
        const failure = await rejection(batch.write());
        expect(failure).toBeInstanceOf(SinkWriteError);
        expect(failure).toMatchObject({ retryable: true });
        expect(await stored()).toEqual([0]);
      });
    }

    describe('through the SinkRunner', () => {
      async function running() {
        const f = await started();
        if (options.spooled && !isSpoolable(f.sink)) throw new Error(`${f.sink.name} is not a SpoolableSink`);
        const telemetry = new Telemetry(pino({ level: 'silent' }));
        let spool: SpoolSetup | undefined;
        if (options.spooled) {
          const dir = tempDir('contract-spool');
          const opened = Spool.open(dir.path);
          spool = {
            spool: opened,
            maxBytes: 64 * 1024 * 1024,
            whenFull: 'drop_oldest',
            replayPointsPerSecond: 1e9,
            deadLetter: new DeadLetterFile(join(dir.path, 'dead-letter.jsonl'), 1024 * 1024),
          };
          cleanups.push(async () => {
            await opened.close();
            dir.remove();
          });
        }
        const runner = new SinkRunner(f.sink, telemetry, { batchSize: 10, flushIntervalMs: 50, maxBufferedPoints: 10_000, retryInitialMs: 20, retryMaxMs: 200, spool });
        runner.start();
        cleanups.push(() => runner.stop(1000));
        // As the gateway does: commit once per message, here one point each.
        const push = (points: readonly Point[]) => {
          for (const p of points) {
            runner.push(p);
            runner.commit();
          }
        };
        // A sink that breaks the contract (a refusal called retryable) would be retried for ever.
        const drain = () => Promise.race([runner.drain(), new Promise((_, reject) => setTimeout(() => reject(new Error('runner not drained within 15 s')), 15_000).unref())]);
        return { ...f, telemetry, runner, spool, push, drain };
      }

      it('counts a good write as written, with no errors and nothing dropped', async () => {
        const { telemetry, spool, push, drain, stored } = await running();
        push(range(0, 25).map(point));
        await drain();
        expect(telemetry.counts).toMatchObject({ written: 25, writeErrors: 0, dropped: 0 });
        expect(await stored()).toEqual(range(0, 25));
        if (spool) expect(spool.spool.points).toBe(0);
      });

      it('counts retryable failures as errors, drops nothing, and writes everything once the store is back', async () => {
        const { telemetry, spool, push, drain, stored } = await running();
        await whileDown(async () => {
          push(range(0, 15).map(point));
          await eventually(() => telemetry.counts.writeErrors >= 2, 10_000, 'the runner retrying');
          expect(telemetry.counts).toMatchObject({ written: 0, dropped: 0 });
          expect(lastErrors(telemetry)).toEqual([expect.stringMatching(/./)]);
          if (spool) expect(spool.spool.points).toBe(15);
        });
        await drain();
        expect(telemetry.counts).toMatchObject({ written: 15, dropped: 0 });
        expect(lastErrors(telemetry)).toEqual(['']);
        expect(await stored()).toEqual(range(0, 15));
      });

      it('counts a refusal as an error and its point as dropped, and writes what follows', async () => {
        const { telemetry, spool, push, drain, stored } = await running();
        push(range(0, 5).map(point));
        await drain();
        push([conflict(5)]);
        await drain();
        push(range(6, 10).map(point));
        await drain();
        expect(telemetry.counts).toMatchObject({ written: 9, writeErrors: 1, dropped: 1 });
        expect(telemetry.counts.droppedByReason.rejected_by_sink).toBe(1);
        expect(await stored()).toEqual([...range(0, 5), ...range(6, 10)]);
        if (spool) {
          // With a spool the refused point is kept aside, not lost.
          const dead = readFileSync(spool.deadLetter.file, 'utf8').trim().split('\n');
          expect(dead).toHaveLength(1);
          expect((JSON.parse(dead[0]!) as { line: string }).line).toContain('text 5');
          expect(spool.spool.points).toBe(0);
        }
      });
    });
  });
}
