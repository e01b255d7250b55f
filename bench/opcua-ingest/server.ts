// The robots under test, in a process of their own so their CPU is not measured.
import { RobotServer } from '../../simulators/src/robot-arm/robot-server.ts';
import { robotId, SAMPLING_MS } from './setup.ts';

const [robots, port, pkiDir] = process.argv.slice(2) as [string, string, string];
const specs = Array.from({ length: Number(robots) }, (_, i) => ({
  id: robotId(i),
  seed: i + 1,
  cycleSeconds: 6,
  protectiveStopChance: 0,
  emergencyStopChance: 0,
}));
const server = new RobotServer({ ...specs[0]!, moreRobots: specs.slice(1), port: Number(port), pkiDir, rate: 1000 / SAMPLING_MS });
await server.start();
process.send!({ ready: true });
process.on('message', async () => {
  await server.stop();
  process.exit(0);
});
