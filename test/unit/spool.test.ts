// The sink runner with its disk spool (a real LMDB in a temporary folder); the sink is a
// recorder that can fail or refuse lines, since the runner is what is under test here.
// The same paths against a real InfluxDB and real crashes: test/integration/fault-injection.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Point, PointSeries } from '../../gateway/src/core/reading.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { DeadLetterFile } from '../../gateway/src/runtime/dead-letter.ts';
import { SinkRunner, type SpoolFullPolicy } from '../../gateway/src/runtime/sink-runner.ts';
import { Spool, SpoolLockedError, spooledTimeSpan } from '../../gateway/src/runtime/spool.ts';
import { LineProtocolBatch } from '../../gateway/src/sinks/influxdb/line-protocol.ts';
import { eventually, tempDir } from '../support/services.ts';
import { TestLineSink } from '../support/test-sink.ts';

const series: PointSeries = { measurement: 'm', tags: { device: 'd' }, fieldTypes: { v: 'int' } };
const point = (i: number): Point => ({ series, fields: { v: i }, time: 1_700_000_000_000 + i });
const valueOf = (line: string) => Number(/v=(-?\d+)i/.exec(line)![1]);

const dirs: { remove(): void }[] = [];
const open: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.stop();
  for (const d of dirs.splice(0)) d.remove();
});

function setup(options: { maxBytes?: number; whenFull?: SpoolFullPolicy; replay?: number; memory?: number; dir?: string; lateWritten?: (from: number, to: number) => void } = {}) {
  let dir = options.dir;
  if (!dir) {
    const made = tempDir('spool');
    dirs.push(made);
    dir = made.path;
  }
  const spool = Spool.open(dir);
  const telemetry = new Telemetry(pino({ level: 'silent' }));
  const sink = new TestLineSink({ name: 'lines', record: valueOf });
  const deadLetter = new DeadLetterFile(join(dir, 'dead-letter.jsonl'), 1024 * 1024);
  const runner = new SinkRunner(sink, telemetry, {
    batchSize: 10,
    flushIntervalMs: 20,
    maxBufferedPoints: options.memory ?? 1000,
    retryInitialMs: 5,
    retryMaxMs: 20,
    spool: { spool, maxBytes: options.maxBytes ?? 1024 ** 3, whenFull: options.whenFull ?? 'drop_oldest', replayPointsPerSecond: options.replay ?? 1e9, deadLetter },
    lateWritten: options.lateWritten,
  });
  const stop = async () => {
    await runner.stop(50);
    await spool.close();
  };
  open.push({ stop });
  return { dir, spool, telemetry, sink, runner, deadLetter, stop };
}

function push(runner: SinkRunner, from: number, to: number) {
  for (let i = from; i < to; i++) {
    runner.push(point(i));
    runner.commit();
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('disk spool', () => {
  it('holds every committed point until the sink confirms it, then forgets it', async () => {
    const s = setup();
    s.runner.start();
    s.sink.down = true;
    push(s.runner, 0, 95);
    expect(s.spool.points).toBe(95);
    expect(s.spool.bytes).toBeGreaterThan(95 * 10);
    await new Promise((r) => setTimeout(r, 50));
    expect(s.sink.written).toEqual([]);
    expect(s.runner.oldestUnsentAt()).toBeLessThanOrEqual(Date.now());
    s.sink.down = false;
    await s.runner.drain();
    expect(s.sink.written).toEqual(range(0, 95));
    expect(s.spool.points).toBe(0);
    expect(s.spool.bytes).toBe(0);
    expect(s.runner.oldestUnsentAt()).toBeUndefined();
    expect(s.telemetry.counts.dropped).toBe(0);
  });

  it('writes on the next start what an earlier run spooled and never wrote', async () => {
    const dir = tempDir('spool');
    dirs.push(dir);
    const first = setup({ dir: dir.path });
    first.sink.down = true;
    first.runner.start();
    push(first.runner, 0, 57);
    await first.stop();
    expect(first.telemetry.counts.dropped).toBe(0);

    const second = setup({ dir: dir.path });
    expect(second.runner.depth()).toBe(57);
    second.runner.start();
    push(second.runner, 57, 60);
    await second.runner.drain();
    expect([...second.sink.written].sort((a, b) => a - b)).toEqual(range(0, 60));
    expect(second.spool.points).toBe(0);
  });

  it("says when an earlier run's points are written: what is stored before the start can be read back then", async () => {
    const dir = tempDir('spool');
    dirs.push(dir);
    const first = setup({ dir: dir.path });
    first.sink.down = true;
    first.runner.start();
    push(first.runner, 0, 25);
    await first.stop();

    const second = setup({ dir: dir.path });
    expect(second.runner.recovering).toBe(true);
    let recovered = false;
    void second.runner.recovered().then(() => (recovered = true));
    second.sink.down = true;
    second.runner.start();
    push(second.runner, 25, 30);
    await new Promise((r) => setTimeout(r, 60));
    expect(recovered).toBe(false);
    second.sink.down = false;
    await second.runner.recovered();
    expect(second.runner.recovering).toBe(false);
    expect(second.sink.written).toEqual(expect.arrayContaining(range(0, 25)));
    await second.runner.drain();
    // A run with nothing left from before has nothing to wait for.
    await second.stop();
    const third = setup({ dir: dir.path });
    expect(third.runner.recovering).toBe(false);
    await third.runner.recovered();
  });

  it('reports the time span of what an earlier run spooled once it is written, read from the spooled lines', async () => {
    const dir = tempDir('spool');
    dirs.push(dir);
    const first = setup({ dir: dir.path });
    first.sink.down = true;
    first.runner.start();
    push(first.runner, 0, 57);
    await first.stop();

    const late: [number, number][] = [];
    const second = setup({ dir: dir.path, lateWritten: (from, to) => void late.push([from, to]) });
    second.runner.start();
    await second.runner.drain();
    const t0 = point(0).time;
    expect(Math.min(...late.map(([f]) => f))).toBe(t0);
    expect(Math.max(...late.map(([, t]) => t))).toBe(t0 + 56);
    expect(late.reduce((n, [f, t]) => n + t - f + 1, 0)).toBe(57); // each point in one span
    late.length = 0;
    push(second.runner, 57, 60);
    await second.runner.drain();
    expect(late).toEqual([]); // fresh points are not late
  });

  it('reads the time span of spooled lines whatever their string fields hold', () => {
    const text: PointSeries = { measurement: 'm x,y', tags: { device: 'a b=c"' }, fieldTypes: { 'k"ey': 'string', v: 'int' } };
    const t = 1_700_000_000_000;
    const batch = new LineProtocolBatch();
    // Spaces, newlines and quotes in strings, a newline followed by what looks like a time.
    for (const [dt, s] of [[5, 'plain'], [1, 'two\nlines 1999999999999\nend'], [9, 'quote " and \\ back 7\n'], [3, 'v=1i 12\n']] as const) batch.add({ series: text, fields: { 'k"ey': s, v: dt }, time: t + dt });
    expect(spooledTimeSpan(batch.seal())).toEqual({ from: t + 1, to: t + 9 });
    expect(spooledTimeSpan(Buffer.alloc(0))).toBeUndefined();
  });

  it('keeps batches beyond the memory bound on disk only, and loses none of them', async () => {
    const s = setup({ memory: 30 });
    s.sink.down = true;
    s.runner.start();
    push(s.runner, 0, 200);
    expect(s.runner.depth()).toBe(200);
    s.sink.down = false;
    await s.runner.drain();
    expect(s.sink.written).toEqual(range(0, 200));
    expect(s.telemetry.counts.dropped).toBe(0);
  });

  it('at its bound drops the oldest points (drop_oldest), counted', async () => {
    const line = new LineProtocolBatch();
    line.add(point(100));
    const perPoint = line.byteLength;
    const s = setup({ maxBytes: perPoint * 50, whenFull: 'drop_oldest' });
    s.sink.down = true;
    s.runner.start();
    push(s.runner, 0, 100);
    expect(s.spool.bytes).toBeLessThanOrEqual(perPoint * 50);
    s.sink.down = false;
    await s.runner.drain();
    const dropped = s.telemetry.counts.droppedByReason.spool_full;
    expect(dropped).toBeGreaterThan(0);
    expect(s.sink.written.length + dropped).toBe(100);
    // What is kept is the newest, in order.
    expect(s.sink.written).toEqual(range(100 - s.sink.written.length, 100));
  });

  it('at its bound refuses the newest points (drop_newest), counted', async () => {
    const line = new LineProtocolBatch();
    line.add(point(100));
    const s = setup({ maxBytes: line.byteLength * 50, whenFull: 'drop_newest' });
    s.sink.down = true;
    s.runner.start();
    push(s.runner, 0, 100);
    s.sink.down = false;
    await s.runner.drain();
    // The oldest are kept, in order, as many as fit (short lines: a few more than 50).
    expect(s.sink.written).toEqual(range(0, s.sink.written.length));
    expect(s.sink.written.length).toBeGreaterThanOrEqual(50);
    expect(s.telemetry.counts.droppedByReason.spool_full).toBe(100 - s.sink.written.length);
  });

  it('puts lines the sink refuses for good in the dead-letter file and writes the rest', async () => {
    const s = setup();
    s.sink.refuse = (v) => v === 13 || v === 27;
    s.runner.start();
    push(s.runner, 0, 40);
    await s.runner.drain();
    expect(s.sink.written).toEqual(range(0, 40).filter((v) => v !== 13 && v !== 27));
    expect(s.telemetry.counts.droppedByReason.rejected_by_sink).toBe(2);
    const dead = readFileSync(s.deadLetter.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(dead.map((d) => valueOf(d.line))).toEqual([13, 27]);
    expect(dead[0]).toMatchObject({ sink: 'lines', status: 400 });
    expect(dead[0].reason).toContain('field type conflict');
    expect(s.spool.points).toBe(0);
  });

  it('paces the backlog and lets fresh batches through in between', async () => {
    const dir = tempDir('spool');
    dirs.push(dir);
    const first = setup({ dir: dir.path });
    first.sink.down = true;
    push(first.runner, 0, 100);
    await first.stop();
    // 10 backlog batches of 10 points at 100 points/s: a second to replay.
    const s = setup({ dir: dir.path, replay: 100 });
    s.runner.start();
    await new Promise((r) => setTimeout(r, 150));
    push(s.runner, 1000, 1010);
    await eventually(() => s.sink.written.includes(1009), 2000, 'the fresh batch');
    expect(s.sink.written.filter((v) => v < 1000).length).toBeLessThan(60);
    await s.runner.drain();
    expect(s.sink.written.filter((v) => v < 1000)).toEqual(range(0, 100));
  });

  it('refuses a second gateway on the same folder', () => {
    const s = setup();
    expect(() => Spool.open(s.dir)).toThrow(SpoolLockedError);
  });
});
