// Real Mosquitto, real InfluxDB, the real gateway: messages in, points out, counted exactly.
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { testSite } from '../support/fixtures.ts';
import { eventually, spoolDir, startMosquitto, startTestInflux, type TestInflux, type TestMosquitto } from '../support/services.ts';

const WEIRD_ID = 'Drucker 3, Halle=B "Ü"\\';

describe('MQTT printer telemetry into InfluxDB', () => {
  let influx: TestInflux;
  let broker: TestMosquitto;
  let gateway: Gateway;
  let publisher: MqttClient;
  const database = 'it_fieldlab';

  beforeAll(async () => {
    [influx, broker] = await Promise.all([startTestInflux(), startMosquitto()]);
    const site = testSite([
      { id: 'op-1', profile: 'octoprint-fdm' },
      { id: 'voron', profile: 'moonraker-klipper' },
      { id: 'bambu', profile: 'bambu-lab-fdm', topicId: 'SERIAL01' },
      { id: WEIRD_ID, profile: 'bambu-lab-fdm', topicId: 'SERIAL02' },
    ]);
    const config = gatewayConfig({
      mqtt: { url: broker.url, clientId: 'it-gateway' },
      influx: { url: influx.url, database, batchSize: 200, flushIntervalMs: 100 },
      http: { host: '127.0.0.1', port: 0 },
      spool: { dir: spoolDir() },
    });
    gateway = new Gateway(site, config, new Telemetry(pino({ level: 'silent' })));
    await gateway.start();
    await eventually(() => gateway.sources[0]!.state() === 'connected', 10_000, 'gateway connected');
    publisher = await mqtt.connectAsync(broker.url, { clientId: 'it-publisher' });
  });

  afterAll(async () => {
    await publisher?.endAsync();
    await gateway?.stop();
    await Promise.all([broker?.stop(), influx?.stop()]);
  });

  const q = <T>(query: string) => influx.client(database).query<T>(query);

  it('stores N messages as exactly N points with the right tags, types and timestamps', async () => {
    const N = 150;
    const before = gateway.telemetry.counts.written;
    const t0 = Date.now();
    for (let i = 0; i < N; i++) {
      await publisher.publishAsync('device/SERIAL01/report', JSON.stringify({ print: { layer_num: i, nozzle_temper: 200 + i / 10, gcode_state: 'RUNNING' } }), { qos: 1 });
      await publisher.publishAsync('voron/klipper/status', JSON.stringify({ eventtime: i, status: { virtual_sdcard: { progress: i / N }, print_stats: { state: 'printing' } } }), { qos: 1 });
      await publisher.publishAsync('octoPrint/op-1/temperature/tool0', JSON.stringify({ _timestamp: 1, actual: 190 + i / 10, target: 215 }), { qos: 1 });
    }
    const t1 = Date.now();
    await eventually(() => gateway.telemetry.counts.written - before >= 3 * N, 20_000, 'points written');
    await gateway.flush();

    const counts = await q<{ device: string; count: number }>('SELECT count(nozzle_temp) AS count FROM fdm_printer GROUP BY device');
    const byDevice = Object.fromEntries(counts.map((r) => [r.device, r.count]));
    expect(byDevice).toEqual({ bambu: N, 'op-1': N });
    const voron = await q<{ count: number }>(`SELECT count(progress) AS count FROM fdm_printer WHERE device = 'voron'`);
    expect(voron[0]!.count).toBe(N);

    // Partial updates merged: every Bambu point carries the state and the last layer.
    const layers = await q<{ time: Date; layer: number; job_state: string; line: string; station: string; profile: string; site: string }>(
      `SELECT layer, job_state, line, station, profile, site FROM fdm_printer WHERE device = 'bambu' ORDER BY time ASC`,
    );
    expect(layers.map((r) => r.layer)).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(new Set(layers.map((r) => r.job_state))).toEqual(new Set(['RUNNING']));
    expect(layers[0]).toMatchObject({ line: 'line-a', station: 'st-1', profile: 'bambu-lab-fdm', site: 'test-lab' });
    for (const r of layers) {
      expect(r.time.getTime()).toBeGreaterThanOrEqual(t0 - 5);
      expect(r.time.getTime()).toBeLessThanOrEqual(t1 + N);
    }

    const fieldTypes = await q<{ fieldKey: string; fieldType: string }>('SHOW FIELD KEYS FROM fdm_printer');
    const types = Object.fromEntries(fieldTypes.map((f) => [f.fieldKey, f.fieldType]));
    expect(types).toMatchObject({ layer: 'integer', nozzle_temp: 'float', progress: 'float', job_state: 'string' });
    const progress = await q<{ progress: number }>(`SELECT last(progress) AS progress FROM fdm_printer WHERE device = 'voron'`);
    expect(progress[0]!.progress).toBeCloseTo(((N - 1) / N) * 100, 6);
  });

  it('counts malformed messages, unknown topics and devices, and keeps storing valid data', async () => {
    const c = gateway.telemetry.counts;
    const before = { written: c.written, ...c.rejected };
    const send = (topic: string, payload: string) => publisher.publishAsync(topic, payload, { qos: 1 });
    await send('device/SERIAL01/report', '{"print": {"nozzle_temper": 2');
    await send('device/SERIAL01/report', JSON.stringify({ print: { nozzle_temper: 220.5 } }));
    await send('device/UNKNOWN99/report', JSON.stringify({ print: { nozzle_temper: 1 } }));
    await send('octoPrint/op-1/temperature/chamber', JSON.stringify({ actual: 30 }));
    await send('device/SERIAL01/report', JSON.stringify({ print: { bed_temper: 5000, mc_percent: 'half', layer_num: 7 } }));
    await send('device/SERIAL01/report', JSON.stringify({ print: { nozzle_temper: 221.5 } }));

    await eventually(() => c.rejected.wrong_type > before.wrong_type && c.written - before.written >= 3, 10_000, 'rejections counted');
    expect(c.rejected.invalid_json - before.invalid_json).toBe(1);
    expect(c.rejected.unknown_device - before.unknown_device).toBe(1);
    expect(c.rejected.unknown_topic - before.unknown_topic).toBe(1);
    expect(c.rejected.out_of_range - before.out_of_range).toBe(1);
    expect(c.rejected.wrong_type - before.wrong_type).toBe(1);
    await gateway.flush();
    const last = await q<{ nozzle_temp: number; layer: number }>(`SELECT last(nozzle_temp) AS nozzle_temp FROM fdm_printer WHERE device = 'bambu'`);
    expect(last[0]!.nozzle_temp).toBe(221.5);

    const metrics = await (await fetch(`${gateway.httpAddress()}/metrics`)).text();
    expect(metrics).toMatch(/fieldlab_messages_rejected_total\{reason="invalid_json"\} [1-9]/);
    expect(metrics).toMatch(/fieldlab_messages_rejected_total\{reason="unknown_device"\} [1-9]/);
    expect(metrics).toMatch(/fieldlab_points_written_total\{sink="influxdb"\} \d+/);
    const health = (await (await fetch(`${gateway.httpAddress()}/healthz`)).json()) as { status: string; messages: { rejected: Record<string, number> }; sources: Record<string, { state: string }> };
    expect(health.status).toBe('ok');
    expect(health.sources.mqtt!.state).toBe('connected');
    expect(health.messages.rejected.invalid_json).toBeGreaterThanOrEqual(1);
  });

  it('escapes awkward device ids and strings end to end', async () => {
    const before = gateway.telemetry.counts.written;
    await publisher.publishAsync('device/SERIAL02/report', JSON.stringify({ print: { nozzle_temper: 99.5, subtask_name: 'line 1\nline "2" \\ end' } }), { qos: 1 });
    await eventually(() => gateway.telemetry.counts.written > before, 10_000, 'point written');
    await gateway.flush();
    const rows = await q<{ device: string; job_file: string; nozzle_temp: number }>(`SELECT device, job_file, nozzle_temp FROM fdm_printer WHERE profile = 'bambu-lab-fdm' AND nozzle_temp = 99.5`);
    expect(rows).toHaveLength(1);
    // Backslashes in tag values become '/', which line protocol cannot otherwise carry at the end.
    expect(rows[0]!.device).toBe('Drucker 3, Halle=B "Ü"/');
    expect(rows[0]!.job_file).toBe('line 1\nline "2" \\ end');
  });
});
