// Parts you can follow, in a real browser: the conveyor's and the inspection cell's signals,
// published over MQTT as the line's PLC would, reach the viewer through the gateway and the
// profiles' bindings and move housings in the scene. And a site with ten times the machines
// costs no more draw calls: identical parts are instanced across machines. One gateway with
// MQTT only (the robots' endpoints stay unanswered), one small page at a time.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { type Browser, type Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { ensureViewerBuilt } from '../../gateway/src/http/viewer.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../gateway/src/services/embedded-broker.ts';
import { freePort } from '../../gateway/src/services/free-port.ts';
import type { TwinTestHook } from '../../twin-viewer/src/test-hook.ts';
import { demoSiteFile } from '../support/fixtures.ts';
import { eventually, spoolDir, tempDir } from '../support/services.ts';
import { launchChromium } from '../support/chromium.ts';

type Hooked = { fieldlabTwin: TwinTestHook };
const log = pino({ level: 'silent' });

describe('material flow in the twin', () => {
  const dir = tempDir('flow');
  let broker: EmbeddedBroker;
  let gateway: Gateway;
  let browser: Browser;
  let publisher: MqttClient;
  let page: Page;

  beforeAll(async () => {
    await ensureViewerBuilt(log);
    broker = await startEmbeddedBroker(0);
    const site = loadSite(demoSiteFile(dir.path, [await freePort(), await freePort()]));
    gateway = new Gateway(site, gatewayConfig({ mqtt: { url: broker.url }, http: { host: '127.0.0.1', port: 0 }, opcua: { pkiDir: join(dir.path, 'pki') }, spool: { dir: spoolDir() } }), new Telemetry(log), { sinks: [] });
    await gateway.start();
    publisher = await mqtt.connectAsync(broker.url, { clientId: 'e2e-line-plc' });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 480, height: 320 } });
    await page.goto(`${gateway.httpAddress()}/`);
    await page.waitForFunction(() => (window as unknown as Hooked).fieldlabTwin?.frames() > 0, undefined, { timeout: 20_000 });
  });

  afterAll(async () => {
    await publisher?.endAsync();
    await browser?.close();
    await gateway?.stop();
    await broker?.close();
    dir.remove();
  });

  const parts = () => page.evaluate(() => (window as unknown as Hooked).fieldlabTwin.parts());
  const conveyor = (v: { belt_speed: number; running: boolean; carriers: number }) => publisher.publishAsync('fieldlab/conveyor-01/conveyor', JSON.stringify(v), { qos: 1 });

  it('draws a live WebGL canvas that is not blank', async () => {
    // The first frames can be the clear colour alone, before the site's meshes are in.
    await page.waitForFunction(() => (window as unknown as Hooked).fieldlabTwin.drawCalls() > 0, undefined, { timeout: 20_000 });
    const read = () => page.evaluate(() => {
      const c = document.querySelector('#scene canvas') as HTMLCanvasElement;
      const gl = c.getContext('webgl2') ?? c.getContext('webgl');
      const [w, h] = [gl!.drawingBufferWidth, gl!.drawingBufferHeight];
      const px = new Uint8Array(4 * w * h);
      gl!.readPixels(0, 0, w, h, gl!.RGBA, gl!.UNSIGNED_BYTE, px);
      const colours = new Set<number>();
      for (let i = 0; i < px.length; i += 4) colours.add((px[i]! << 16) | (px[i + 1]! << 8) | px[i + 2]!);
      return { lost: gl!.isContextLost(), colours: colours.size };
    });
    let canvas = await read();
    await eventually(async () => (canvas = await read()).colours > 20, 10_000, 'a picture of more than 20 colours').catch(() => undefined);
    expect(canvas.lost).toBe(false);
    expect(canvas.colours).toBeGreaterThan(20);
  });

  it('moves a part along the conveyor at the belt speed the conveyor reports', async () => {
    await conveyor({ belt_speed: 0.25, running: true, carriers: 2 });
    await eventually(async () => (await parts()).filter((p) => p.stage === 'belt').length === 2, 15_000, 'two parts on the belt');
    const [first] = (await parts()).filter((p) => p.stage === 'belt');
    // The demo's conveyor runs west to east (+x in the scene): a part on it moves that way.
    await eventually(async () => ((await parts()).find((p) => p.serial === first!.serial)?.position.x ?? -Infinity) > first!.position.x + 0.05, 10_000, 'the part to move on');
    const later = (await parts()).find((p) => p.serial === first!.serial)!;
    expect(later.stage).toBe('belt');
    expect(Math.abs(later.position.z - first!.position.z)).toBeLessThan(0.01);
  });

  it('takes a part off the belt when the conveyor counts one less, and turns it red when inspection fails it', async () => {
    await conveyor({ belt_speed: 0.25, running: true, carriers: 1 });
    await eventually(async () => (await parts()).some((p) => p.stage === 'cell' || p.stage === 'queue'), 10_000, 'a part at the inspection cell');
    await publisher.publishAsync('fieldlab/inspection-01/inspection', JSON.stringify({ result: 'pass', inspected: 10, failed: 0 }), { qos: 1 });
    await eventually(async () => ((await page.evaluate(() => (window as unknown as Hooked).fieldlabTwin.targets('inspection-01')))['flow.inspected'] ?? 0) === 10, 10_000, 'the first count');
    await publisher.publishAsync('fieldlab/inspection-01/inspection', JSON.stringify({ result: 'fail', inspected: 11, failed: 1 }), { qos: 1 });
    await eventually(async () => (await parts()).some((p) => p.verdict === 'fail'), 10_000, 'a failed part');
    expect((await parts()).filter((p) => p.stage === 'belt')).toHaveLength(1);
  });
});

describe('draw calls as the site grows', () => {
  it('stay flat from the demo site to ten times its machines', async () => {
    await ensureViewerBuilt(log);
    const dir = tempDir('flow-draws');
    const browser = await launchChromium();
    const calls: number[] = [];
    try {
      for (const times of [1, 10]) {
        const site = loadSite(multiplied(demoSiteFile(dir.path, [await freePort(), await freePort()]), times));
        const gateway = new Gateway(site, gatewayConfig({ http: { host: '127.0.0.1', port: 0 }, spool: { dir: spoolDir() } }), new Telemetry(log), { sources: [], sinks: [] });
        await gateway.start();
        try {
          const page = await browser.newPage({ viewport: { width: 320, height: 240 } });
          await page.goto(`${gateway.httpAddress()}/`);
          await page.waitForFunction((n) => (window as unknown as Hooked).fieldlabTwin?.devices().length === n, site.devices.length, { timeout: 30_000 });
          calls.push(await page.evaluate(() => (window as unknown as Hooked).fieldlabTwin.measureFrames(3).drawCalls));
          await page.close();
        } finally {
          await gateway.stop();
        }
      }
    } finally {
      await browser.close();
      dir.remove();
    }
    expect(calls[0]).toBeGreaterThan(0);
    // Ten times the machines of each kind: the same instanced draws (drawn one by one, it would be ~9×).
    expect(calls[1]).toBeLessThanOrEqual(calls[0]! + 2);
  });
});

/** The site in `file` with every device repeated `times` times (no connections), beside it. */
function multiplied(file: string, times: number): string {
  const site = parse(readFileSync(file, 'utf8')) as { devices: { id: string; position: { x: number; y: number }; connection?: unknown }[]; site: { floor: { depth: number } } };
  const base = site.devices;
  site.devices = Array.from({ length: times }, (_, k) => base.map((d) => ({ ...d, id: `${d.id}-${k}`, position: { x: d.position.x, y: (d.position.y + k * 2.2) % site.site.floor.depth }, connection: undefined }))).flat();
  const out = file.replace(/\.yaml$/, `-x${times}.yaml`);
  writeFileSync(out, stringify(site).replace(/\$\{FIELDLAB_ROBOT_HOST:-127\.0\.0\.1\}/g, '127.0.0.1'));
  return out;
}
