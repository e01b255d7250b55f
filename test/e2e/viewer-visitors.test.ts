// The twin as a visitor meets it, in a real browser: labels that never overlap, enum values
// by their meaning, a phone that opens a machine by a tap, and a kiosk that comes back by
// itself when the gateway restarts. One gateway without sources serves the demo site; the
// test speaks for the devices through `gateway.handle`, as a source would.
import { type Browser, type Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSite, type SiteModel } from '../../device-profiles/schema/load.ts';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { ensureViewerBuilt } from '../../gateway/src/http/viewer.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { freePort } from '../../gateway/src/services/free-port.ts';
import type { TwinTestHook } from '../../twin-viewer/src/test-hook.ts';
import { demoSiteFile } from '../support/fixtures.ts';
import { eventually, spoolDir, tempDir } from '../support/services.ts';
import { launchChromium } from '../support/chromium.ts';


// The page's window as the test hook makes it (evaluated functions cannot close over a helper).
type Hooked = { fieldlabTwin: TwinTestHook };

describe('the twin for visitors', () => {
  const dir = tempDir('visitors');
  const log = pino({ level: 'silent' });
  let site: SiteModel;
  let gateway: Gateway;
  let browser: Browser;
  let url: string;

  const startGateway = async (port: number) => {
    const g = new Gateway(site, gatewayConfig({ http: { host: '127.0.0.1', port }, spool: { dir: spoolDir() } }), new Telemetry(log), { sources: [], sinks: [] });
    await g.start();
    return g;
  };

  /** What each demo device would send, through the gateway's own path from a message on. */
  const speak = (g: Gateway, robotCycles: number) => {
    const mqtt = (topic: string, payload: unknown) => g.handle({ kind: 'mqtt', source: 'test', topic, payload: Buffer.from(JSON.stringify(payload)), receivedAt: Date.now() });
    for (const p of ['printer-01', 'printer-02']) {
      mqtt(`octoPrint/${p}/temperature/tool0`, { actual: 214.6, target: 215 });
      mqtt(`octoPrint/${p}/progress/printing`, { progress: 42, path: 'housing.gcode' });
      mqtt(`octoPrint/${p}/event/PrinterStateChanged`, { state_id: 'PRINTING' });
    }
    mqtt('printer-03/klipper/status', { status: { extruder: { temperature: 230.2 }, virtual_sdcard: { progress: 0.61 }, print_stats: { state: 'printing' } } });
    mqtt('device/01P00A3B0600123/report', { print: { nozzle_temper: 219.8, mc_percent: 17, gcode_state: 'RUNNING' } });
    mqtt('fieldlab/conveyor-01/conveyor', { belt_speed: 0.25, running: true, carriers: 6 });
    mqtt('fieldlab/inspection-01/inspection', { result: 'pass', inspected: 36, failed: 1 });
    for (const robot of site.devices.filter((d) => d.profileDef.kind === 'robot-arm')) {
      const values: Record<string, unknown> = { operational_mode: 3, cycle_count: robotCycles, program: 'pick_and_place' };
      const t = Date.now();
      g.handle({
        kind: 'opcua',
        source: 'test',
        receivedAt: t,
        changes: Object.entries(values).map(([signal, value]) => ({ device: robot, signal, value, status: { name: 'Good', good: true, bad: false }, sourceTime: t, serverTime: t })),
      });
    }
  };

  async function open(query: string, options: Parameters<Browser['newPage']>[0] = { viewport: { width: 960, height: 540 } }): Promise<Page> {
    const page = await browser.newPage(options);
    await page.goto(`${url}/${query}`);
    await page.waitForFunction(() => (window as unknown as Hooked).fieldlabTwin?.devices().length > 0 && (window as unknown as Hooked).fieldlabTwin.frames() > 0, undefined, { timeout: 20_000 });
    // Every device has reported: labels carry their values, so they have their real sizes.
    await page.waitForFunction(() => document.querySelectorAll('.machine-label[data-status="unknown"]').length === 0, undefined, { timeout: 10_000 });
    return page;
  }

  beforeAll(async () => {
    await ensureViewerBuilt(log);
    site = loadSite(demoSiteFile(dir.path, [await freePort(), await freePort()]));
    gateway = await startGateway(0);
    url = gateway.httpAddress()!;
    speak(gateway, 41);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    dir.remove();
  });

  it("shows the robot's operational mode by its meaning from the profile", async () => {
    const page = await open('?device=robot-01');
    const cell = page.locator('#panel tr[data-signal="operational_mode"] td');
    // The gateway holds the vendor's value; the viewer says what it means.
    expect(await page.evaluate(() => (window as unknown as Hooked).fieldlabTwin.values('robot-01').operational_mode)).toBe('3');
    expect(await cell.textContent()).toBe('automatic');
    await page.close();
  });

  it("lets no two labels overlap in the demo's default view", async () => {
    const page = await open('');
    // Two drawn frames after the last change: the labels stand where the camera put them.
    await page.evaluate(async () => {
      const twin = (window as unknown as Hooked).fieldlabTwin;
      const drawn = twin.frames();
      while (twin.frames() < drawn + 2) await new Promise((r) => requestAnimationFrame(r));
    });
    const labels = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLElement>('.machine-label, .station-label')).map((e) => {
        const r = e.getBoundingClientRect();
        const style = getComputedStyle(e);
        return { text: e.textContent ?? '', shown: style.display !== 'none' && style.visibility !== 'hidden', left: r.left, right: r.right, top: r.top, bottom: r.bottom };
      }),
    );
    const shown = labels.filter((l) => l.shown);
    const overlaps: string[] = [];
    for (const [i, a] of shown.entries())
      for (const b of shown.slice(i + 1)) if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) overlaps.push(`${a.text} × ${b.text}`);
    expect(overlaps).toEqual([]);
    // Decluttering hides what must go, not everything: most labels stay readable.
    expect(labels.length).toBe(site.devices.length + site.lines.reduce((n, l) => n + l.stations.length, 0));
    expect(shown.length).toBeGreaterThanOrEqual(Math.ceil(labels.length / 2));
    await page.close();
  });

  it("opens a machine's panel on a phone (390×844, touch) when it is tapped", async () => {
    const page = await open('', { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    expect(await page.locator('#panel').isVisible()).toBe(false);
    const at = await page.evaluate(() => (window as unknown as Hooked).fieldlabTwin.screenPoint('robot-01'));
    expect(at).toBeDefined();
    await page.touchscreen.tap(at!.x, at!.y);
    await eventually(() => page.locator('#panel').isVisible(), 5_000, 'the panel');
    expect(await page.locator('#panel h2').textContent()).toBe(site.devices.find((d) => d.id === 'robot-01')!.name);
    // The panel is a bottom sheet: full width, at the bottom of the screen.
    const box = (await page.locator('#panel').boundingBox())!;
    expect(box.width).toBe(390);
    expect(box.y + box.height).toBeCloseTo(844, 0);
    await page.close();
  });

  it('keeps the kiosk going through a gateway restart: it reconnects and resynchronises', async () => {
    const page = await open('?mode=kiosk', { viewport: { width: 640, height: 360 } });
    const ask = async () => page.evaluate(() => {
      const t = (window as unknown as Hooked).fieldlabTwin;
      return { connection: t.connection(), snapshots: t.snapshots(), cycles: t.values('robot-01').cycle_count, caption: document.getElementById('caption')!.textContent ?? '' };
    });
    const before = await ask();
    expect(before).toMatchObject({ connection: 'live', snapshots: 1, cycles: 41 });
    const port = Number(new URL(url).port);
    await gateway.stop();
    await eventually(async () => (await ask()).connection === 'reconnecting', 10_000, 'the kiosk to see the gateway gone');
    gateway = await startGateway(port);
    // Told to the new gateway before the kiosk is back: only its snapshot can bring it.
    speak(gateway, 4242);
    await eventually(async () => (await ask()).snapshots === 2, 20_000, 'a fresh snapshot');
    const after = await ask();
    expect(after).toMatchObject({ connection: 'live', cycles: 4242 });
    expect(after.caption.length).toBeGreaterThan(10);
    await page.close();
  });
});
