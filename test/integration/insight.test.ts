// Machine states and alarms through the whole gateway: rules from the profile, offline by
// silence, alarms raised, acknowledged (REST and viewer) and cleared; stored in InfluxDB
// (one point per change or event), listed over REST and pushed to viewers.
import { execFile } from 'node:child_process';
import mqtt from 'mqtt';
import { io } from 'socket.io-client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayConfig } from '../../gateway/src/config.ts';
import type { LiveInsight } from '../../gateway/src/core/live-events.ts';
import type { SeriesSummary } from '../../gateway/src/core/insight.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../gateway/src/services/embedded-broker.ts';
import { meterSite } from '../support/meter-lab.ts';
import { eventually, sleep, spoolDir, startTestInflux, tempDir, type TestInflux } from '../support/services.ts';
import { addUser } from '../../gateway/src/auth/user-admin.ts';
import { bearer, loginHeaders, tokenOf, usersFile } from '../support/auth.ts';

/** `fieldlab series ...` against a gateway; asynchronously, since that gateway runs in this very process. */
function cli(gateway: string, ...args: string[]) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'gateway/src/cli/main.ts', 'series', ...args, '--gateway', gateway], { timeout: 30_000, env: { ...process.env, FIELDLAB_TOKEN: users.engineer } }, (err, stdout, stderr) =>
      resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

// anna and bob acknowledge alarms; scripts start and stop series with an engineer's token.
const usersAt = usersFile();
const users = { file: usersAt, engineer: tokenOf(usersAt, 'engineer'), bob: tokenOf(usersAt, 'operator', 'bob') };
beforeAll(() => addUser(usersAt, 'anna', 'operator', 'anna-password-1'));
const engineer = bearer(users.engineer);

/** A gateway on the judged meters with a real broker and InfluxDB, for one describe block. */
function judgedLab(name: string, meters: string[]) {
  const lab = {} as { influx: TestInflux; broker: EmbeddedBroker; gateway: Gateway; restart(down?: () => Promise<void>): Promise<void> };
  const dir = tempDir(name);
  const spool = spoolDir();
  const launch = async () => {
    lab.gateway = new Gateway(
      meterSite(dir.path, meters, { judged: true }),
      gatewayConfig({
        mqtt: { url: lab.broker.url, clientId: `${name}-gateway` },
        influx: { url: lab.influx.url, database: name, flushIntervalMs: 100 },
        http: { host: '127.0.0.1', port: 0 },
        spool: { dir: spool },
        auth: { usersFile: users.file },
      }),
      new Telemetry(pino({ level: 'silent' })),
    );
    await lab.gateway.start();
    await eventually(() => lab.gateway.sources[0]!.state() === 'connected', 10_000, 'gateway connected');
  };
  /** A new gateway on the same folders and MQTT session; `down` runs while there is none. */
  lab.restart = async (down) => {
    await lab.gateway.stop();
    await down?.();
    await launch();
  };
  beforeAll(async () => {
    [lab.influx, lab.broker] = await Promise.all([startTestInflux(), startEmbeddedBroker(0)]);
    await launch();
  });
  afterAll(async () => {
    await lab.gateway?.stop();
    await lab.broker?.close();
    await lab.influx?.stop();
    dir.remove();
  });
  return lab;
}

describe('machine states', () => {
  const lab = judgedLab('states', ['meter-01', 'meter-02']);

  it('follows the profile rules, goes offline on silence, stores each change and lists states over REST', async () => {
    const client = await mqtt.connectAsync(lab.broker.url, { clientId: 'states-publisher' });
    const send = (value: number) => client.publishAsync('lab/meter-01/count', JSON.stringify({ seq: 1, ts: Date.now(), value }), { qos: 1 });
    await send(5);
    const states = async () => (await (await fetch(`${lab.gateway.httpAddress()}/api/states`)).json()) as { device: string; state: string; reason: string; seconds: Record<string, number> }[];
    await eventually(async () => (await states()).find((s) => s.device === 'meter-01')?.state === 'producing', 5000, 'producing');
    await send(0);
    await eventually(async () => (await states()).find((s) => s.device === 'meter-01')?.state === 'idle', 5000, 'idle');
    // No data for a second: offline, noticed by the gateway's clock.
    await eventually(async () => (await states()).find((s) => s.device === 'meter-01')?.state === 'offline', 5000, 'offline');
    await client.endAsync();
    const listed = await states();
    expect(listed.find((s) => s.device === 'meter-02')).toMatchObject({ state: 'offline', reason: 'no data yet' });
    const m1 = listed.find((s) => s.device === 'meter-01')!;
    expect(m1.seconds.producing).toBeGreaterThan(0);
    expect(m1.seconds.idle).toBeGreaterThanOrEqual(0.9);

    await lab.gateway.flush();
    const rows = await lab.influx.client('states').query<{ state: string; previous: string; previous_s: number }>("SELECT state, previous, previous_s FROM machine_state WHERE device = 'meter-01' ORDER BY time");
    expect(rows.map((r) => [r.previous, r.state])).toEqual([
      ['offline', 'producing'],
      ['producing', 'idle'],
      ['idle', 'offline'],
    ]);
    // Offline dates from when the data went stale: exactly offlineAfterSeconds after the last message.
    expect(rows[2]!.previous_s).toBeCloseTo(1, 1);
  }, 30_000);
});

describe('alarms', () => {
  const lab = judgedLab('alarms', ['meter-01']);

  it('raised from the profile, pushed to viewers, acknowledged over REST and from a viewer, cleared, stored', async () => {
    const viewer = io(lab.gateway.httpAddress()!, { transports: ['websocket'], auth: { token: users.bob } });
    let insight: LiveInsight | undefined;
    viewer.on('insight', (i) => (insight = i));
    const client = await mqtt.connectAsync(lab.broker.url, { clientId: 'alarms-publisher' });
    const send = (value: number) => client.publishAsync('lab/meter-01/count', JSON.stringify({ seq: 1, ts: Date.now(), value }), { qos: 1 });
    const api = (path: string, init?: RequestInit) => fetch(`${lab.gateway.httpAddress()}${path}`, init);
    const anna = await loginHeaders(lab.gateway.httpAddress()!, 'anna', 'anna-password-1');
    const ack = (by?: unknown) => api('/api/alarms/meter-01/too_high/acknowledge', { method: 'POST', headers: { ...anna, 'content-type': 'application/json' }, body: JSON.stringify(by === undefined ? {} : { by }) });

    await send(150);
    await eventually(() => insight?.alarms.some((a) => a.alarm === 'too_high' && a.clearedAt === undefined) ?? false, 5000, 'the alarm pushed to the viewer');
    expect(insight!.states['meter-01']!.state).toBe('producing');
    const listed = (await (await api('/api/alarms')).json()) as { alarm: string; severity: string; value: string; acknowledgedBy: string | null }[];
    expect(listed).toMatchObject([{ alarm: 'too_high', severity: 'critical', value: 150, acknowledgedBy: null }]);
    // Inside the hysteresis band: still active.
    await send(95);
    expect((await ack('')).status).toBe(400);
    // Who is logged in is recorded, whatever name the request gives.
    expect((await ack('someone else')).status).toBe(200);
    expect((await ack()).status).toBe(404);
    await eventually(() => insight?.alarms[0]?.acknowledgedBy === 'anna', 5000, 'the acknowledgement pushed');
    await send(89);
    await eventually(() => insight?.alarms.length === 0, 5000, 'cleared and acknowledged: off the list');

    // Raised again, cleared, then acknowledged from the viewer.
    await send(120);
    await send(50);
    await eventually(() => insight?.alarms.some((a) => a.clearedAt !== undefined) ?? false, 5000, 'cleared, waiting for acknowledgement');
    viewer.emit('acknowledge', { device: 'meter-01', alarm: 'too_high', by: 'bob (viewer)' });
    await eventually(() => insight?.alarms.length === 0, 5000, 'acknowledged from the viewer');
    await client.endAsync();
    viewer.close();

    await lab.gateway.flush();
    const rows = await lab.influx.client('alarms').query<{ event: string; by: string; text: string }>("SELECT * FROM alarm WHERE device = 'meter-01' ORDER BY time");
    expect(rows.map((r) => [r.event, r.by])).toEqual([
      ['raised', ''],
      ['acknowledged', 'anna'],
      ['cleared', 'anna'],
      ['raised', ''],
      ['cleared', ''],
      ['acknowledged', 'bob'],
    ]);
    expect(rows[0]!.text).toBe('Value above 100');
  }, 30_000);
});

describe('production series over REST', () => {
  const lab = judgedLab('series', ['meter-01']);

  it('starts a series, counts its parts, refuses a second on the line, stops it and stores it', async () => {
    const post = (path: string, body?: unknown) =>
      fetch(`${lab.gateway.httpAddress()}${path}`, { method: 'POST', headers: { ...engineer, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const client = await mqtt.connectAsync(lab.broker.url, { clientId: 'series-publisher' });
    const send = (seq: number) => client.publishAsync('lab/meter-01/count', JSON.stringify({ seq, ts: Date.now(), value: 1 }), { qos: 1 });
    await send(100); // the counter's base, before the series

    expect((await post('/api/series', { product: 'Housing', target: 0, line: 'line-a' })).status).toBe(400);
    expect((await post('/api/series', { product: 'Housing', target: 10, line: 'nope' })).status).toBe(404);
    const started = await post('/api/series', { product: 'Housing v3', target: 10, line: 'line-a' });
    expect(started.status).toBe(201);
    const { id } = (await started.json()) as { id: string };
    expect((await post('/api/series', { product: 'Other', target: 5, line: 'line-a' })).status).toBe(409);

    for (const seq of [101, 102, 103, 105]) await send(seq);
    const get = async () => (await (await fetch(`${lab.gateway.httpAddress()}/api/series/${id}`)).json()) as SeriesSummary;
    await eventually(async () => (await get()).total === 5, 5000, 'five parts counted');
    const running = await get();
    expect(running).toMatchObject({ product: 'Housing v3', target: 10, good: 5, scrap: 0, progress: 0.5, stoppedAt: null, bottleneck: 'st-1' });
    expect(running.machines[0]).toMatchObject({ device: 'meter-01', produced: 5 });

    const stopped = await post(`/api/series/${id}/stop`);
    expect(stopped.status).toBe(200);
    expect((await post(`/api/series/${id}/stop`)).status).toBe(409);
    await send(110);
    expect((await get()).total).toBe(5); // nothing counted after the stop
    await client.endAsync();

    await lab.gateway.flush();
    const db = lab.influx.client('series');
    const events = await db.query<{ event: string; good: number; series_id: string }>('SELECT event, good, series_id FROM production_series ORDER BY time');
    expect(events.map((e) => [e.event, e.series_id, e.good])).toEqual([
      ['start', id, 0],
      ['stop', id, 5],
    ]);
    const parts = await db.query<{ n: number }>(`SELECT sum(produced) AS n FROM part WHERE series_id = '${id}'`);
    expect(parts[0]!.n).toBe(5);
    // Per station and per machine too, with the figures the REST API gave at the stop.
    const stopFigures = (await stopped.json()) as SeriesSummary;
    const machines = await db.query<{ event: string; device: string; produced: number; run_s: number; availability: number }>(
      `SELECT event, device, produced, run_s, availability FROM production_machine WHERE series_id = '${id}' ORDER BY time`,
    );
    expect(machines.map((m) => [m.event, m.device, m.produced])).toEqual([
      ['start', 'meter-01', 0],
      ['stop', 'meter-01', 5],
    ]);
    expect(machines[1]!.run_s).toBeCloseTo(stopFigures.machines[0]!.runSeconds!, 3);
    expect(machines[1]!.availability).toBeCloseTo(stopFigures.machines[0]!.oee.availability!, 6);
    const stations = await db.query<{ event: string; station: string; produced: number; bottleneck: boolean | null; cycle_mean_s: number | null }>(
      `SELECT event, station, produced, bottleneck, cycle_mean_s FROM production_station WHERE series_id = '${id}' ORDER BY time`,
    );
    expect(stations.map((st) => [st.event, st.station, st.produced, st.bottleneck])).toEqual([
      ['start', 'st-1', 0, null],
      ['stop', 'st-1', 5, true],
    ]);
    expect(stations[1]!.cycle_mean_s).toBeCloseTo(stopFigures.stations[0]!.cycleSeconds!.mean, 6);
  }, 30_000);

  it('is driven from the CLI too: start, status, stop', async () => {
    const run = (...args: string[]) => cli(lab.gateway.httpAddress()!, ...args);
    const start = await run('start', '--product', 'Lens cap', '--target', '3', '--line', 'line-a');
    expect(start.status, start.stderr).toBe(0);
    expect(start.stdout).toMatch(/started .*Lens cap\s+line line-a\s+running/);
    expect(start.stdout).toMatch(/good 0 of 3/);
    const again = await run('start', '--product', 'Lens cap', '--target', '3', '--line', 'line-a');
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/is running on line "line-a"; stop it first/);
    const status = await run('status', '--json');
    expect((JSON.parse(status.stdout) as SeriesSummary[])[0]).toMatchObject({ product: 'Lens cap', stoppedAt: null });
    const stop = await run('stop');
    expect(stop.status, stop.stderr).toBe(0);
    expect(stop.stdout).toMatch(/stopped .*Lens cap.*stopped/);
    expect(stop.stdout).toMatch(/OEE .* = availability .* × performance .* × quality/);
  }, 60_000);

  it('goes on after a gateway restart, counting what was made meanwhile; planned stops from REST and the CLI', async () => {
    const api = lab.gateway.httpAddress()!;
    const post = async (path: string, body?: unknown) => {
      const res = await fetch(`${lab.gateway.httpAddress()}${path}`, { method: 'POST', headers: { ...engineer, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      return { status: res.status, body: (await res.json()) as SeriesSummary & { error?: string } };
    };
    const client = await mqtt.connectAsync(lab.broker.url, { clientId: 'restart-publisher' });
    const send = (seq: number) => client.publishAsync('lab/meter-01/count', JSON.stringify({ seq, ts: Date.now(), value: 1 }), { qos: 1 });
    await send(300);
    const meter = lab.gateway.site.devices.find((d) => d.id === 'meter-01')!;
    await eventually(() => lab.gateway.state.valuesOf(meter).seq === 300, 5000, 'the counter at 300 before the series');
    const { body: started } = await post('/api/series', { product: 'Diffuser', target: 8, line: 'line-a' });
    for (const seq of [301, 302, 303]) await send(seq);
    const get = async () => (await (await fetch(`${lab.gateway.httpAddress()}/api/series/${started.id}`)).json()) as SeriesSummary;
    await eventually(async () => (await get()).good === 3, 5000, 'three parts');

    // Made while no gateway runs: the broker keeps them for the gateway's session.
    await lab.restart(async () => {
      for (const seq of [304, 305]) await send(seq);
    });
    expect(lab.gateway.httpAddress()).not.toBe(api);
    await eventually(async () => (await get()).good === 5, 5000, 'the two made during the restart counted');
    expect(await get()).toMatchObject({ id: started.id, product: 'Diffuser', stoppedAt: null, startedAt: started.startedAt });

    expect((await post(`/api/series/${started.id}/pause`, {})).status).toBe(400);
    const paused = await post(`/api/series/${started.id}/pause`, { reason: 'Changeover' });
    expect(paused.status).toBe(200);
    expect(paused.body.plannedStop).toMatchObject({ reason: 'Changeover' });
    expect((await post(`/api/series/${started.id}/pause`, { reason: 'Again' })).status).toBe(409);
    await sleep(1200);
    const during = await get();
    // Planned time stands still in a planned stop.
    expect(during.plannedSeconds).toBeCloseTo(paused.body.plannedSeconds, 1);
    // ... also across a restart during it.
    await lab.restart();
    expect((await get()).plannedStop).toMatchObject({ reason: 'Changeover' });
    const resumed = await cli(lab.gateway.httpAddress()!, 'resume');
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resumed .*Diffuser.*running.*planned stops/);
    expect((await post(`/api/series/${started.id}/resume`)).status).toBe(409);
    const cliPause = await cli(lab.gateway.httpAddress()!, 'pause', '--reason', 'Break');
    expect(cliPause.stdout).toMatch(/paused .*planned stop: Break/);
    const stopped = await post(`/api/series/${started.id}/stop`);
    expect(stopped.body).toMatchObject({ good: 5, plannedStop: null });
    expect(stopped.body.plannedStops.map((p) => p.reason)).toEqual(['Changeover', 'Break']);
    expect(stopped.body.plannedStopSeconds).toBeGreaterThan(1.2);
    await client.endAsync();

    await lab.gateway.flush();
    const db = lab.influx.client('series');
    const events = await db.query<{ event: string; reason: string | null }>(`SELECT event, reason FROM production_series WHERE series_id = '${started.id}' ORDER BY time`);
    expect(events.map((e) => [e.event, e.reason])).toEqual([
      ['start', null],
      ['pause', 'Changeover'],
      ['resume', null],
      ['pause', 'Break'],
      ['stop', null],
    ]);
    const parts = await db.query<{ n: number }>(`SELECT sum(produced) AS n FROM part WHERE series_id = '${started.id}'`);
    expect(parts[0]!.n).toBe(5);
  }, 60_000);
});
