// Alarms against a controllable clock: every instant below is computed by hand.
import { describe, expect, it } from 'vitest';
import { AlarmSchema } from '../../device-profiles/schema/profile.ts';
import { DeviceAlarms } from '../../gateway/src/state/device-alarms.ts';

const alarm = (a: Record<string, unknown>) => AlarmSchema.parse({ text: 'alarm', ...a });
const events = (list: { type: string; at: number }[]) => list.map((e) => `${e.type}@${e.at}`);

describe('threshold alarms', () => {
  const hot = alarm({ id: 'hot', type: 'threshold', signal: 't', above: 100, hysteresis: 5, delaySeconds: 3, severity: 'critical' });

  it('raise after the delay, dated when the delay ran out; clear only once back by the hysteresis', () => {
    const a = new DeviceAlarms('d', [hot], 0);
    expect(a.observe({ t: 99 }, 0)).toEqual([]);
    expect(a.observe({ t: 101 }, 1_000)).toEqual([]);
    expect(a.observe({ t: 102 }, 2_000)).toEqual([]);
    expect(a.check(3_999)).toEqual([]);
    const raised = a.check(4_000);
    expect(raised).toMatchObject([{ type: 'raised', at: 4_000, alarm: { alarm: 'hot', value: 101, severity: 'critical', device: 'd' } }]);
    expect(a.observe({ t: 96 }, 5_000)).toEqual([]);
    expect(events(a.observe({ t: 95 }, 6_000))).toEqual(['cleared@6000']);
  });

  it('raises when data itself arrives exactly as the delay runs out', () => {
    const a = new DeviceAlarms('d', [hot], 0);
    a.observe({ t: 101 }, 1_000);
    expect(events(a.observe({ t: 101 }, 4_000))).toEqual(['raised@4000']);
  });

  it('ignores an excursion shorter than the delay', () => {
    const a = new DeviceAlarms('d', [hot], 0);
    a.observe({ t: 150 }, 0);
    a.observe({ t: 90 }, 2_999);
    expect(a.check(10_000)).toEqual([]);
    expect(a.list()).toEqual([]);
  });

  it('a value flapping around the limit raises once and clears once, thanks to the hysteresis', () => {
    const a = new DeviceAlarms('d', [alarm({ id: 'hot', type: 'threshold', signal: 't', above: 100, hysteresis: 5 })], 0);
    const all = [];
    for (let i = 0; i < 40; i++) all.push(...a.observe({ t: i % 2 ? 99 : 101 }, i * 100));
    all.push(...a.observe({ t: 94 }, 5_000));
    expect(events(all)).toEqual(['raised@0', 'cleared@5000']);
  });

  it('below-limit alarms mirror it', () => {
    const a = new DeviceAlarms('d', [alarm({ id: 'cold', type: 'threshold', signal: 't', below: 10, hysteresis: 2 })], 0);
    expect(events(a.observe({ t: 9 }, 0))).toEqual(['raised@0']);
    expect(a.observe({ t: 11 }, 1)).toEqual([]);
    expect(events(a.observe({ t: 12 }, 2))).toEqual(['cleared@2']);
  });
});

describe('rate, stale and code alarms', () => {
  it('rate of change: raised while changing faster than the limit', () => {
    const a = new DeviceAlarms('d', [alarm({ id: 'fast', type: 'rate', signal: 't', perSecond: 20 })], 0);
    a.observe({ t: 20 }, 0);
    expect(a.observe({ t: 35 }, 1_000)).toEqual([]);
    expect(a.observe({ t: 50 }, 1_500)).toMatchObject([{ type: 'raised', at: 1_500, alarm: { value: 30 } }]);
    expect(events(a.observe({ t: 55 }, 2_500))).toEqual(['cleared@2500']);
  });

  it('rate of change by the samples of its own signal and their own time', () => {
    const a = new DeviceAlarms('d', [alarm({ id: 'fast', type: 'rate', signal: 't', perSecond: 20 })], 0);
    a.observe({ t: 200 }, 0, { values: { t: 200 }, time: 0 });
    // A reading of another signal (a progress message) does not move the base: 15 in 1 s is no 150 in 0.1 s.
    expect(a.observe({ t: 200, progress: 5 }, 900, { values: { progress: 5 }, time: 900 })).toEqual([]);
    expect(a.observe({ t: 215 }, 1_000, { values: { t: 215 }, time: 1_000 })).toEqual([]);
    // Queued messages delivered in a burst after a reconnect: 2 s apart by the device's clock, 5 ms by the gateway's.
    expect(a.observe({ t: 225 }, 60_000, { values: { t: 225 }, time: 3_000 })).toEqual([]);
    expect(a.observe({ t: 235 }, 60_005, { values: { t: 235 }, time: 5_000 })).toEqual([]);
    // A sample older than the base (out of order) is no rate and leaves the base.
    expect(a.observe({ t: 100 }, 60_010, { values: { t: 100 }, time: 4_000 })).toEqual([]);
    expect(a.observe({ t: 300 }, 60_020, { values: { t: 300 }, time: 6_000 })).toMatchObject([{ type: 'raised', at: 60_020, alarm: { value: 65 } }]);
  });

  it('stale: raised the moment the data is that old, cleared by the next data', () => {
    const a = new DeviceAlarms('d', [alarm({ id: 'silent', type: 'stale', seconds: 10 })], 0);
    a.observe({ t: 1 }, 5_000);
    expect(a.check(14_999)).toEqual([]);
    expect(events(a.check(20_000))).toEqual(['raised@15000']);
    expect(events(a.observe({ t: 1 }, 21_000))).toEqual(['cleared@21000']);
  });

  it('fault codes: readable text per code; a new code replaces the old', () => {
    const a = new DeviceAlarms('d', [alarm({ id: 'hms', type: 'code', signal: 'code', text: 'Printer fault', codes: { '0x07008011': 'Filament ran out', '0x0C00C003': 'Nozzle clog' } })], 0);
    expect(a.observe({ code: '0' }, 0)).toEqual([]);
    expect(a.observe({ code: '0x07008011' }, 1_000)).toMatchObject([{ type: 'raised', alarm: { text: 'Printer fault: Filament ran out', value: '0x07008011' } }]);
    expect(a.observe({ code: '0x07008011' }, 2_000)).toEqual([]);
    expect(events(a.observe({ code: '0x0C00C003' }, 3_000))).toEqual(['cleared@3000', 'raised@3000']);
    expect(a.list().map((x) => x.text)).toEqual(['Printer fault: Nozzle clog']);
    expect(events(a.observe({ code: 'unknown-code' }, 4_000))).toEqual(['cleared@4000']);
  });
});

describe('alarm lifecycle', () => {
  const hot = alarm({ id: 'hot', type: 'threshold', signal: 't', above: 100 });

  it('raised → acknowledged → cleared: listed until cleared', () => {
    const a = new DeviceAlarms('d', [hot], 0);
    a.observe({ t: 120 }, 1_000);
    expect(a.acknowledge('hot', 'anna', 2_000)).toMatchObject({ type: 'acknowledged', at: 2_000, alarm: { acknowledgedBy: 'anna', acknowledgedAt: 2_000 } });
    expect(a.list()).toHaveLength(1);
    expect(a.acknowledge('hot', 'bob', 2_500)).toBeUndefined();
    a.observe({ t: 90 }, 3_000);
    expect(a.list()).toEqual([]);
  });

  it('raised → cleared → acknowledged: a cleared alarm nobody saw stays listed', () => {
    const a = new DeviceAlarms('d', [hot], 0);
    a.observe({ t: 120 }, 1_000);
    a.observe({ t: 90 }, 2_000);
    expect(a.list()).toMatchObject([{ alarm: 'hot', clearedAt: 2_000, acknowledgedAt: undefined }]);
    a.acknowledge('hot', 'anna', 3_000);
    expect(a.list()).toEqual([]);
    expect(a.acknowledge('nope', 'anna', 3_000)).toBeUndefined();
  });
});
