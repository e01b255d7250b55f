// The history's retention tiers against a real influxd, where they fall short of the plain
// path: an InfluxDB whose user may not set up retention at all.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayConfig } from '../../gateway/src/config.ts';
import type { HistoryAt, HistoryChanges } from '../../gateway/src/core/history.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { testSite } from '../support/fixtures.ts';
import { eventually, spoolDir, startTestInflux, type TestInflux } from '../support/services.ts';

const site = testSite([{ id: 'bambu', profile: 'bambu-lab-fdm', topicId: 'S1' }]);
const DAY = 86_400_000;

describe('history tiers: an InfluxDB that refuses retention setup', () => {
  const database = 'fieldlab';
  let influx: TestInflux;
  let gateway: Gateway;
  const lines: string[] = [];

  beforeAll(async () => {
    influx = await startTestInflux({ admin: { username: 'admin', password: 'admin-secret' } });
    const admin = influx.client(database);
    await admin.createDatabase(database);
    await admin.createUser('gateway', 'gateway-secret');
    // READ and WRITE, which InfluxDB calls ALL: a database has one privilege per user, so GRANT WRITE after READ would leave WRITE only.
    const grant = await fetch(`${influx.url}/query?u=admin&p=admin-secret`, { method: 'POST', body: new URLSearchParams({ q: `GRANT ALL ON "${database}" TO "gateway"` }) });
    expect(grant.status).toBe(200);
    gateway = new Gateway(
      site,
      gatewayConfig({ influx: { url: influx.url, database, username: 'gateway', password: 'gateway-secret', flushIntervalMs: 50 }, http: { host: '127.0.0.1', port: 0 }, spool: { dir: spoolDir() } }),
      new Telemetry(pino({ level: 'info' }, { write: (line: string) => void lines.push(line) })),
      { sources: [] },
    );
    await gateway.start();
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await influx?.stop();
  });

  const messages = () => lines.map((l) => (JSON.parse(l) as { msg: string }).msg);

  it('logs one clear line, writes as before and answers history from raw data', async () => {
    for (let i = 0; i < 10; i++) {
      const payload = { print: { gcode_state: i < 5 ? 'PREPARE' : 'RUNNING', print_error: 0, nozzle_temper: 200 + i, layer_num: i } };
      gateway.handle({ kind: 'mqtt', source: 'test', topic: 'device/S1/report', payload: Buffer.from(JSON.stringify(payload)), receivedAt: Date.now() });
    }
    await gateway.flush();
    const refused = (m: string) => m.startsWith('history: InfluxDB did not let the gateway set up retention and rollups');
    await eventually(() => messages().some(refused), 15_000, 'the refusal logged');
    const line = messages().filter(refused);
    expect(line).toHaveLength(1);
    expect(line[0]).toMatch(/requires admin privilege.*\); history answers from raw data only$/);
    expect(messages().filter((m) => m.startsWith('history: retention set up'))).toEqual([]);

    const get = async <T,>(path: string) => {
      const res = await fetch(`${gateway.httpAddress()}${path}`);
      return { status: res.status, body: (await res.json()) as T };
    };
    const last = Date.now();
    const at = await get<HistoryAt>(`/api/history/at?t=${last}&device=bambu`);
    expect(at.status).toBe(200);
    expect(at.body.tier).toBe('raw');
    expect(at.body.devices[0]!.values).toMatchObject({ nozzle_temp: 209, layer: 9, job_state: 'RUNNING' });
    // Two days stepped would come from the rollups, were there any.
    const changes = await get<HistoryChanges>(`/api/history/changes?from=${last - 2 * DAY}&to=${last}&device=bambu&step=3600`);
    expect(changes.status).toBe(200);
    expect(changes.body.tier).toBe('raw');
    const steps = changes.body.devices[0]!.steps!;
    expect(Math.max(...steps.map((s) => s.max.nozzle_temp!))).toBe(209);
    expect(Math.min(...steps.map((s) => s.min.nozzle_temp!))).toBe(200);
    expect(changes.body.events.filter((e) => e.kind === 'state').length).toBeGreaterThan(0);
    expect((await fetch(`${gateway.httpAddress()}/healthz`)).status).toBe(200);
  });
});
