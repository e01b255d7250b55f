// The retention tiers' statements, read off a stand-in for InfluxDB: a backfill of days and a
// late backlog are filled in statements of at most FILL_CHUNK_MS each, which together leave
// no minute out. (What the statements do in a real influxd: test/integration/history-tiers.test.ts.)
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FILL_CHUNK_MS, RetentionTiers, type Query } from '../../gateway/src/history/retention.ts';
import type { StatementResult } from '../../gateway/src/history/influxql.ts';
import { testSite } from '../support/fixtures.ts';
import { eventually } from '../support/services.ts';

const site = testSite([{ id: 'bambu', profile: 'bambu-lab-fdm', topicId: 'S1' }]);
const MINUTE = 60_000;
const HOUR = 3_600_000;
const settings = { database: 'fieldlab', rawRetention: '30d', rollupRetention: '52w', rollupPolicy: 'fieldlab_rollup' };

/**
 * InfluxDB as far as the tiers ask it: policies in place, rollups up to `rolledUpUntil` (none:
 * 0), raw points at the times `points` (by default everywhere), every SELECT … INTO fine.
 */
function influx(options: { rolledUpUntil?: number; points?: readonly number[] } = {}) {
  const { rolledUpUntil = 0, points } = options;
  const within = (q: string) => {
    const [, f, t] = /time >= (\d+)ms AND time < (\d+)ms/.exec(q)!.map(Number) as [number, number, number];
    return points ? points.filter((p) => p >= f && p < t) : [f];
  };
  const statements: string[] = [];
  /** While set, every query waits for it: InfluxDB busy with a statement. */
  const busy: { until: Promise<void> | undefined } = { until: undefined };
  const query: Query = async (qs) => {
    await busy.until;
    statements.push(...qs);
    return qs.map((q): StatementResult => {
      if (q.startsWith('SHOW RETENTION POLICIES')) {
        const columns = ['name', 'duration', 'shardGroupDuration', 'replicaN', 'default'];
        return { series: [{ name: '', columns, values: [['autogen', '720h0m0s', '24h0m0s', 1, true], ['fieldlab_rollup', '8736h0m0s', '168h0m0s', 1, false]] }] };
      }
      if (/ ORDER BY time DESC LIMIT 1$/.test(q)) return rolledUpUntil > 0 ? { series: [{ name: 'fdm_printer', columns: ['time'], values: [[rolledUpUntil]] }] } : {};
      if (/ ORDER BY time ASC LIMIT 1$/.test(q)) {
        const first = within(q)[0];
        return first === undefined ? {} : { series: [{ name: 'm', columns: ['time'], values: [[first]] }] };
      }
      if (q.startsWith('SELECT') && q.includes(' INTO ')) return { series: [{ name: 'result', columns: ['time', 'written'], values: [[0, within(q).length]] }] };
      return {};
    });
  };
  /** The windows of the SELECT … INTO statements from `measurement`, in order. */
  const windows = (measurement: string) =>
    statements
      .filter((s) => s.includes(' INTO ') && s.includes(`."${measurement}" WHERE`))
      .map((s) => {
        const m = /time >= (\d+)ms AND time < (\d+)ms/.exec(s)!;
        return [Number(m[1]), Number(m[2])] as const;
      });
  return { statements, query, windows, busy };
}

/** Windows that follow each other without a gap, from `from` to `to`, none longer than a chunk. */
function expectCover(windows: readonly (readonly [number, number])[], from: number, to: number) {
  expect(windows.length).toBeGreaterThan(0);
  expect(windows[0]![0]).toBe(from);
  expect(windows.at(-1)![1]).toBe(to);
  for (const [i, [f, t]] of windows.entries()) {
    expect(t - f).toBeGreaterThan(0);
    expect(t - f).toBeLessThanOrEqual(FILL_CHUNK_MS);
    if (i > 0) expect(f).toBe(windows[i - 1]![1]);
  }
}

const running: RetentionTiers[] = [];
afterEach(() => {
  for (const t of running.splice(0)) t.stop();
});

describe('retention tiers', () => {
  it('fills a week the gateway was away in statements of an hour at most, every minute of it', async () => {
    const db = influx();
    const tiers = new RetentionTiers(site, settings, db.query, pino({ level: 'silent' }));
    running.push(tiers);
    const now = Date.UTC(2026, 10, 30, 14, 32, 17, 250);
    await tiers.setup(now);
    expect(tiers.ready).toBe(true);
    const from = now - 7 * 24 * HOUR;
    // Whole minutes, the one running at `now` too (its continuous query rolls it up again).
    expectCover(db.windows('fdm_printer'), Math.floor(from / MINUTE) * MINUTE, Math.ceil(now / MINUTE) * MINUTE);
    for (const m of ['machine_state', 'alarm', 'part', 'production_series']) expectCover(db.windows(m), from, now);
    expect(db.windows('fdm_printer').length).toBeGreaterThanOrEqual(168);
    // Each SELECT … INTO alone: InfluxDB 1.6 runs no other kind.
    expect(db.statements.filter((s) => s.includes(' INTO ') && s.includes(';'))).toEqual([]);
  });

  it('skips the time without raw points instead of asking InfluxDB about every hour of it', async () => {
    const now = Date.UTC(2026, 10, 30, 14, 32, 17, 250);
    const points = [now - 5 * 24 * HOUR + 42_000, now - 5 * 24 * HOUR + 2 * HOUR, now - 26 * HOUR];
    const db = influx({ points });
    const tiers = new RetentionTiers(site, settings, db.query, pino({ level: 'silent' }));
    running.push(tiers);
    await tiers.setup(now);
    const rollups = db.windows('fdm_printer');
    for (const p of points) expect(rollups.filter(([f, t]) => f <= p && p < t), `the minute of ${p}`).toHaveLength(1);
    for (const [f, t] of rollups) expect(t - f).toBeLessThanOrEqual(FILL_CHUNK_MS);
    // Each chunk with points, and the one after it (empty, so InfluxDB is asked for the next point): not 168.
    expect(rollups.length).toBeLessThanOrEqual(2 * points.length);
  });

  it('fills points InfluxDB got late once set up, whole minutes and every event, spans that come meanwhile merged', async () => {
    const now = Date.now();
    const db = influx({ rolledUpUntil: now }); // nothing to backfill: every fill seen is of late points
    const tiers = new RetentionTiers(site, settings, db.query, pino({ level: 'silent' }));
    running.push(tiers);
    const a = now - 3 * HOUR + 30_123;
    const b = now - 50 * MINUTE + 10_456;
    const [split1, split2] = [a + 20 * MINUTE, a + 90 * MINUTE];
    // Reported before the tiers are set up (a backlog is written while they are): kept until then.
    tiers.lateWritten(a, split1);
    await tiers.setup(now);
    // The first span is being filled; the next two come while InfluxDB is busy with it.
    let release = () => {};
    db.busy.until = new Promise((r) => (release = r));
    tiers.lateWritten(split1 + 1, split2);
    tiers.lateWritten(split2 + 1, b);
    release();
    await eventually(() => db.windows('alarm').some(([, t]) => t === b + 1), 5_000, 'the late spans filled');
    // Events exactly as reported (to inclusive), one span after the other, the last two as one.
    expectCover(db.windows('alarm'), a, b + 1);
    expect(db.windows('alarm').map(([f]) => f)).not.toContain(split2 + 1);
    // Rollups of every minute touched, the minute both spans share twice, none longer than a chunk.
    const rollups = db.windows('fdm_printer');
    for (const [f, t] of rollups) {
      expect(f % MINUTE).toBe(0);
      expect(t - f).toBeLessThanOrEqual(FILL_CHUNK_MS);
    }
    const covered = (minute: number) => rollups.some(([f, t]) => f <= minute && minute < t);
    for (let m = Math.floor(a / MINUTE) * MINUTE; m <= b; m += MINUTE) expect(covered(m), `minute ${m}`).toBe(true);
    expect(Math.min(...rollups.map(([f]) => f))).toBe(Math.floor(a / MINUTE) * MINUTE);
    expect(Math.max(...rollups.map(([, t]) => t))).toBe(Math.ceil((b + 1) / MINUTE) * MINUTE);
  });
});
