import { describe, expect, it } from 'vitest';
import { decodePayload, normalize } from '../../gateway/src/normalize/normalize.ts';
import { TopicRouter, subscriptionsFor } from '../../gateway/src/normalize/topic-router.ts';
import { DeviceStateStore } from '../../gateway/src/state/device-state.ts';
import { testSite } from '../support/fixtures.ts';

const site = testSite([
  { id: 'op-1', profile: 'octoprint-fdm' },
  { id: 'voron', profile: 'moonraker-klipper' },
  { id: 'bambu', profile: 'bambu-lab-fdm', topicId: '01P00A000000001' },
]);
const router = new TopicRouter(site);
const T = Date.UTC(2026, 10, 28, 12, 0, 0);

function run(topic: string, payload: unknown) {
  const found = router.lookup(topic);
  if (!found.ok) return { lookup: found, results: [] };
  const buf = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const results = found.matches.map((m) => {
    const d = decodePayload(m.route.topic.format, buf);
    return d.ok ? normalize(m, d.value, T) : { reading: undefined, rejects: [d.reject] };
  });
  return { lookup: found, results };
}

describe('normaliser', () => {
  it('maps OctoPrint temperature topics to typed readings', () => {
    const { results } = run('octoPrint/op-1/temperature/tool0', { _timestamp: 1795910000, actual: 214.6, target: 215 });
    expect(results).toHaveLength(1);
    expect(results[0]!.reading?.values).toEqual({ nozzle_temp: 214.6, nozzle_target: 215 });
    expect(results[0]!.reading?.time).toBe(T);
    expect(results[0]!.reading?.device.id).toBe('op-1');
  });

  it('takes an event name from the topic level and the state from the payload', () => {
    const { results } = run('octoPrint/op-1/event/PrinterStateChanged', { _event: 'PrinterStateChanged', state_id: 'PRINTING', state_string: 'Printing' });
    const values = Object.assign({}, ...results.map((r) => r.reading?.values));
    expect(values).toEqual({ job_state: 'PRINTING', event: 'PrinterStateChanged' });
    const done = run('octoPrint/op-1/event/PrintDone', { _event: 'PrintDone', name: 'x.gcode' });
    expect(done.results[0]!.reading?.values).toEqual({ event: 'PrintDone' });
  });

  it('reads text payloads', () => {
    expect(run('octoPrint/op-1/mqtt', 'connected').results[0]!.reading?.values).toEqual({ link: 'connected' });
    expect(run('voron/klipper/state', 'ready').results[0]!.reading?.values).toEqual({ klipper_state: 'ready' });
  });

  it('maps Moonraker partial status with scaling', () => {
    const { results } = run('voron/klipper/status', { eventtime: 1234.5, status: { virtual_sdcard: { progress: 0.4231 }, print_stats: { info: { current_layer: 12 } } } });
    expect(results[0]!.reading?.values).toEqual({ progress: 42.31, layer: 12 });
    expect(results[0]!.rejects).toEqual([]);
  });

  it('maps a Bambu report addressed by serial number', () => {
    const { results } = run('device/01P00A000000001/report', { print: { nozzle_temper: 219.9, mc_percent: 37, gcode_state: 'RUNNING', layer_num: 40, print_error: 0, command: 'push_status' } });
    expect(results[0]!.reading?.device.id).toBe('bambu');
    expect(results[0]!.reading?.values).toEqual({ nozzle_temp: 219.9, progress: 37, job_state: 'RUNNING', layer: 40, print_error: 0 });
  });

  it('refuses wrong types, out-of-range, non-finite and unknown enum values but keeps the rest', () => {
    // JSON.stringify would turn 1e999 into null: the payload is written as the wire has it.
    const { results } = run(
      'device/01P00A000000001/report',
      '{"print": {"nozzle_temper": "220", "bed_temper": 999, "mc_percent": 1e999, "gcode_state": "DANCING", "layer_num": 4.5, "bed_target_temper": "hot", "total_layer_num": 100}}',
    );
    const r = results[0]!;
    // A numeric string is accepted as a number; the rest are refused one by one.
    expect(r.reading?.values).toEqual({ nozzle_temp: 220, total_layers: 100 });
    expect(r.rejects.map((x) => `${x.signal}:${x.reason}`).sort()).toEqual([
      'bed_target:wrong_type',
      'bed_temp:out_of_range',
      'job_state:invalid_enum_value',
      'layer:wrong_type',
      'progress:not_finite',
    ]);
  });

  it('rejects bad JSON and messages with nothing usable', () => {
    expect(run('device/01P00A000000001/report', '{"print": {').results[0]!.rejects[0]!.reason).toBe('invalid_json');
    expect(run('device/01P00A000000001/report', { print: { command: 'push_status', sequence_id: '1' } }).results[0]!.rejects[0]!.reason).toBe('no_values');
  });

  it('tells an unknown device from an unknown topic', () => {
    expect(run('device/01PXXXXXXXXXXXX/report', {}).lookup).toEqual({ ok: false, reason: 'unknown_device', id: '01PXXXXXXXXXXXX' });
    expect(run('octoPrint/op-1/temperature/tool1', {}).lookup).toEqual({ ok: false, reason: 'unknown_topic' });
    expect(run('somewhere/else', {}).lookup).toEqual({ ok: false, reason: 'unknown_topic' });
  });

  it('subscribes per profile shape so unknown devices are seen', () => {
    expect(subscriptionsFor(site).sort()).toEqual(['+/klipper/state', '+/klipper/status', 'device/+/report', 'octoPrint/+/#']);
  });
});

describe('device state', () => {
  it('merges partial updates into whole points, without carrying events', () => {
    const state = new DeviceStateStore(site);
    const point = (topic: string, payload: unknown) => {
      const reading = run(topic, payload).results[0]!.reading!;
      return state.apply(reading)!;
    };
    point('octoPrint/op-1/temperature/tool0', { actual: 200, target: 215 });
    point('octoPrint/op-1/event/PrintStarted', { _event: 'PrintStarted' });
    const p = point('octoPrint/op-1/temperature/bed', { actual: 55, target: 60 });
    expect(p.fields).toEqual({ nozzle_temp: 200, nozzle_target: 215, bed_temp: 55, bed_target: 60 });
    expect(p.series.measurement).toBe('fdm_printer');
    expect(p.series.tags).toEqual({ site: 'test-lab', line: 'line-a', station: 'st-1', device: 'op-1', profile: 'octoprint-fdm' });
    expect(p.series.fieldTypes.event).toBe('string');
  });

  it('keeps gateway-clock times strictly increasing per device', () => {
    const state = new DeviceStateStore(site);
    const r = run('voron/klipper/status', { status: { extruder: { temperature: 20 } } }).results[0]!.reading!;
    const times = [state.apply(r)!.time, state.apply(r)!.time, state.apply(r)!.time];
    expect(times).toEqual([T, T + 1, T + 2]);
  });
});
