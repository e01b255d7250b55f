// The demo as a newcomer starts it, warm (the default) and --cold, one after the other in the
// same run on the same machine: seconds from the command to the first robot motion an OPC UA
// client sees and to the first part on the conveyor (an MQTT client reading its `carriers`),
// and, from the warm run's log, how long writing the previous 8-hour shift took.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { AttributeIds, OPCUAClient, makeBrowsePath } from 'node-opcua';
import { freePort } from '../../gateway/src/services/free-port.ts';
import { startInfluxd } from '../../gateway/src/services/influxd.ts';
import { demoSiteFile } from '../../test/support/fixtures.ts';

export interface DemoStartResult {
  readonly mode: 'warm' | 'cold';
  /** Seconds from spawning `fieldlab demo` to the first change of robot-01's axis positions; null: none within the wait. */
  readonly firstMotionS: number | null;
  /** Seconds to the first conveyor message with a carrier on the belt. */
  readonly firstPartOnConveyorS: number | null;
  readonly waitedS: number;
  /** Warm only: the recorded past as the demo logged it. */
  readonly past?: { readonly hours: number; readonly seconds: number; readonly points: number; readonly pointsPerSecond: number };
}

const CLI = ['--import', 'tsx', 'gateway/src/cli/main.ts'];

export async function benchDemoStart(options: { waitS?: number; pastHours?: number } = {}): Promise<DemoStartResult[]> {
  const results: DemoStartResult[] = [];
  for (const mode of ['warm', 'cold'] as const) results.push(await once(mode, options.waitS ?? 120, options.pastHours ?? 8));
  return results;
}

async function once(mode: 'warm' | 'cold', waitS: number, pastHours: number): Promise<DemoStartResult> {
  const dir = mkdtempSync(join(tmpdir(), `fieldlab-bench-demo-${mode}-`));
  const influxd = await startInfluxd({ dataDir: join(dir, 'influx') });
  const robots: [number, number] = [await freePort(), await freePort()];
  const site = demoSiteFile(dir, robots);
  const args = ['demo', '--site', site, '--influx', influxd.url, '--port', String(await freePort()), '--data-dir', join(dir, 'data'), '--log-format', 'json', '--past-hours', String(pastHours), ...(mode === 'cold' ? ['--cold'] : [])];
  const started = performance.now();
  const child = spawn(process.execPath, [...CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const seconds = () => (performance.now() - started) / 1000;
  const deadline = started + waitS * 1000;
  let firstMotionS: number | null = null;
  let firstPartOnConveyorS: number | null = null;

  const watchConveyor = (async () => {
    let url: string | undefined;
    while (!url && performance.now() < deadline) {
      url = /embedded MQTT broker \(aedes\) on (mqtt:\/\/[0-9.:]+)/.exec(output)?.[1];
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!url) return;
    const client = await mqtt.connectAsync(url, { clientId: `bench-demo-${process.pid}` });
    await client.subscribeAsync('fieldlab/conveyor-01/conveyor');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, deadline - performance.now()));
      client.on('message', (_t, payload) => {
        const carriers = (JSON.parse(payload.toString()) as { carriers?: number }).carriers ?? 0;
        if (carriers > 0 && firstPartOnConveyorS === null) {
          firstPartOnConveyorS = seconds();
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await client.endAsync();
  })();

  const watchRobot = (async () => {
    const client = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 1000, initialDelay: 250, maxDelay: 500 } });
    await client.connect(`opc.tcp://127.0.0.1:${robots[0]}`);
    const session = await client.createSession();
    const ns = (await session.readNamespaceArray()) as string[];
    const i = (uri: string) => ns.indexOf(uri);
    const path = `/${i('http://opcfoundation.org/UA/Machinery/')}:Machines/${i('urn:fieldlab:robot-simulator')}:robot-01/${i('http://opcfoundation.org/UA/Robotics/')}:MotionDevices/${i('urn:fieldlab:robot-simulator')}:Arm/${i('http://opcfoundation.org/UA/Robotics/')}:Axes/${i('urn:fieldlab:robot-simulator')}:Axis1/${i('http://opcfoundation.org/UA/DI/')}:ParameterSet/${i('http://opcfoundation.org/UA/Robotics/')}:ActualPosition`;
    const [found] = await session.translateBrowsePath([makeBrowsePath('ObjectsFolder', path)]);
    const nodeId = found!.targets![0]!.targetId.toString();
    const read = async () => Number((await session.read({ nodeId, attributeId: AttributeIds.Value })).value.value);
    const first = await read();
    while (performance.now() < deadline) {
      if (Math.abs((await read()) - first) > 0.01) {
        firstMotionS = seconds();
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    await session.close();
    await client.disconnect();
  })();

  await Promise.all([watchConveyor, watchRobot]);
  let past: DemoStartResult['past'];
  if (mode === 'warm' && pastHours > 0) {
    const until = Date.now() + 240_000; // it runs beside the live line, so on a busy machine it takes a while
    while (!output.includes('recorded past: the previous') && Date.now() < until) await new Promise((r) => setTimeout(r, 500));
    const line = output.split('\n').find((l) => l.includes('recorded past: the previous'));
    if (line) {
      const j = JSON.parse(line) as { seconds: number; points: number; pointsPerSecond: number };
      past = { hours: pastHours, seconds: j.seconds, points: j.points, pointsPerSecond: j.pointsPerSecond };
    }
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  await exited;
  await influxd.stop();
  rmSync(dir, { recursive: true, force: true });
  return { mode, firstMotionS, firstPartOnConveyorS, waitedS: waitS, ...(past ? { past } : {}) };
}
