// A simulated robot as a real OPC UA server, read by a generic client and by the gateway.
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync, cpSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { AttributeIds, BrowseDirection, DataType, OPCUAClient, TimestampsToReturn, resolveNodeId, type BrowsePathResult, type ClientSession, type UAObject } from 'node-opcua';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PROFILES_DIR } from '../../device-profiles/schema/load.ts';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { freePort } from '../../gateway/src/services/free-port.ts';
import { RobotServer } from '../../simulators/src/robot-arm/robot-server.ts';
import { testSite } from '../support/fixtures.ts';
import { eventually, sleep, spoolDir, startTestInflux, tempDir, type TestInflux } from '../support/services.ts';

const ROBOTICS = 'http://opcfoundation.org/UA/Robotics/';
const MACHINERY = 'http://opcfoundation.org/UA/Machinery/';
const DI = 'http://opcfoundation.org/UA/DI/';

async function robot(id: string, options: { secure?: boolean; port?: number; pki?: string; users?: Record<string, string> } = {}) {
  const port = options.port ?? (await freePort());
  const server = new RobotServer({
    id,
    port,
    seed: 3,
    cycleSeconds: 4,
    rate: 20,
    pkiDir: options.pki ?? tempDir(`pki-${id}`).path,
    secure: options.secure,
    protectiveStopChance: 0,
    emergencyStopChance: 0,
    ...(options.users ? { users: options.users, anonymous: false } : {}),
  });
  await server.start();
  return server;
}

function gatewayFor(site: ReturnType<typeof testSite>, influx: TestInflux, database: string, pkiDir: string) {
  const config = gatewayConfig({
    influx: { url: influx.url, database, flushIntervalMs: 100 },
    http: { host: '127.0.0.1', port: 0 },
    opcua: { pkiDir, reconnectMaxMs: 1000, retrySignalMs: 1000 },
    spool: { dir: spoolDir() },
  });
  return new Gateway(site, config, new Telemetry(pino({ level: 'silent' })));
}

describe('robot simulator as an OPC UA Robotics server', () => {
  let server: RobotServer;
  let session: ClientSession;
  let client: OPCUAClient;
  beforeAll(async () => {
    server = await robot('robot-a');
    client = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 1 } });
    await client.connect(server.endpoint);
    session = await client.createSession();
  });
  afterAll(async () => {
    await session?.close();
    await client?.disconnect();
    await server?.stop();
  });

  it('is found by a generic client through the standard types and namespace URIs', async () => {
    const namespaces = (await session.readNamespaceArray()) as string[];
    const ns = (uri: string) => namespaces.indexOf(uri);
    expect(ns(ROBOTICS)).toBeGreaterThan(0);
    const children = async (nodeId: unknown) =>
      (await session.browse({ nodeId: nodeId as string, browseDirection: BrowseDirection.Forward, referenceTypeId: 'HierarchicalReferences', includeSubtypes: true, resultMask: 63 })).references ?? [];
    const typeName = async (nodeId: unknown) => {
      const refs = (await session.browse({ nodeId: nodeId as string, browseDirection: BrowseDirection.Forward, referenceTypeId: 'HasTypeDefinition', resultMask: 63 })).references ?? [];
      return refs[0]?.browseName;
    };
    const machines = (await children(resolveNodeId('ObjectsFolder'))).find((r) => r.browseName.name === 'Machines' && r.browseName.namespaceIndex === ns(MACHINERY));
    expect(machines).toBeDefined();
    const robots = await children(machines!.nodeId);
    const system = robots.find((r) => r.browseName.name === 'robot-a')!;
    const systemType = await typeName(system.nodeId);
    expect(systemType?.name).toBe('MotionDeviceSystemType');
    expect(systemType?.namespaceIndex).toBe(ns(ROBOTICS));

    const motionDevices = (await children(system.nodeId)).find((r) => r.browseName.name === 'MotionDevices' && r.browseName.namespaceIndex === ns(ROBOTICS))!;
    const [arm] = await children(motionDevices.nodeId);
    expect((await typeName(arm!.nodeId))?.name).toBe('MotionDeviceType');
    const axesFolder = (await children(arm!.nodeId)).find((r) => r.browseName.name === 'Axes' && r.browseName.namespaceIndex === ns(ROBOTICS))!;
    const axes = await children(axesFolder.nodeId);
    expect(axes).toHaveLength(6);
    for (const axis of axes) expect((await typeName(axis.nodeId))?.name).toBe('AxisType');

    // The standard browse path to an axis position, namespaces by URI.
    const [result] = (await session.translateBrowsePath([
      {
        startingNode: axes[0]!.nodeId,
        relativePath: {
          elements: [
            { referenceTypeId: resolveNodeId('HierarchicalReferences'), isInverse: false, includeSubtypes: true, targetName: { namespaceIndex: ns(DI), name: 'ParameterSet' } },
            { referenceTypeId: resolveNodeId('HierarchicalReferences'), isInverse: false, includeSubtypes: true, targetName: { namespaceIndex: ns(ROBOTICS), name: 'ActualPosition' } },
          ],
        },
      },
    ] as never)) as unknown as BrowsePathResult[];
    expect(result!.statusCode.isGood()).toBe(true);
    const position = await session.read({ nodeId: result!.targets![0]!.targetId.toString(), attributeId: AttributeIds.Value });
    expect(typeof position.value.value).toBe('number');
    expect(position.sourceTimestamp).toBeInstanceOf(Date);

    // Machinery identification and item state.
    const systemChildren = await children(system.nodeId);
    expect(systemChildren.some((r) => r.browseName.name === 'Identification' && r.browseName.namespaceIndex === ns(DI))).toBe(true);
    expect(systemChildren.some((r) => r.browseName.name === 'MachineryItemState' && r.browseName.namespaceIndex === ns(MACHINERY))).toBe(true);
    expect(systemChildren.some((r) => r.browseName.name === 'SafetyStates' && r.browseName.namespaceIndex === ns(ROBOTICS))).toBe(true);
    expect(systemChildren.some((r) => r.browseName.name === 'Controllers' && r.browseName.namespaceIndex === ns(ROBOTICS))).toBe(true);
  });
});

describe('gateway OPC UA source', () => {
  let influx: TestInflux;
  beforeAll(async () => {
    influx = await startTestInflux();
  });
  afterAll(async () => {
    await influx?.stop();
  });

  it('stores joint values with their types and the source timestamps, and recovers from a server restart', async () => {
    const port = await freePort();
    const pki = tempDir('robot-b').path;
    let server = await robot('robot-b', { port, pki });
    const site = testSite([{ id: 'robot-b', profile: 'robotics-arm', opcua: { endpoint: `opc.tcp://127.0.0.1:${port}`, root: 'machinery:Machines/*:robot-b' } }]);
    const gateway = gatewayFor(site, influx, 'robots', tempDir('gw-pki').path);
    // A bare client records what the server publishes, to compare values and timestamps.
    const watcher = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 1 } });
    try {
      await gateway.start();
      const db = influx.client('robots');
      await eventually(() => gateway.telemetry.counts.written > 20, 20_000, 'robot points written');
      await gateway.flush();
      const [row] = await db.query<Record<string, unknown>>(`SELECT * FROM robot_arm WHERE device = 'robot-b' ORDER BY time DESC LIMIT 1`);
      expect(typeof row!.axis1_position).toBe('number');
      expect(typeof row!.axis6_speed).toBe('number');
      expect(typeof row!.emergency_stop).toBe('boolean');
      expect(row!.operational_mode).toBe('3');
      expect(row!.program).toBe('PickPlace_StreetlightHousing');
      expect(['Executing', 'NotExecuting']).toContain(row!.item_state);
      const fields = Object.fromEntries((await db.query<{ fieldKey: string; fieldType: string }>('SHOW FIELD KEYS FROM robot_arm')).map((f) => [f.fieldKey, f.fieldType]));
      expect(fields).toMatchObject({ axis1_position: 'float', cycle_count: 'integer', axis1_load: 'integer', emergency_stop: 'boolean', item_state: 'string' });
      // An array and a structure, flattened into named fields.
      expect(fields).toMatchObject({ joint_torque_a1: 'float', joint_torque_a6: 'float', tcp_x: 'float', tcp_y: 'float', tcp_z: 'float' });
      expect(fields.joint_torque).toBeUndefined();
      expect(typeof row!.tcp_z).toBe('number');
      expect(gateway.telemetry.unavailable.get(gateway.sources[0]!.name)?.size ?? 0).toBe(0);

      // Source timestamps: a value the server published at time T is stored at T.
      await watcher.connect(server.endpoint);
      const session = await watcher.createSession();
      const ns = ((await session.readNamespaceArray()) as string[]).indexOf('urn:fieldlab:robot-simulator');
      const seen = await session.read({ nodeId: `ns=${ns};s=robot-b.CycleCount`, attributeId: AttributeIds.Value }, 0);
      expect(seen.sourceTimestamp).toBeInstanceOf(Date);
      const samples: { t: number; v: number }[] = [];
      const sub = await session.createSubscription2({ requestedPublishingInterval: 50, publishingEnabled: true });
      const item = await sub.monitor({ nodeId: `ns=${ns};s=robot-b.CycleCount`, attributeId: AttributeIds.Value }, { samplingInterval: 0, queueSize: 10 }, TimestampsToReturn.Both);
      item.on('changed', (dv) => samples.push({ t: dv.sourceTimestamp!.getTime(), v: Number(dv.value.value) }));
      await eventually(() => samples.length >= 2, 15_000, 'cycle count changes');
      await session.close();
      await watcher.disconnect();
      const change = samples[1]!;
      // The gateway's own notification may still be on its way: poll until stored (or time out).
      let stored: { time: Date; cycle_count: number }[] = [];
      await eventually(
        async () => {
          await gateway.flush();
          stored = await db.query<{ time: Date; cycle_count: number }>(`SELECT cycle_count FROM robot_arm WHERE device = 'robot-b' AND time = ${change.t}ms`);
          return stored.length > 0;
        },
        10_000,
        'the point at the source timestamp',
      );
      expect(stored).toHaveLength(1);
      expect(stored[0]!.cycle_count).toBe(change.v);

      // Restart the server on the same port: data flows again within 10 s, gateway untouched.
      await server.stop();
      await eventually(() => gateway.sources[0]!.state() === 'disconnected', 10_000, 'gateway notices the restart');
      server = await robot('robot-b', { port, pki });
      const restartedAt = Date.now();
      const before = gateway.telemetry.counts.written;
      await eventually(() => gateway.telemetry.counts.written > before + 10, 10_000, 'values flowing again');
      expect(Date.now() - restartedAt).toBeLessThan(10_000);
      expect(gateway.telemetry.counts.sources[gateway.sources[0]!.name]!.reconnects).toBeGreaterThanOrEqual(1);
    } finally {
      await gateway.stop();
      await server.stop();
    }
  });

  it('names the device, signal and path that does not exist, while the other signals flow', async () => {
    const profiles = robotProfileWith('robotics:Axes/[6]/di:ParameterSet/robotics:ActualPosition', 'robotics:Axes/[6]/di:ParameterSet/robotics:ActualPositon');
    const server = await robot('robot-c');
    const site = testSite([{ id: 'robot-c', profile: 'robotics-arm', opcua: { endpoint: server.endpoint } }], profiles);
    const gateway = gatewayFor(site, influx, 'robots_c', tempDir('gw-pki').path);
    try {
      await gateway.start();
      await eventually(() => gateway.telemetry.counts.written > 10, 20_000, 'other signals flowing');
      const health = (await (await fetch(`${gateway.httpAddress()}/healthz`)).json()) as { status: string; unavailableSignals: Record<string, string>; problems: string[] };
      expect(health.status).toBe('degraded');
      expect(Object.keys(health.unavailableSignals)).toEqual(['robot-c/axis6_position']);
      expect(health.unavailableSignals['robot-c/axis6_position']).toMatch(/ActualPositon not found/);
      await gateway.flush();
      const [row] = await influx.client('robots_c').query<Record<string, unknown>>(`SELECT last(axis5_position) AS a5, last(axis6_position) AS a6 FROM robot_arm`);
      expect(typeof row!.a5).toBe('number');
      expect(row!.a6).toBeNull();
    } finally {
      await gateway.stop();
      await server.stop();
    }
  });

  it('retries a missing signal alone, and reads it once the server has it', async () => {
    const profiles = robotProfileWith('gripper_closed: { path: "sim:GripperClosed" }', 'gripper_closed: { path: "sim:LateGripper" }');
    const server = await robot('robot-h');
    const site = testSite([{ id: 'robot-h', profile: 'robotics-arm', opcua: { endpoint: server.endpoint } }], profiles);
    const gateway = gatewayFor(site, influx, 'robots_h', tempDir('gw-pki').path);
    try {
      await gateway.start();
      await eventually(() => gateway.telemetry.counts.written > 5, 20_000, 'the other signals');
      const unavailable = () => gateway.telemetry.unavailable.get(gateway.sources[0]!.name);
      expect([...(unavailable()?.keys() ?? [])]).toEqual(['robot-h/gripper_closed']);
      const sessionsBefore = gateway.telemetry.counts.sources[gateway.sources[0]!.name]!.reconnects;
      // The vendor adds the node to the running server.
      const as = server.addressSpace!;
      const own = as.getNamespace('urn:fieldlab:robot-simulator');
      const machines = as.rootFolder.objects.getFolderElementByName('Machines', as.getNamespaceIndex('http://opcfoundation.org/UA/Machinery/')) as UAObject;
      const system = machines.getFolderElementByName('robot-h', own.index)!;
      own.addVariable({ componentOf: system, browseName: 'LateGripper', dataType: 'Boolean', value: { dataType: DataType.Boolean, value: true } });
      await eventually(() => unavailable()?.size === 0, 10_000, 'the retried signal');
      await eventually(() => gateway.state.snapshot()[0]!.values.gripper_closed === true, 5000, 'its value');
      // Retried alone: the session was never rebuilt for it.
      expect(gateway.telemetry.counts.sources[gateway.sources[0]!.name]!.reconnects).toBe(sessionsBefore);
    } finally {
      await gateway.stop();
      await server.stop();
    }
  });

  it('connects with SignAndEncrypt to a trusted server and refuses an untrusted one', async () => {
    const serverPki = tempDir('robot-d-pki').path;
    const server = await robot('robot-d', { secure: true, pki: serverPki });
    const endpoint = { endpoint: server.endpoint, securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256' };
    const site = testSite([{ id: 'robot-d', profile: 'robotics-arm', opcua: endpoint }]);

    const untrustingPki = tempDir('gw-pki-untrusting').path;
    const untrusting = gatewayFor(site, influx, 'robots_d', untrustingPki);
    const trusting = gatewayFor(site, influx, 'robots_d', trustedPki(server));
    try {
      await untrusting.start();
      await trusting.start();
      await eventually(() => trusting.telemetry.counts.written > 5, 20_000, 'secured values flowing');
      expect(trusting.sources[0]!.state()).toBe('connected');
      await sleep(2000);
      expect(untrusting.sources[0]!.state()).not.toBe('connected');
      expect(untrusting.telemetry.counts.received).toBe(0);
      const refused = untrusting.telemetry.counts.sources[untrusting.sources[0]!.name];
      expect(refused?.state).toBe('disconnected');
      expect(refused?.why).toMatch(/certificate/i);
      // The refused certificate waits in rejected/ for an operator to move it to trusted/certs/.
      expect(readdirSync(join(untrustingPki, 'rejected')).length).toBeGreaterThan(0);
    } finally {
      await untrusting.stop();
      await trusting.stop();
      await server.stop();
    }
  });

  it('logs in with a username and a password from the environment, and is refused with a wrong one', async () => {
    const server = await robot('robot-e', { secure: true, users: { operator: 's3cret' } });
    process.env.FIELDLAB_TEST_ROBOT_PW = 's3cret';
    process.env.FIELDLAB_TEST_ROBOT_BAD_PW = 'guess';
    const conn = { endpoint: server.endpoint, securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', username: 'operator' };
    const good = gatewayFor(testSite([{ id: 'robot-e', profile: 'robotics-arm', opcua: { ...conn, passwordEnv: 'FIELDLAB_TEST_ROBOT_PW' } }]), influx, 'robots_e', trustedPki(server));
    const bad = gatewayFor(testSite([{ id: 'robot-e', profile: 'robotics-arm', opcua: { ...conn, passwordEnv: 'FIELDLAB_TEST_ROBOT_BAD_PW' } }]), influx, 'robots_e', trustedPki(server));
    try {
      await good.start();
      await bad.start();
      await eventually(() => good.telemetry.counts.written > 5, 20_000, 'values with a password login');
      await eventually(() => bad.telemetry.counts.sources[bad.sources[0]!.name]?.state === 'disconnected', 10_000, 'wrong password refused');
      expect(bad.telemetry.counts.sources[bad.sources[0]!.name]?.why).toMatch(/BadUserAccessDenied|BadIdentityTokenRejected|BadIdentityTokenInvalid/);
      expect(bad.telemetry.counts.received).toBe(0);
    } finally {
      await good.stop();
      await bad.stop();
      await server.stop();
    }
  });
});

/** A copy of the shipped profiles with one edit to the robot profile. */
function robotProfileWith(from: string, to: string): string {
  const profiles = tempDir('profiles').path;
  cpSync(DEFAULT_PROFILES_DIR, profiles, { recursive: true, filter: (src) => !src.includes('schema') && !src.includes('sites') });
  const file = join(profiles, 'robotics-arm.yaml');
  const text = readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`robotics-arm.yaml has no "${from}"`);
  writeFileSync(file, text.replace(from, to));
  return profiles;
}

function trustedPki(server: RobotServer): string {
  const pki = tempDir('gw-pki-trusted').path;
  mkdirSync(join(pki, 'trusted', 'certs'), { recursive: true });
  copyFileSync(server.certificateFile!, join(pki, 'trusted', 'certs', 'server.pem'));
  return pki;
}

describe('fieldlab profiles browse', () => {
  it('writes a profile skeleton from a live robot that loads as a profile', async () => {
    const { browseProfile } = await import('../../gateway/src/sources/opcua/browse-profile.ts');
    const { parseYaml } = await import('../../device-profiles/schema/parse.ts');
    const { ProfileSchema } = await import('../../device-profiles/schema/profile.ts');
    const server = await robot('robot-f');
    try {
      const yaml = await browseProfile({ endpoint: server.endpoint, root: 'machinery:Machines/*:robot-f', id: 'browsed-arm', kind: 'robot-arm' });
      const profile = parseYaml(ProfileSchema, yaml, 'browsed.yaml');
      const paths = Object.values(profile.opcua!.signals).map((s) => s.path!);
      expect(paths.filter((p) => p.endsWith('robotics:ActualPosition'))).toHaveLength(6);
      expect(paths).toContain('robotics:SafetyStates/ns1:SafetyState1/di:ParameterSet/robotics:EmergencyStop');
      const emergency = Object.entries(profile.opcua!.signals).find(([, s]) => s.path!.endsWith('robotics:EmergencyStop'))![0];
      expect(profile.signals[emergency]!.type).toBe('bool');
      expect(profile.opcua!.namespaces).toEqual({ ns1: 'urn:fieldlab:robot-simulator' });
    } finally {
      await server.stop();
    }
  });
});

describe('a robot that freezes without closing its connection', () => {
  it('is detected by the subscription watchdog and read again once it answers', async () => {
    const influx = await startTestInflux();
    const port = await freePort();
    const dir = tempDir('frozen');
    const siteFile = join(dir.path, 'site.yaml');
    const site = testSite([{ id: 'robot-g', profile: 'robotics-arm', opcua: { endpoint: `opc.tcp://127.0.0.1:${port}`, root: 'machinery:Machines/*:robot-g' } }]);
    writeFileSync(siteFile, readFileSync(site.file, 'utf8'));
    // The robot runs in a process of its own, so it can be frozen (SIGSTOP) like a hung
    // controller or a network that silently drops: the TCP connection stays open.
    const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/cli/main.ts', 'simulate', '--site', siteFile, '--pki-dir', join(dir.path, 'pki')], { stdio: 'ignore' });
    const gateway = gatewayFor(site, influx, 'robots_g', tempDir('gw-pki').path);
    try {
      await gateway.start();
      // The robot process compiles and loads its nodesets first: slow beside a full suite on two cores.
      await eventually(() => gateway.telemetry.counts.written > 10, 60_000, 'values from the robot process');
      const name = gateway.sources[0]!.name;
      child.kill('SIGSTOP');
      const frozenAt = Date.now();
      await eventually(() => gateway.sources[0]!.state() === 'disconnected', 10_000, 'the watchdog noticing');
      expect(Date.now() - frozenAt).toBeLessThan(6000);
      expect(gateway.telemetry.counts.sources[name]!.why).toMatch(/no publish or keep-alive|connection|session/);
      child.kill('SIGCONT');
      const thawedAt = Date.now();
      const before = gateway.telemetry.counts.written;
      await eventually(() => gateway.telemetry.counts.written > before + 10 && gateway.sources[0]!.state() === 'connected', 15_000, 'values again');
      expect(Date.now() - thawedAt).toBeLessThan(15_000);
    } finally {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await gateway.stop();
      await influx.stop();
    }
  }, 120_000);
});
