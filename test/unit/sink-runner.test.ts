import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Point, PointSeries } from '../../gateway/src/core/reading.ts';
import { SinkWriteError } from '../../gateway/src/core/sink.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { SinkRunner } from '../../gateway/src/runtime/sink-runner.ts';
import { TestSink } from '../support/test-sink.ts';

const series: PointSeries = { measurement: 'm', tags: { device: 'd' }, fieldTypes: { v: 'int' } };
const point = (i: number): Point => ({ series, fields: { v: i }, time: i });

/** A sink that records batches and fails on demand: the runner is what is under test. */
const recordingSink = () => new TestSink({ name: 'recording', latencyMs: 2, record: (p) => p.fields.v as number });

const quiet = () => new Telemetry(pino({ level: 'silent' }));

describe('sink runner', () => {
  it('batches by size, writes one batch at a time, in order', async () => {
    const sink = recordingSink();
    const runner = new SinkRunner(sink, quiet(), { batchSize: 100, flushIntervalMs: 10_000, maxBufferedPoints: 10_000 });
    runner.start();
    for (let i = 0; i < 1050; i++) runner.push(point(i));
    await runner.drain();
    expect(sink.batches.flat()).toEqual(Array.from({ length: 1050 }, (_, i) => i));
    expect(Math.max(...sink.batches.map((b) => b.length))).toBe(100);
    expect(sink.maxConcurrent).toBe(1);
    await runner.stop();
  });

  it('writes a partial batch after the flush interval', async () => {
    const sink = recordingSink();
    const runner = new SinkRunner(sink, quiet(), { batchSize: 1000, flushIntervalMs: 30, maxBufferedPoints: 10_000 });
    runner.start();
    runner.push(point(1));
    await new Promise((r) => setTimeout(r, 150));
    expect(sink.batches).toEqual([[1]]);
    await runner.stop();
  });

  it('retries a retryable failure with the same batch first, and counts the errors', async () => {
    const sink = recordingSink();
    sink.failures.push(new SinkWriteError('down', true), new SinkWriteError('still down', true));
    const telemetry = quiet();
    const runner = new SinkRunner(sink, telemetry, { batchSize: 3, flushIntervalMs: 10_000, maxBufferedPoints: 10_000, retryInitialMs: 5 });
    runner.start();
    for (let i = 0; i < 7; i++) runner.push(point(i));
    await runner.drain();
    expect(sink.batches.flat()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(telemetry.counts.writeErrors).toBe(2);
    expect(telemetry.counts.dropped).toBe(0);
    await runner.stop();
  });

  it('gives up on a batch the sink refuses for good, and counts it as dropped', async () => {
    const sink = recordingSink();
    sink.failures.push(new SinkWriteError('field type conflict', false, 400));
    const telemetry = quiet();
    const runner = new SinkRunner(sink, telemetry, { batchSize: 2, flushIntervalMs: 10_000, maxBufferedPoints: 10_000 });
    runner.start();
    for (let i = 0; i < 4; i++) runner.push(point(i));
    await runner.drain();
    expect(sink.batches.flat()).toEqual([2, 3]);
    expect(telemetry.counts.dropped).toBe(2);
    await runner.stop();
  });

  it('bounds its memory: beyond the limit the oldest points are dropped and counted', async () => {
    const sink = recordingSink();
    for (let i = 0; i < 100; i++) sink.failures.push(new SinkWriteError('down', true));
    const telemetry = quiet();
    const runner = new SinkRunner(sink, telemetry, { batchSize: 10, flushIntervalMs: 10_000, maxBufferedPoints: 50, retryInitialMs: 1000 });
    runner.start();
    for (let i = 0; i < 80; i++) runner.push(point(i));
    expect(runner.depth()).toBe(50);
    expect(telemetry.counts.dropped).toBe(30);
    await runner.stop(10);
  });
});

describe('sink runner starting its sink', () => {
  it('writes nothing before the sink has started, then everything that waited', async () => {
    const sink = recordingSink();
    let starts = 0;
    const writesAtStart: number[] = [];
    sink.start = async () => {
      writesAtStart.push(sink.batches.length);
      if (++starts < 3) throw new Error('connection refused');
    };
    const telemetry = quiet();
    const runner = new SinkRunner(sink, telemetry, { batchSize: 2, flushIntervalMs: 10, maxBufferedPoints: 10_000 });
    runner.start();
    const starting = runner.startSink({ signal: new AbortController().signal, initialMs: 20 });
    for (let i = 0; i < 5; i++) runner.push(point(i));
    await starting;
    await runner.drain();
    expect(writesAtStart).toEqual([0, 0, 0]);
    expect(sink.batches.flat()).toEqual([0, 1, 2, 3, 4]);
    expect(telemetry.counts.writeErrors).toBe(2);
    await runner.stop();
  });
});

describe('sink runner reporting what waited', () => {
  it('reports the time span of each batch written after a failure or after its sink started late, and no other', async () => {
    const sink = recordingSink();
    let starts = 0;
    sink.start = async () => {
      if (++starts < 2) throw new Error('connection refused');
    };
    const late: [number, number][] = [];
    const runner = new SinkRunner(sink, quiet(), { batchSize: 3, flushIntervalMs: 10_000, maxBufferedPoints: 10_000, retryInitialMs: 5, lateWritten: (from, to) => void late.push([from, to]) });
    runner.start();
    const starting = runner.startSink({ signal: new AbortController().signal, initialMs: 20 });
    // Waiting for the sink's start: late, even though no write failed. Times out of order within a batch.
    for (const t of [2, 0, 1, 4, 3, 5]) runner.push(point(t));
    await starting;
    await runner.drain();
    expect(late).toEqual([[0, 2], [3, 5]]);
    late.length = 0;
    for (let i = 6; i < 9; i++) runner.push(point(i));
    await runner.drain();
    expect(late).toEqual([]); // written at once
    sink.failures.push(new SinkWriteError('down', true));
    for (let i = 9; i < 15; i++) runner.push(point(i));
    await runner.drain();
    expect(late).toEqual([[9, 11], [12, 14]]);
    expect(sink.batches.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i));
    await runner.stop();
  });
});
