// `fieldlab demo` as a newcomer starts it, against a real influxd: the line is at work from
// the first seconds (an OPC UA client sees the robot's axes move; a part is stored), a first
// start writes the previous shift (here 1 h, --past-hours 1) with figures that match the
// simulators' own count, and a second start on the same database does not write it again.
import { readFileSync, statSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { AttributeIds, OPCUAClient, makeBrowsePath, type ClientSession } from 'node-opcua';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../gateway/src/services/free-port.ts';
import { demoSiteFile } from '../support/fixtures.ts';
import { eventually, sleep, startTestInflux, tempDir, type TestInflux } from '../support/services.ts';

const CLI = ['--import', 'tsx', 'gateway/src/cli/main.ts'];

interface Demo {
  readonly child: ChildProcess;
  readonly startedAt: number;
  output(): string;
  messages(): { msg: string; [k: string]: unknown }[];
  stop(): Promise<void>;
}

/** Every demo this file started, so none outlives it if a test times out before its own stop. */
const children: ChildProcess[] = [];

function startDemo(args: string[]): Demo {
  const startedAt = Date.now();
  const child = spawn(process.execPath, [...CLI, 'demo', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    startedAt,
    output: () => output,
    messages: () =>
      output
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg: string }),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}

/** The first three axis positions of a robot, read as any OPC UA client would, by browse path. */
async function axisReader(session: ClientSession, robot: string): Promise<() => Promise<number[]>> {
  const ns = (await session.readNamespaceArray()) as string[];
  const i = (uri: string) => ns.indexOf(uri);
  const [mach, rob, di, own] = [i('http://opcfoundation.org/UA/Machinery/'), i('http://opcfoundation.org/UA/Robotics/'), i('http://opcfoundation.org/UA/DI/'), i('urn:fieldlab:robot-simulator')];
  const paths = [1, 2, 3].map((a) => makeBrowsePath('ObjectsFolder', `/${mach}:Machines/${own}:${robot}/${rob}:MotionDevices/${own}:Arm/${rob}:Axes/${own}:Axis${a}/${di}:ParameterSet/${rob}:ActualPosition`));
  const results = await session.translateBrowsePath(paths);
  const ids = results.map((r) => r.targets![0]!.targetId.toString());
  return async () => (await session.read(ids.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })))).map((d) => Number(d.value.value));
}

/**
 * The alarms the demo lists that were raised before its live line began (in the lead-in, or
 * earlier runs), each checked against its `raised` event in InfluxDB: same device, alarm and time.
 */
async function alarmsFromBefore(demo: Demo, db: ReturnType<TestInflux['client']>, httpPort: number) {
  const warm = demo.messages().find((m) => m.msg.startsWith('warm start:'))!;
  const res = await fetch(`http://127.0.0.1:${httpPort}/api/alarms`);
  const all = (await res.json()) as { device: string; alarm: string; raisedAt: string; clearedAt: string | null }[];
  const before = all.filter((a) => Date.parse(a.raisedAt) < (warm.time as number));
  for (const a of before) {
    await eventually(async () => {
      const rows = await db.query(`SELECT "text" FROM alarm WHERE "event" = 'raised' AND "device" = '${a.device}' AND "alarm" = '${a.alarm}' AND time = ${Date.parse(a.raisedAt)}ms`);
      return rows.length === 1;
    }, 10_000, `the raised event of ${a.device}/${a.alarm} at ${a.raisedAt} in InfluxDB`);
  }
  return { before, leadIn: { from: Date.parse(warm.from as string), until: Date.parse(warm.until as string) } };
}

describe('fieldlab demo: a warm start and a recorded past', () => {
  let influx: TestInflux;
  const dir = tempDir('demo-start');
  let ports: { http: number; robots: [number, number] };
  let args: string[];

  beforeAll(async () => {
    influx = await startTestInflux();
    ports = { http: await freePort(), robots: [await freePort(), await freePort()] };
    const site = demoSiteFile(dir.path, ports.robots);
    args = ['--site', site, '--influx', influx.url, '--port', String(ports.http), '--database', 'warm', '--data-dir', join(dir.path, 'data'), '--past-hours', '1', '--log-format', 'json'];
  }, 30_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await influx?.stop();
    dir.remove();
  });

  it('moves at once, stores parts, writes the previous shift once with its true figures', async () => {
    const db = influx.client('warm');
    const demo = startDemo(args);
    const client = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 100, initialDelay: 250, maxDelay: 500 } });
    try {
      // A generic client, connected as soon as the robot's server is up, sees the axes move.
      await client.connect(`opc.tcp://127.0.0.1:${ports.robots[0]}`);
      const session = await client.createSession();
      const read = await axisReader(session, 'robot-01');
      const first = await read();
      let movedAt = 0;
      await eventually(async () => {
        const now = await read();
        if (now.some((v, j) => Math.abs(v - first[j]!) > 0.01)) movedAt = Date.now();
        return movedAt > 0;
      }, 30_000, 'robot-01 axes moving');
      expect(movedAt - demo.startedAt, 'seconds from start to the first robot motion').toBeLessThan(30_000);
      await session.close();

      // The warm start's series is running with figures from the shift's first minutes.
      await eventually(() => demo.messages().some((m) => m.msg.startsWith('warm start:')), 30_000, 'the warm start line');
      const warm = demo.messages().find((m) => m.msg.startsWith('warm start:'));
      expect(warm?.msg, demo.output()).toMatch(/series \S+ \(Street-light housing v3\) at \d+ good of \d+/);
      expect(Number(/at (\d+) good/.exec(warm!.msg)![1])).toBeGreaterThan(0);

      // No set-up: the demo made its engineer, whose password and token it keeps in its data folder (mode 0600) and names in the banner.
      const passwordFile = join(dir.path, 'data', 'demo-login.txt');
      await eventually(() => demo.messages().some((m) => m.msg.includes(`log in as demo-engineer, password in ${passwordFile}`)), 20_000, 'the banner naming the login');
      expect(statSync(passwordFile).mode & 0o077).toBe(0);
      const http = `http://127.0.0.1:${ports.http}`;
      const login = await fetch(`${http}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'demo-engineer', password: readFileSync(passwordFile, 'utf8').trim() }) });
      expect(await login.json()).toEqual({ user: 'demo-engineer', role: 'engineer' });
      const token = readFileSync(join(dir.path, 'data', 'demo-engineer.token'), 'utf8').trim();
      expect((await fetch(`${http}/api/session`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json()) as { role: string }).role).toBe('engineer');
      expect(demo.output()).not.toContain(readFileSync(passwordFile, 'utf8').trim());

      // The lead-in's alarms are listed from the start, at their simulated times, as InfluxDB has them.
      const listed = await alarmsFromBefore(demo, db, ports.http);
      const { from, until } = listed.leadIn;
      expect(listed.before.filter((a) => Date.parse(a.raisedAt) >= from && Date.parse(a.raisedAt) <= until).length, JSON.stringify(listed.before)).toBeGreaterThan(0);

      // A part counted live (after the start) is in InfluxDB within a minute.
      await eventually(async () => {
        const rows = await db.query<{ count: number }>(`SELECT count(produced) FROM part WHERE time > ${demo.startedAt}ms`).catch(() => []);
        return (rows[0]?.count ?? 0) > 0;
      }, 60_000 - (Date.now() - demo.startedAt), 'a live part point');

      // The previous shift, with what the simulators counted.
      await eventually(() => demo.messages().some((m) => m.msg.startsWith('recorded past: the previous')), 60_000, 'the recorded past written');
      const past = demo.messages().find((m) => m.msg.startsWith('recorded past: the previous'))!;
      const [, prints, inspected, scrap, packed] = /(\d+) prints, (\d+) inspected \((\d+) scrap\), (\d+) packed/.exec(past.msg)!.map(Number);
      const window = `time >= '${past.from as string}' AND time <= '${past.until as string}'`;
      expect(Date.parse(past.until as string)).toBeLessThanOrEqual(demo.startedAt);
      const parts = await db.query<{ device: string; produced: number; scrap: number }>(`SELECT sum(produced) AS produced, sum(scrap) AS scrap FROM part WHERE ${window} GROUP BY device`);
      const by = Object.fromEntries(parts.map((r) => [r.device, r]));
      const printed = parts.filter((r) => r.device.startsWith('printer')).reduce((n, r) => n + r.produced, 0);
      expect(prints).toBeGreaterThan(10);
      expect(printed).toBe(prints);
      expect([by['inspection-01']?.produced, by['inspection-01']?.scrap]).toEqual([inspected, scrap]);
      expect(by['robot-02']?.produced).toBe(packed);
      const states = await db.query<{ count: number }>(`SELECT count(state) FROM machine_state WHERE ${window}`);
      expect(states[0]?.count).toBeGreaterThan(10);
      const series = await db.query<{ good: number; scrap: number; oee: number }>(`SELECT good, scrap, oee FROM production_series WHERE event = 'stop' AND ${window}`);
      expect(series).toHaveLength(1);
      expect([series[0]!.good, series[0]!.scrap]).toEqual([packed, scrap]);
      expect(series[0]!.oee).toBeGreaterThan(0);
      expect(past.seconds as number).toBeLessThan(60);

      // And one experiment prepared from that past, for the panel and the kiosk, done in seconds.
      await eventually(() => demo.messages().some((m) => m.msg.startsWith('prepared experiment:')), 10_000, 'the experiment prepared');
      const prepared = demo.messages().find((m) => m.msg.startsWith('prepared experiment:'))!.experiment as string;
      let detail: { status: string; scenario: { changes: unknown[]; calibration: { from: string; to: string } } } | undefined;
      await eventually(async () => (detail = await (await fetch(`http://127.0.0.1:${ports.http}/api/experiments/${prepared}`)).json())?.status === 'done', 60_000, 'the prepared experiment done');
      expect(detail!.scenario.changes).toEqual([{ station: 'printing', add: 1, like: 'printer-04' }]);
      expect([Date.parse(detail!.scenario.calibration.from), Date.parse(detail!.scenario.calibration.to)]).toEqual([Date.parse(past.from as string), Date.parse(past.until as string)]);
    } finally {
      await client.disconnect();
      await demo.stop();
    }

    // A second start on the same data: the past is there already and is not written again.
    const before = await db.query<{ count: number }>('SELECT count(produced) FROM part');
    const again = startDemo(args);
    try {
      await eventually(() => again.output().includes('Fieldlab demo running'), 30_000, 'the second banner');
      // A restart lists what is still not acknowledged from before it (the first lead-in's, the previous shift's).
      expect((await alarmsFromBefore(again, db, ports.http)).before.length).toBeGreaterThan(0);
      expect(again.messages().some((m) => m.msg.startsWith('recorded past: already in InfluxDB')), again.output()).toBe(true);
      await sleep(3000);
      expect(again.messages().some((m) => m.msg.startsWith('recorded past: the previous'))).toBe(false);
      expect(again.messages().some((m) => m.msg.startsWith('prepared experiment:'))).toBe(false);
      const markers = await db.query<{ count: number }>('SELECT count(hours) FROM demo_history');
      expect(markers[0]?.count).toBe(1);
      // Only the live line's few new parts since: no second shift.
      const after = await db.query<{ count: number }>('SELECT count(produced) FROM part');
      expect(after[0]!.count - before[0]!.count).toBeLessThan(40);
    } finally {
      await again.stop();
    }
  }, 240_000);
});
