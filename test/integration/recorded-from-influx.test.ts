// A line's record for calibration, read from a real influxd: history written in the gateway's
// schema from a seeded generator that keeps the truth, and the record checked against it,
// number by number (cycle times, operating times between failures, repairs, counts, seconds
// per state, planned stops, the line's good parts and scrap).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { FieldlabError } from '../../gateway/src/core/errors.ts';
import { influxRecordReader, type RecordReader } from '../../gateway/src/experiments/recorded-from-influx.ts';
import { freePort } from '../../gateway/src/services/free-port.ts';
import { writeLineHistory, writeLines, type MachinePlan, type WrittenHistory } from '../support/recorded-history.ts';
import { startTestInflux, type TestInflux } from '../support/services.ts';

const site = loadSite();
const HOUR = 3_600_000;
const PLANS: MachinePlan[] = [
  { device: 'printer-01', station: 'printing', kind: 'fdm-printer', cycle: [200, 280], faultShare: 0.3, repair: [60, 600], firstStation: true },
  { device: 'robot-01', station: 'unloading', kind: 'robot-arm', cycle: [10, 14], faultShare: 0.1, repair: [20, 120], faultAtStart: 100 },
  { device: 'inspection-01', station: 'inspection', kind: 'inspection', cycle: [4, 6], faultShare: 0.05, repair: [10, 60], scrapShare: 0.05, judged: false },
  { device: 'robot-02', station: 'packing', kind: 'robot-arm', cycle: [13, 17], faultShare: 0.1, repair: [20, 120] },
];

const rejection = async (p: Promise<unknown>) => {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(FieldlabError);
  return err as FieldlabError;
};

describe('the record of a line from InfluxDB', () => {
  let influx: TestInflux;
  let read: RecordReader;
  let written: WrittenHistory;
  const now = Date.now();
  const from = now - 4 * HOUR;
  const to = now - 1 * HOUR;

  beforeAll(async () => {
    influx = await startTestInflux();
    written = writeLineHistory(site.site.id, 'streetlight', PLANS, from, to, 'S-2', 42);
    // An older series on the line, a later one on another site sharing the database: neither is the one read.
    const older = writeLineHistory(site.site.id, 'streetlight', PLANS.slice(0, 1), from - 3 * HOUR, from - 2 * HOUR, 'S-1', 7);
    const other = `production_series,site=elsewhere event="start",series_id="X",line="streetlight" ${to + 60_000}`;
    await writeLines(influx.url, 'record', [...older.lines, ...written.lines, other]);
    read = influxRecordReader(site, { url: influx.url, database: 'record' });
  }, 60_000);
  afterAll(async () => {
    await influx?.stop();
  });

  it('reads the last production series by default, with each machine as it was recorded', async () => {
    const rec = await read('streetlight', {}, now);
    expect([rec.series, rec.from, rec.to]).toEqual(['S-2', from, to]);
    expect(rec.plannedStops).toEqual([written.plannedStop]);
    for (const plan of PLANS) {
      const m = rec.machines.find((x) => x.device === plan.device)!;
      const want = written.truth.get(plan.device)!;
      expect(m.station).toBe(plan.station);
      if (plan.judged !== false) expect(m.cycles.length, plan.device).toBeGreaterThan(5);
      expect(m.cycles, `${plan.device} cycles`).toEqual(want.cycles);
      expect(m.upBetweenFailures, `${plan.device} up`).toEqual(want.upBetweenFailures.map((x) => expect.closeTo(x, 6)));
      expect(m.repairs, `${plan.device} repairs`).toEqual(want.repairs);
      expect([m.produced, m.scrap]).toEqual([want.produced, want.scrap]);
      for (const [state, seconds] of Object.entries(want.seconds)) expect(m.seconds[state as keyof typeof m.seconds], `${plan.device} ${state}`).toBeCloseTo(seconds, 6);
      if (plan.judged !== false) expect(Object.values(m.seconds).reduce((a, b) => a + b, 0)).toBeCloseTo((to - from) / 1000, 6);
    }
    // The fault robot-01 was in when the window opened: its whole length, and no run before it.
    expect(written.truth.get('robot-01')!.repairs[0]).toBeGreaterThan(100);
    expect(rec.machines.find((m) => m.device === 'printer-01')!.repairs.length).toBeGreaterThan(0);
    // Devices that recorded nothing are there, empty.
    expect(rec.machines.map((m) => m.device)).toEqual(['printer-01', 'printer-02', 'printer-03', 'printer-04', 'robot-01', 'conveyor-01', 'inspection-01', 'robot-02']);
    expect(rec.machines.find((m) => m.device === 'printer-02')).toMatchObject({ cycles: [], produced: 0, seconds: { offline: (to - from) / 1000 } });
    const packing = written.truth.get('robot-02')!;
    expect([rec.good, rec.scrap]).toEqual([packing.produced - packing.scrap, written.truth.get('inspection-01')!.scrap]);
    expect(rec.scrap).toBeGreaterThan(0);
  });

  it('reads a window given by from and to, with the planned stops inside it', async () => {
    const mid = written.plannedStop.from + 60_000;
    const rec = await read('streetlight', { from: mid, to }, now);
    expect([rec.series, rec.from, rec.to]).toEqual([null, mid, to]);
    expect(rec.plannedStops).toEqual([{ ...written.plannedStop, from: mid }]);
    const whole = await read('streetlight', {}, now);
    const insp = (r: typeof rec) => r.machines.find((m) => m.device === 'inspection-01')!;
    expect(insp(rec).produced).toBeLessThan(insp(whole).produced);
    expect(insp(rec).produced).toBeGreaterThan(0);
  });

  it('refuses an empty window, a window too long or upside down, an unknown line, with codes', async () => {
    expect((await rejection(read('streetlight', { from: from - 10 * HOUR, to: from - 9 * HOUR }, now))).code).toBe('FL_CALIBRATION_EMPTY');
    expect((await rejection(read('streetlight', { from: now - 40 * 24 * HOUR, to: now }, now))).code).toBe('FL_CALIBRATION_WINDOW');
    expect((await rejection(read('streetlight', { from: to, to: from }, now))).code).toBe('FL_CALIBRATION_WINDOW');
    expect((await rejection(read('streetlight', { to }, now))).code).toBe('FL_CALIBRATION_WINDOW');
    expect((await rejection(read('no-such-line', {}, now))).code).toBe('FL_UNKNOWN_LINE');
    // No series in the look-back: says to give a window.
    const none = await rejection(influxRecordReader(site, { url: influx.url, database: 'empty' })('streetlight', {}, now));
    expect(none.code).toBe('FL_CALIBRATION_WINDOW');
    expect(none.message).toContain('calibration.from');
    // A name with quotes reaches InfluxDB escaped: the answer is "not found", not an injection.
    expect((await rejection(read(`streetlight' OR 'a'='a`, {}, now))).code).toBe('FL_UNKNOWN_LINE');
  });

  it('says InfluxDB is unavailable when none answers', async () => {
    const dead = influxRecordReader(site, { url: `http://127.0.0.1:${await freePort()}`, database: 'record' });
    const err = await rejection(dead('streetlight', {}, now));
    expect([err.code, err.kind]).toEqual(['FL_HISTORY_UNAVAILABLE', 'unavailable']);
  });

  it('refuses a record cut short by the row limit rather than calibrating on part of it', async () => {
    const small = influxRecordReader(site, { url: influx.url, database: 'record' }, { maxRows: 10 });
    const err = await rejection(small('streetlight', {}, now));
    expect(err.code).toBe('FL_CALIBRATION_WINDOW');
    expect(err.message).toContain('shorter window');
  });
});
