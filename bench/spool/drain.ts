// Benchmark: how fast a spool of N points (an outage's backlog) drains into InfluxDB once
// it answers again, against a floor in the same run: the same points written from memory
// by the same runner and sink with no spool. Both into one real influxd, one after the other.
import { pino } from 'pino';
import type { Point, PointSeries } from '../../gateway/src/core/reading.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { freePort } from '../../gateway/src/services/free-port.ts';
import { DeadLetterFile } from '../../gateway/src/runtime/dead-letter.ts';
import { SinkRunner } from '../../gateway/src/runtime/sink-runner.ts';
import { Spool } from '../../gateway/src/runtime/spool.ts';
import { InfluxDbSink } from '../../gateway/src/sinks/influxdb/influxdb-sink.ts';
import { startTestInflux, tempDir, type TestInflux } from '../../test/support/services.ts';
import { join } from 'node:path';

export interface DrainResult {
  name: 'spool-drain';
  points: number;
  /** Appending the backlog while InfluxDB was unreachable: spool writes per second. */
  spoolAppendPerSec: number;
  spoolBytes: number;
  /** With the default pacing (replayPointsPerSecond). */
  pacedSeconds: number;
  pacedPointsPerSec: number;
  replayPointsPerSecond: number;
  /** Unpaced: as fast as InfluxDB takes it, one write in flight. */
  drainSeconds: number;
  drainPointsPerSec: number;
  /** The same points from memory, no spool. */
  floorSeconds: number;
  floorPointsPerSec: number;
  ratio: number;
  stored: { paced: number; unpaced: number; floor: number };
}

const DEVICES = 60;
const BATCH = 5000;

function printerPoints(n: number): (i: number) => Point {
  const series: PointSeries[] = Array.from({ length: DEVICES }, (_, d) => ({
    measurement: 'fdm_printer',
    tags: { device: `printer-${String(d + 1).padStart(2, '0')}`, line: 'line-a', profile: 'octoprint-fdm' },
    fieldTypes: { nozzle_temp: 'float', nozzle_target: 'float', bed_temp: 'float', bed_target: 'float', progress: 'float', layer: 'int', job_state: 'string', job_file: 'string' },
  }));
  const t0 = Date.now() - n; // one point per ms, all within the plausible window
  return (i) => ({
    series: series[i % DEVICES]!,
    fields: { nozzle_temp: 200 + (i % 50) / 10, nozzle_target: 215, bed_temp: 60 + (i % 7) / 10, bed_target: 60, progress: (i % 1000) / 10, layer: i % 300, job_state: 'printing', job_file: 'housing-v3.gcode' },
    time: t0 + i,
  });
}

const quiet = () => new Telemetry(pino({ level: 'silent' }));

async function count(influx: TestInflux, database: string): Promise<number> {
  const rows = await influx.client(database).query<{ n: number }>('SELECT count(nozzle_temp) AS n FROM fdm_printer');
  return rows[0]?.n ?? 0;
}

/** The gateway's runner on a spool in `dir`, as the gateway builds it, with room for the whole backlog. */
function spooledRunner(dir: string, sink: InfluxDbSink, replayPointsPerSecond: number, retryInitialMs?: number) {
  const spool = Spool.open(dir);
  const runner = new SinkRunner(sink, quiet(), {
    batchSize: BATCH,
    flushIntervalMs: 1000,
    maxBufferedPoints: 50_000,
    retryInitialMs,
    spool: { spool, maxBytes: 8 * 1024 ** 3, whenFull: 'drop_oldest', replayPointsPerSecond, deadLetter: new DeadLetterFile(join(dir, 'dl.jsonl'), 1e6) },
  });
  return { spool, runner };
}

async function fillSpool(dir: string, points: number): Promise<{ seconds: number; bytes: number }> {
  // InfluxDB "down": nothing listens on this port.
  const sink = new InfluxDbSink({ url: `http://127.0.0.1:${await freePort()}`, database: 'none', batchSize: BATCH, timeoutMs: 200 });
  const { spool, runner } = spooledRunner(dir, sink, 1e9, 60_000);
  const point = printerPoints(points);
  const t0 = performance.now();
  for (let i = 0; i < points; i++) {
    runner.push(point(i));
    runner.commit(); // one message, one point: the gateway's worst case
  }
  const seconds = (performance.now() - t0) / 1000;
  const bytes = spool.bytes;
  await runner.stop(0);
  await spool.close();
  return { seconds, bytes };
}

/** Seconds from starting the runner until everything it holds is written; stopped after. */
async function timedDrain(runner: SinkRunner): Promise<number> {
  const t0 = performance.now();
  runner.start();
  await runner.drain();
  const seconds = (performance.now() - t0) / 1000;
  await runner.stop(0);
  return seconds;
}

async function drain(dir: string, influx: TestInflux, database: string, replayPointsPerSecond: number, points: number): Promise<number> {
  const sink = new InfluxDbSink({ url: influx.url, database, batchSize: BATCH });
  await sink.start();
  const { spool, runner } = spooledRunner(dir, sink, replayPointsPerSecond);
  if (runner.depth() !== points) throw new Error(`spool holds ${runner.depth()} points, expected ${points}`);
  const seconds = await timedDrain(runner);
  await spool.close();
  await sink.stop();
  return seconds;
}

export async function benchSpoolDrain(points: number, replayPointsPerSecond = 100_000): Promise<DrainResult> {
  const influx = await startTestInflux();
  const dir = tempDir('bench-spool');
  try {
    // Floor: the same points from memory.
    const floorSink = new InfluxDbSink({ url: influx.url, database: 'floor', batchSize: BATCH });
    await floorSink.start();
    const floor = new SinkRunner(floorSink, quiet(), { batchSize: BATCH, flushIntervalMs: 1000, maxBufferedPoints: points + BATCH });
    const point = printerPoints(points);
    for (let i = 0; i < points; i++) floor.push(point(i));
    const floorSeconds = await timedDrain(floor);
    await floorSink.stop();

    const unpacedDir = join(dir.path, 'unpaced');
    const filled = await fillSpool(unpacedDir, points);
    const drainSeconds = await drain(unpacedDir, influx, 'unpaced', 1e9, points);
    const pacedDir = join(dir.path, 'paced');
    await fillSpool(pacedDir, points);
    const pacedSeconds = await drain(pacedDir, influx, 'paced', replayPointsPerSecond, points);
    return {
      name: 'spool-drain',
      points,
      spoolAppendPerSec: points / filled.seconds,
      spoolBytes: filled.bytes,
      pacedSeconds,
      pacedPointsPerSec: points / pacedSeconds,
      replayPointsPerSecond,
      drainSeconds,
      drainPointsPerSec: points / drainSeconds,
      floorSeconds,
      floorPointsPerSec: points / floorSeconds,
      ratio: drainSeconds / floorSeconds,
      stored: { paced: await count(influx, 'paced'), unpaced: await count(influx, 'unpaced'), floor: await count(influx, 'floor') },
    };
  } finally {
    await influx.stop();
    dir.remove();
  }
}
