// The viewer in a real browser (Debian's chromium through playwright-core), against the
// real gateway and simulators. WebGL renders in software here (SwiftShader), so the test
// asserts a live WebGL context and a non-blank canvas, then what the scene shows.
import { mkdirSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { loadSite, type SiteModel } from '../../device-profiles/schema/load.ts';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { ensureViewerBuilt } from '../../gateway/src/http/viewer.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../gateway/src/services/embedded-broker.ts';
import { freePort } from '../../gateway/src/services/free-port.ts';
import { SimulatedFleet } from '../../simulators/src/fleet.ts';
import { eventually, sleep, spoolDir, tempDir } from '../support/services.ts';
import { demoSiteFile } from '../support/fixtures.ts';
import { loginPage, PASSWORD, usersFile, withUsers } from '../support/auth.ts';
import { launchChromium } from '../support/chromium.ts';


interface TwinHook {
  devices(): string[];
  targets(id: string): Record<string, number | string>;
  status(id: string): string;
  values(id: string): Record<string, unknown>;
  joint(id: string, n: number): number | undefined;
  drawCalls(): number;
  connection(): string;
}
declare global {
  interface Window {
    fieldlabTwin: TwinHook;
  }
}

describe('twin viewer in a real browser', () => {
  let broker: EmbeddedBroker;
  let fleet: SimulatedFleet;
  let gateway: Gateway;
  let browser: Browser;
  let url: string;
  let unsimulated: SiteModel['devices'][number];
  const log = pino({ level: 'silent' });

  beforeAll(async () => {
    await ensureViewerBuilt(log);
    const dir = tempDir('e2e');
    const [r1, r2] = [await freePort(), await freePort()];
    const site = loadSite(demoSiteFile(dir.path, [r1, r2]));
    broker = await startEmbeddedBroker(0);
    // The Bambu printer is left unsimulated: the alarm test speaks for it, with no simulator talking over it.
    unsimulated = site.devices.find((d) => d.profileDef.id === 'bambu-lab-fdm')!;
    const simulated = { ...site, devices: site.devices.filter((d) => d !== unsimulated) };
    fleet = new SimulatedFleet({ site: simulated, mqttUrl: broker.url, timeScale: 10, pkiDir: join(dir.path, 'pki') });
    await fleet.startRobots();
    const users = await withUsers(usersFile(), ['operator', 'engineer']);
    gateway = new Gateway(
      site,
      gatewayConfig({ mqtt: { url: broker.url }, http: { host: '127.0.0.1', port: 0 }, opcua: { pkiDir: join(dir.path, 'gw-pki') }, spool: { dir: join(dir.path, 'spool') }, auth: { usersFile: users } }),
      new Telemetry(log),
      { sinks: [] },
    );
    await gateway.start();
    await fleet.startPrinters();
    url = gateway.httpAddress()!;
    // launch() gives every run a fresh, temporary user-data-dir of its own.
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
    await gateway?.stop();
    await broker?.close();
  });

  async function open(query = '', as?: 'operator' | 'engineer'): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    if (as) await loginPage(page, url, as, PASSWORD[as]);
    await page.goto(`${url}/${query}`);
    await page.waitForFunction(() => window.fieldlabTwin?.devices().length > 0, undefined, { timeout: 20_000 });
    return page;
  }

  it('draws every device of the site with live WebGL, and the picture is not blank', async () => {
    const page = await open();
    const devices = await page.evaluate(() => window.fieldlabTwin.devices());
    expect(devices.sort()).toEqual(gateway.site.devices.map((d) => d.id).sort());
    const webgl = await page.evaluate(() => {
      const canvas = document.querySelector('#scene canvas') as HTMLCanvasElement;
      const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
      return Boolean(gl) && !gl!.isContextLost();
    });
    expect(webgl).toBe(true);
    await page.waitForFunction(() => window.fieldlabTwin.drawCalls() > 0, undefined, { timeout: 20_000 });
    const distinct = await page.evaluate(() => {
      const src = document.querySelector('#scene canvas') as HTMLCanvasElement;
      const c = document.createElement('canvas');
      c.width = 128;
      c.height = 72;
      const ctx = c.getContext('2d')!;
      ctx.drawImage(src, 0, 0, 128, 72);
      const data = ctx.getImageData(0, 0, 128, 72).data;
      const colours = new Set<number>();
      for (let i = 0; i < data.length; i += 4) colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      return colours.size;
    });
    expect(distinct).toBeGreaterThan(20);
    const shot = await page.screenshot();
    writeFileSync(join(process.env.FIELDLAB_SCREENSHOT_DIR ?? tempDir('shots').path, 'twin.png'), shot);
    expect(shot.length).toBeGreaterThan(20_000);
    await page.close();
  });

  it("shows a printer's progress changing in its panel", async () => {
    const page = await open();
    const printers = gateway.site.devices.filter((d) => d.profileDef.kind === 'fdm-printer').map((d) => d.id);
    let printing: string | undefined;
    await eventually(
      async () => {
        for (const id of printers) {
          const [status, values] = await page.evaluate((d) => [window.fieldlabTwin.status(d), window.fieldlabTwin.values(d)] as const, id);
          if (status === 'running' && typeof values.progress === 'number' && values.progress > 0) printing = id;
        }
        return printing !== undefined;
      },
      40_000,
      'a printer printing',
    );
    await page.click(`nav li[data-device="${printing}"]`);
    const cell = page.locator('#panel tr[data-signal="progress"] td');
    const first = await cell.textContent();
    await eventually(async () => (await cell.textContent()) !== first, 15_000, 'progress to move');
    expect(await page.locator('#panel .chart').count()).toBe(3);
    expect(new URL(page.url()).searchParams.get('device')).toBe(printing);
    await page.close();
  });

  it("turns a robot's joints with the values its OPC UA server publishes", async () => {
    const page = await open();
    const robot = fleet.robots[0]!;
    const id = robot.options.id;
    await page.waitForFunction((d) => typeof window.fieldlabTwin.values(d).axis1_position === 'number', id, { timeout: 20_000 });
    // What the server published, sampled here as it happens (it runs in this process).
    const published: { t: number; deg: number }[] = [];
    const recorder = setInterval(() => published.push({ t: Date.now(), deg: robot.model.values.position[0]! }), 10);
    const samples: { joint: number; target: number; value: number }[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        await sleep(700);
        const [joint, target] = await page.evaluate((d) => [window.fieldlabTwin.joint(d, 1)!, window.fieldlabTwin.targets(d)['joint1.rotation'] as number], id);
        const deg = joint / 0.0174533;
        // The scene's joint angle is one the server published in the last few seconds
        // (software rendering is slow, so the scene may be a frame or two behind).
        const recent = published.filter((p) => p.t > Date.now() - 4000);
        const nearest = Math.min(...recent.map((p) => Math.abs(p.deg - deg)));
        samples.push({ joint, target, value: deg });
        expect(nearest, `joint at ${deg.toFixed(2)}°`).toBeLessThan(0.5);
      }
    } finally {
      clearInterval(recorder);
    }
    // The joint is the profile's binding applied (degrees → radians), and it moves.
    for (const s of samples) expect(s.joint).toBeCloseTo(s.target, 6);
    expect(new Set(samples.map((s) => s.value.toFixed(2))).size).toBeGreaterThan(1);
    await page.close();
  });

  it('lists an alarm, marks its machine, and acknowledges it from the viewer', async () => {
    const page = await open('', 'operator');
    const printer = unsimulated;
    const topic = `device/${printer.topicId}/report`;
    const publisher = await mqtt.connectAsync(broker.url, { clientId: 'e2e-bambu' });
    const report = (printError: number, state: string) =>
      publisher.publishAsync(topic, JSON.stringify({ print: { gcode_state: state, print_error: printError, nozzle_temper: 220, bed_temper: 60, mc_percent: 40 } }), { qos: 1 });
    await report(0, 'RUNNING');
    await report(117473297, 'PAUSE');
    const item = page.locator(`#alarms li[data-device="${printer.id}"][data-alarm="firmware_error"]`);
    await item.waitFor({ timeout: 10_000 });
    expect(await item.locator('.text').textContent()).toContain('Filament ran out');
    expect(await item.getAttribute('data-severity')).toBe('warning');
    // The machine is marked: its status and its label.
    await eventually(async () => (await page.evaluate((d) => window.fieldlabTwin.status(d), printer.id)) === 'warning', 5000, 'machine marked');
    expect(await page.locator('.labels .alarmed').count()).toBeGreaterThanOrEqual(1);
    // No name to type: the gateway records who is logged in.
    expect(await page.locator('#alarms input').count()).toBe(0);
    await item.locator('.ack').click();
    await eventually(async () => ((await item.locator('.foot').textContent()) ?? '').includes('acknowledged by operator'), 5000, 'acknowledged in the list');
    // (The simulated robots raise their own stop alarms now and then.)
    expect(gateway.alarms.list().find((a) => a.device === printer.id)).toMatchObject({ alarm: 'firmware_error', acknowledgedBy: 'operator' });
    // The printer resumes: the alarm clears and, acknowledged already, leaves the list.
    await report(0, 'RUNNING');
    await item.waitFor({ state: 'detached', timeout: 5000 });
    await publisher.endAsync();
    await page.close();
  });

  it('starts a production series from the viewer and shows its count rising', async () => {
    const page = await open('', 'engineer');
    await page.click('#series .series-new');
    await page.fill('#series [name=product]', 'Street-light housing v3');
    await page.fill('#series [name=target]', '500');
    await page.selectOption('#series [name=line]', 'streetlight');
    await page.click('#series .series-form button[type=submit]');
    const card = page.locator('#series .series-card');
    await card.waitFor({ timeout: 5000 });
    expect(await card.locator('.product').textContent()).toBe('Street-light housing v3');
    const good = async () => Number(await card.locator('.counts .good').textContent());
    // The packing robot's cycles are the line's output: the count rises as it works.
    await eventually(async () => (await good()) >= 1, 30_000, 'a first good part');
    const first = await good();
    await eventually(async () => (await good()) > first, 30_000, 'the count to rise');
    expect(await card.locator('.oee .big').textContent()).toMatch(/^OEE (\d+%|—)$/);
    const [running] = gateway.production.list(Date.now());
    expect(running).toMatchObject({ product: 'Street-light housing v3', target: 500, line: 'streetlight', stoppedAt: null });
    // A second one on the same line is refused, with the reason shown.
    await page.click('#series .series-new');
    await page.fill('#series [name=product]', 'Another');
    await page.fill('#series [name=target]', '5');
    await page.click('#series .series-form button[type=submit]');
    await eventually(async () => ((await page.locator('#series .series-error').textContent()) ?? '').includes('is running on line'), 5000, 'the refusal shown');
    await page.click('#series .series-form .cancel');
    // Per station and machine: the table lists every counting station, the packing robot with its OEE.
    await card.locator('.detail summary').click();
    const rows = card.locator('.detail tbody tr');
    await eventually(async () => (await rows.count()) > 0, 5000, 'the stations table');
    const stationRows = await card.locator('.detail tr.station td:first-child').allTextContents();
    expect(stationRows).toEqual(expect.arrayContaining(['Print farm', 'Vision inspection', 'Robot packing']));
    const packer = card.locator('.detail tr.machine', { hasText: gateway.site.devices.find((d) => d.id === 'robot-02')!.name.split(' — ')[0]! });
    expect(await packer.locator('td').nth(4).textContent()).toMatch(/^(\d+%|—)$/);
    // A planned stop with its reason, then resumed.
    await card.locator('.series-pause').click();
    await card.locator('.pause-form input').fill('Changeover');
    await card.locator('.pause-form button[type=submit]').click();
    await eventually(async () => (await card.locator('.planned .reason').textContent()) === 'Changeover' && (await card.locator('.planned').isVisible()), 5000, 'the planned stop shown');
    expect(gateway.production.list(Date.now())[0]!.plannedStop).toMatchObject({ reason: 'Changeover' });
    await card.locator('.series-resume').click();
    await eventually(async () => !(await card.locator('.planned').isVisible()), 5000, 'the planned stop over');
    expect(gateway.production.list(Date.now())[0]!.plannedStops).toHaveLength(1);
    await card.locator('.series-stop').click();
    await card.waitFor({ state: 'detached', timeout: 5000 });
    expect(gateway.production.list(Date.now())[0]!.stoppedAt).not.toBeNull();
    await page.close();
  });

  it('runs the visitor mode: no controls, a tour, large captions', async () => {
    const page = await open('?mode=kiosk');
    expect(await page.evaluate(() => document.body.classList.contains('kiosk'))).toBe(true);
    expect(await page.locator('nav').isVisible()).toBe(false);
    await eventually(async () => ((await page.locator('#caption').textContent()) ?? '').length > 10, 10_000, 'a caption');
    const size = await page.evaluate(() => parseFloat(getComputedStyle(document.getElementById('caption')!).fontSize));
    expect(size).toBeGreaterThanOrEqual(32);
    await page.close();
  });
});

describe('a profile that names a glTF model', () => {
  it('is drawn from that model, its named nodes moved by the bindings', async () => {
    const dir = tempDir('gltf');
    const profiles = join(dir.path, 'profiles');
    mkdirSync(join(profiles, 'models'), { recursive: true });
    writeFileSync(join(profiles, 'models', 'arm.gltf'), JSON.stringify(tinyGltf()));
    writeFileSync(
      join(profiles, 'gltf-arm.yaml'),
      [
        'id: gltf-arm',
        'kind: robot-arm',
        'vendor: Test',
        'model: glTF arm',
        'signals:',
        '  axis1_position: { type: float, unit: deg }',
        'mqtt:',
        '  topics:',
        '    - { topic: "test/{id}", fields: { axis1_position: a1 } }',
        'twin:',
        '  gltf: models/arm.gltf',
        '  bindings:',
        '    - { signal: axis1_position, target: arm.rotation_z, scale: 0.0174533 }',
        '',
      ].join('\n'),
    );
    const siteFile = join(dir.path, 'site.yaml');
    writeFileSync(
      siteFile,
      stringify({
        site: { id: 'gltf', name: 'glTF test', floor: { width: 10, depth: 10 } },
        profiles,
        lines: [{ id: 'l', name: 'L', stations: [{ id: 's', name: 'S', position: { x: 5, y: 5 } }] }],
        devices: [{ id: 'arm-1', name: 'Arm 1', profile: 'gltf-arm', line: 'l', station: 's', position: { x: 5, y: 5 } }],
      }),
    );
    const site = loadSite(siteFile);
    const gateway = new Gateway(site, gatewayConfig({ http: { host: '127.0.0.1', port: 0 }, spool: { dir: spoolDir() } }), new Telemetry(pino({ level: 'silent' })), { sources: [], sinks: [] });
    await gateway.start();
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${gateway.httpAddress()}/`);
      await page.waitForFunction(() => (window.fieldlabTwin as unknown as { gltfLoaded(id: string): boolean })?.gltfLoaded('arm-1'), undefined, { timeout: 20_000 });
      gateway.handle({ kind: 'mqtt', source: 'test', topic: 'test/arm-1', payload: Buffer.from(JSON.stringify({ a1: 45 })), receivedAt: Date.now() });
      await page.waitForFunction(() => ((window.fieldlabTwin as unknown as { node(id: string, n: string): { rz: number } }).node('arm-1', 'arm')?.rz ?? 0) > 0.7, undefined, { timeout: 10_000 });
      const rz = await page.evaluate(() => (window.fieldlabTwin as unknown as { node(id: string, n: string): { rz: number } }).node('arm-1', 'arm')!.rz);
      expect(rz).toBeCloseTo(45 * 0.0174533, 5);
    } finally {
      await browser.close();
      await gateway.stop();
      dir.remove();
    }
  });
});

/** A glTF 2.0 file by hand: a node "base" with a child "arm", each one triangle. */
function tinyGltf() {
  const positions = new Float32Array([0, 0, 0, 0.5, 0, 0, 0, 1, 0]);
  const data = Buffer.from(positions.buffer).toString('base64');
  return {
    asset: { version: '2.0' },
    scene: 0,
    scenes: [{ nodes: [0] }],
    nodes: [
      { name: 'base', mesh: 0, children: [1] },
      { name: 'arm', mesh: 0, translation: [0, 1, 0] },
    ],
    meshes: [{ primitives: [{ attributes: { POSITION: 0 } }] }],
    buffers: [{ byteLength: positions.byteLength, uri: `data:application/octet-stream;base64,${data}` }],
    bufferViews: [{ buffer: 0, byteOffset: 0, byteLength: positions.byteLength }],
    accessors: [{ bufferView: 0, componentType: 5126, count: 3, type: 'VEC3', min: [0, 0, 0], max: [0.5, 1, 0] }],
  };
}
