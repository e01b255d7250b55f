// The alarm list a restarted gateway starts with, rebuilt from the alarm events it stored:
// by hand for each rule, then against the live list itself for random alarm histories (the
// events a SiteAlarms stored, read back as InfluxDB answers, must give the list it held).
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AlarmSchema } from '../../device-profiles/schema/profile.ts';
import type { Point } from '../../gateway/src/core/reading.ts';
import { restoreAlarms } from '../../gateway/src/runtime/restore-alarms.ts';
import { restoredAlarms, type StoredAlarmEvent } from '../../gateway/src/state/alarm-restore.ts';
import { DeviceAlarms } from '../../gateway/src/state/device-alarms.ts';
import { SiteAlarms } from '../../gateway/src/state/site-alarms.ts';
import { latestAlarmEvents } from '../support/alarm-events.ts';
import { testSite } from '../support/fixtures.ts';

const site = testSite([
  { id: 'bambu', profile: 'bambu-lab-fdm', topicId: 'S1' },
  { id: 'bambu-2', profile: 'bambu-lab-fdm', topicId: 'S2' },
]);
const defOf = (device: string, alarm: string) => site.devices.find((d) => d.id === device)?.profileDef.alarms.find((a) => a.id === alarm);
const RUNOUT = 'Printer error: Filament ran out (0x07008011); load filament and resume';
const TANGLED = 'Printer error: Filament tangled or stuck (0x07008012)';
const ev = (alarm: string, event: string, time: number, fields: Record<string, unknown> = {}): StoredAlarmEvent => ({ device: 'bambu', alarm, event, time, severity: 'warning', text: 'x', value: '', by: '', ...fields });

describe('the alarm list from stored events', () => {
  it('lists what is active or unacknowledged, with its own raise, clear and acknowledgement', () => {
    const { listed, skipped } = restoredAlarms(
      [
        ev('firmware_error', 'raised', 1_000, { text: RUNOUT, value: '117473297', active: true, acknowledged: false }),
        ev('firmware_error', 'cleared', 5_000, { text: RUNOUT, value: '117473297', active: false, acknowledged: false }),
        ev('nozzle_overheat', 'raised', 2_000, { text: 'Nozzle above 290 °C', value: '295.5', severity: 'critical' }),
        ev('nozzle_overheat', 'acknowledged', 3_000, { text: 'Nozzle above 290 °C', value: '295.5', by: 'anna', active: true, acknowledged: true }),
        ev('bed_overheat', 'raised', 1_000),
        ev('bed_overheat', 'cleared', 2_000),
        ev('bed_overheat', 'acknowledged', 3_000, { by: 'bob' }),
      ],
      defOf,
    );
    expect(skipped).toEqual([]);
    expect(listed).toEqual([
      { device: 'bambu', alarm: 'nozzle_overheat', severity: 'critical', type: 'threshold', text: 'Nozzle above 290 °C', value: 295.5, raisedAt: 2_000, clearedAt: undefined, acknowledgedAt: 3_000, acknowledgedBy: 'anna' },
      { device: 'bambu', alarm: 'firmware_error', severity: 'warning', type: 'code', text: RUNOUT, value: '117473297', raisedAt: 1_000, clearedAt: 5_000, acknowledgedAt: undefined, acknowledgedBy: undefined },
    ]);
  });

  it("an event older than the latest raise was the previous instance's; one code replacing another at one instant clears only the old", () => {
    const { listed } = restoredAlarms(
      [
        ev('silent', 'cleared', 50),
        ev('silent', 'acknowledged', 60),
        ev('silent', 'raised', 100, { text: 'No data for 2 minutes' }),
        ev('firmware_error', 'cleared', 7_000, { text: RUNOUT, value: '117473297' }),
        ev('firmware_error', 'raised', 7_000, { text: TANGLED, value: '117473298' }),
      ],
      defOf,
    );
    expect(listed.map((a) => [a.alarm, a.raisedAt, a.clearedAt, a.acknowledgedAt, a.value])).toEqual([
      ['firmware_error', 7_000, undefined, undefined, '117473298'],
      ['silent', 100, undefined, undefined, undefined],
    ]);
  });

  it("the flags an event carries stand in for one that is missing: cleared after it was acknowledged is done", () => {
    const { listed } = restoredAlarms([ev('bed_overheat', 'raised', 1_000), ev('bed_overheat', 'cleared', 2_000, { acknowledged: true })], defOf);
    expect(listed).toEqual([]);
  });

  it('skips what does not fit, with a reason, and restores the rest', () => {
    const rows = [
      ev('firmware_error', 'raised', Number.NaN),
      { ...ev('firmware_error', 'raised', 1), device: 'ghost' },
      ev('no_such_alarm', 'raised', 1),
      ev('silent', 'exploded', 1),
      {},
      null as unknown as StoredAlarmEvent,
      ev('bed_overheat', 'raised', 1_000, { severity: 'apocalyptic', value: 'hot', text: 7 }),
    ];
    const { listed, skipped } = restoredAlarms(rows, defOf);
    expect(skipped).toHaveLength(6);
    expect(skipped.join('\n')).toMatch(/ghost\/firmware_error: no such alarm/);
    // A severity or value of the wrong shape falls back to the profile's, text included.
    expect(listed).toMatchObject([{ alarm: 'bed_overheat', severity: 'critical', text: 'Bed above 120 °C', value: undefined, raisedAt: 1_000 }]);
  });

  it('gives the list the gateway held, for any history of readings, ticks and acknowledgements', () => {
    const device = (i: number) => site.devices[i]!;
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('data' as const),
        device: fc.integer({ min: 0, max: 1 }),
        dt: fc.integer({ min: 1, max: 8_000 }),
        nozzle: fc.constantFrom(25, 210, 284, 295, 330),
        bed: fc.constantFrom(60, 116, 125),
        code: fc.constantFrom(0, 0, 117473297, 117473298, 201342978),
      }),
      fc.record({ kind: fc.constant('tick' as const), dt: fc.integer({ min: 1, max: 150_000 }) }),
      fc.record({ kind: fc.constant('ack' as const), device: fc.integer({ min: 0, max: 1 }), dt: fc.integer({ min: 1, max: 5_000 }), alarm: fc.constantFrom('nozzle_overheat', 'bed_overheat', 'nozzle_sensor_jump', 'silent', 'firmware_error') }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const live = new SiteAlarms(site, 0);
        const stored: Point[] = [];
        let t = 0;
        for (const o of ops) {
          t += o.dt;
          if (o.kind === 'data') stored.push(...(live.observe(device(o.device), { nozzle_temp: o.nozzle, bed_temp: o.bed, print_error: o.code }, t) ?? []));
          else if (o.kind === 'tick') stored.push(...live.check(t));
          else {
            const done = live.acknowledge(device(o.device).id, o.alarm, 'tess', t);
            if (done) stored.push(done.point);
          }
        }
        const restarted = new SiteAlarms(site, t + 1);
        const { restored, skipped } = restarted.restore(latestAlarmEvents(stored));
        expect(skipped).toEqual([]);
        expect(restarted.list()).toEqual(live.list());
        expect(restored).toHaveLength(live.list().length);
      }),
      { numRuns: 300, seed: 18 },
    );
  });
});

describe('a restored alarm meets live data', () => {
  const alarm = (a: Record<string, unknown>) => AlarmSchema.parse({ text: 'alarm', ...a });
  const stop = alarm({ id: 'stop', type: 'code', signal: 'stop', codes: { true: 'pressed' }, text: 'Stop' });
  const hot = alarm({ id: 'hot', type: 'threshold', signal: 't', above: 100, hysteresis: 5, delaySeconds: 3 });
  const active = { device: 'd', alarm: 'stop', severity: 'warning', type: 'code', text: 'Stop: pressed', value: 'true', raisedAt: 500, clearedAt: undefined, acknowledgedAt: undefined, acknowledgedBy: undefined } as const;

  it('goes on while its code holds, and is cleared when the code goes, still dated from before', () => {
    const a = new DeviceAlarms('d', [stop], 1_000);
    // The live gateway had seen the code gone already, before the list came back.
    a.observe({ stop: false }, 1_100);
    expect(a.restore(active)).toBe(true);
    expect(a.observe({ stop: false }, 1_200)).toMatchObject([{ type: 'cleared', at: 1_200, alarm: { raisedAt: 500 } }]);
  });

  it('is not raised twice when the same code comes again', () => {
    const a = new DeviceAlarms('d', [stop], 1_000);
    a.restore(active);
    expect(a.observe({ stop: true }, 1_000)).toEqual([]);
    expect(a.list()).toMatchObject([{ raisedAt: 500, clearedAt: undefined }]);
  });

  it('a limit alarm is cleared by the first value back inside, and a delay running before does not date a new raise', () => {
    const a = new DeviceAlarms('d', [hot], 1_000);
    a.observe({ t: 120 }, 1_000); // a delay starts
    a.restore({ ...active, alarm: 'hot', type: 'threshold', value: 130 });
    expect(a.observe({ t: 110 }, 5_000)).toEqual([]);
    expect(a.observe({ t: 90 }, 6_000)).toMatchObject([{ type: 'cleared', at: 6_000 }]);
    expect(a.observe({ t: 120 }, 7_000)).toEqual([]);
    expect(a.check(10_000)).toMatchObject([{ type: 'raised', at: 10_000 }]);
  });

  it('an alarm raised here since the start supersedes the one from before; a restored one is acknowledged as any', () => {
    const a = new DeviceAlarms('d', [stop, hot], 1_000);
    a.observe({ stop: true, t: 20 }, 1_000);
    expect(a.restore(active)).toBe(false);
    expect(a.list()).toMatchObject([{ alarm: 'stop', raisedAt: 1_000 }]);
    expect(a.restore({ ...active, alarm: 'hot', type: 'threshold', value: 130, clearedAt: 700 })).toBe(true);
    expect(a.acknowledge('hot', 'anna', 2_000)).toMatchObject({ type: 'acknowledged', alarm: { raisedAt: 500, clearedAt: 700, acknowledgedBy: 'anna' } });
    expect(a.list().map((x) => x.alarm)).toEqual(['stop']);
  });
});

describe('restoring at start (runtime)', () => {
  const log = pino({ level: 'silent' });
  const raised: StoredAlarmEvent = { device: 'bambu', alarm: 'silent', event: 'raised', time: 100, text: 'No data for 2 minutes', value: '' };

  it('reads only once the sink holds what an earlier run spooled, retries a database that does not answer, and lists the result', async () => {
    const floor = new SiteAlarms(site, 1_000);
    let stored!: () => void;
    const reads: number[] = [];
    let failures = 2;
    const restore = restoreAlarms({
      floor: { restoreAlarms: (events) => floor.restore(events) },
      read: async (before) => {
        reads.push(before);
        if (failures-- > 0) throw new Error('connection refused');
        return [raised];
      },
      before: 1_000,
      stored: new Promise<void>((resolve) => (stored = resolve)),
      log,
      signal: new AbortController().signal,
      retryInitialMs: 10,
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(reads).toEqual([]);
    stored();
    await restore.firstTry;
    expect(floor.list()).toEqual([]);
    await restore.done;
    expect(reads).toEqual([1_000, 1_000, 1_000]);
    expect(floor.list()).toMatchObject([{ device: 'bambu', alarm: 'silent', raisedAt: 100 }]);
  });

  it('a gateway that stops first restores nothing, and a reader that throws on bad data does not stop it', async () => {
    const floor = new SiteAlarms(site, 1_000);
    const stopping = new AbortController();
    const restore = restoreAlarms({ floor: { restoreAlarms: (e) => floor.restore(e) }, read: async () => [raised], before: 1_000, stored: new Promise(() => {}), log, signal: stopping.signal });
    stopping.abort();
    await restore.done;
    await restore.firstTry;
    expect(floor.list()).toEqual([]);

    const broken = restoreAlarms({
      floor: { restoreAlarms: () => { throw new Error('a bug'); } },
      read: async () => [raised],
      before: 1_000,
      stored: Promise.resolve(),
      log,
      signal: new AbortController().signal,
    });
    await expect(broken.done).resolves.toBeUndefined();
  });
});
