// Every source against the source contract, each with a real server: the MQTT source
// through mosquitto, the OPC UA source against the simulated robot's OPC UA server.
import mqtt from 'mqtt';
import type { RawMessage } from '../../gateway/src/core/reading.ts';
import type { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { freePort } from '../../gateway/src/services/free-port.ts';
import { MqttSource } from '../../gateway/src/sources/mqtt/mqtt-source.ts';
import { OpcUaSource } from '../../gateway/src/sources/opcua/opcua-source.ts';
import { RobotServer, type RobotServerOptions } from '../../simulators/src/robot-arm/robot-server.ts';
import { testSite } from '../support/fixtures.ts';
import { startMosquitto, tempDir, type TestMosquitto } from '../support/services.ts';
import { sourceContract, type SourceHarness } from './source-contract.ts';

const TOPIC = 'contract/device-1';

async function mosquitto(): Promise<SourceHarness> {
  let broker: TestMosquitto | undefined = await startMosquitto();
  const { port, url } = broker;
  let clients = 0;
  let sent = 0;
  return {
    // A client id of its own per source: the broker keeps a persistent session per id.
    build: (telemetry: Telemetry) => new MqttSource({ name: 'mqtt-contract', url, clientId: `contract-${process.pid}-${++clients}`, subscriptions: ['contract/#'], reconnectMs: 200 }, telemetry),
    publish: async () => {
      const client = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
      await client.publishAsync(TOPIC, JSON.stringify({ n: ++sent }), { qos: 1 });
      await client.endAsync();
    },
    fromDevice: (m: RawMessage) => m.kind === 'mqtt' && m.topic === TOPIC,
    stopServer: async () => {
      await broker?.stop();
      broker = undefined;
    },
    startServer: async () => {
      broker = await startMosquitto(port);
    },
    close: async () => {
      await broker?.stop();
    },
  };
}

async function robot(): Promise<SourceHarness> {
  const id = 'robot-contract';
  const port = await freePort();
  // Certificates are made once per folder and are slow to make: one folder each for the suite.
  const serverPki = tempDir('contract-robot-pki');
  const clientPki = tempDir('contract-gateway-pki');
  const options: RobotServerOptions = { id, port, seed: 3, cycleSeconds: 4, rate: 20, pkiDir: serverPki.path, protectiveStopChance: 0, emergencyStopChance: 0 };
  let server: RobotServer | undefined = new RobotServer(options);
  await server.start();
  const site = testSite([{ id, profile: 'robotics-arm', opcua: { endpoint: server.endpoint, root: `machinery:Machines/*:${id}` } }]);
  const endpoint = server.endpoint;
  return {
    build: (telemetry: Telemetry) =>
      new OpcUaSource({ endpoint, devices: site.devices, pkiDir: clientPki.path, reconnectInitialMs: 100, reconnectMaxMs: 400, retrySignalMs: 1000 }, telemetry),
    // The robot moves by itself, 20 updates a second.
    publish: async () => undefined,
    fromDevice: (m: RawMessage) => m.kind === 'opcua' && m.changes.some((c) => c.device.id === id),
    stopServer: async () => {
      await server?.stop();
      server = undefined;
    },
    startServer: async () => {
      server = new RobotServer(options);
      await server.start();
    },
    close: async () => {
      await server?.stop();
      serverPki.remove();
      clientPki.remove();
    },
  };
}

sourceContract('MQTT (mosquitto)', mosquitto);
sourceContract('OPC UA (simulated robot)', robot);
