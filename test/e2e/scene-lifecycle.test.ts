// The viewer's lifecycle in a real browser: the page loads with a clean console, rebuilding
// the scene (as history replay and experiments will) leaks nothing on the GPU or in the page,
// and disposing it frees what it held. One gateway without sources serves the demo site to
// one small page.
import { type Browser, type CDPSession, type Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { ensureViewerBuilt } from '../../gateway/src/http/viewer.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { freePort } from '../../gateway/src/services/free-port.ts';
import type { TwinTestHook } from '../../twin-viewer/src/test-hook.ts';
import { demoSiteFile } from '../support/fixtures.ts';
import { spoolDir, tempDir } from '../support/services.ts';
import { launchChromium } from '../support/chromium.ts';

const REBUILDS = 50;
// Software GL (SwiftShader) reads a preserved drawing buffer back for its compositor and
// says so; the viewer preserves it on purpose (a canvas that can be read), and a page with
// nothing but such a canvas logs the same. Every other warning counts.
const SOFTWARE_GL_READBACK = /^warning: \[\.WebGL-[^\]]+\]GL Driver Message \(OpenGL, Performance, [^)]+\): GPU stall due to ReadPixels/;

// The page's window as the test hook makes it (evaluated functions cannot close over a helper).
type Hooked = { fieldlabTwin: TwinTestHook };

describe('the twin scene over its lifetime', () => {
  const dir = tempDir('lifecycle');
  let gateway: Gateway;
  let browser: Browser;
  let page: Page;
  let cdp: CDPSession;
  let selected: string;
  const complaints: string[] = [];

  beforeAll(async () => {
    const log = pino({ level: 'silent' });
    await ensureViewerBuilt(log);
    const site = loadSite(demoSiteFile(dir.path, [await freePort(), await freePort()]));
    gateway = new Gateway(site, gatewayConfig({ http: { host: '127.0.0.1', port: 0 }, spool: { dir: spoolDir() } }), new Telemetry(log), { sources: [], sinks: [] });
    await gateway.start();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 640, height: 480 } });
    page.on('console', (m) => {
      const said = `${m.type()}: ${m.text()}`;
      if ((m.type() === 'error' || m.type() === 'warning') && !SOFTWARE_GL_READBACK.test(said)) complaints.push(`${said} (${m.location().url})`);
    });
    page.on('pageerror', (e) => complaints.push(`page error: ${e.stack ?? e.message}`));
    cdp = await page.context().newCDPSession(page);
    // Selected through the URL, not a click: the camera stays on the overview, so every
    // label is in view (CSS2D puts only those in the page) before and after the rebuilds.
    selected = site.devices[0]!.id;
    // networkidle: the page's own requests (an icon among them) have been answered.
    await page.goto(`${gateway.httpAddress()}/?device=${selected}`, { waitUntil: 'networkidle' });
    await page.waitForFunction(() => (window as unknown as Hooked).fieldlabTwin?.devices().length > 0 && (window as unknown as Hooked).fieldlabTwin.frames() > 0, undefined, { timeout: 20_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    dir.remove();
  });

  /** DOM listeners on what `expression` names; with depth -1 also on everything under it. */
  async function domListeners(expression: string, depth: number): Promise<number> {
    const { result } = await cdp.send('Runtime.evaluate', { expression });
    const { listeners } = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId!, depth, pierce: true });
    await cdp.send('Runtime.releaseObject', { objectId: result.objectId! });
    return listeners.length;
  }
  const pageListeners = async () => (await domListeners('window', 0)) + (await domListeners('document', -1));

  /** Builds `n` times from the real snapshot, letting the scene draw after each build. */
  const rebuild = (n: number) =>
    page.evaluate(async (count) => {
      const twin = (window as unknown as Hooked).fieldlabTwin;
      for (let i = 0; i < count; i++) {
        twin.rebuild();
        // Drawn, so uploaded: a build that leaked would leave its buffers counted.
        const drawn = twin.frames();
        while (twin.frames() === drawn) await new Promise((r) => requestAnimationFrame(r));
      }
    }, n);

  it('loads with nothing in the console', () => {
    expect(complaints).toEqual([]);
  });

  it(`rebuilds ${REBUILDS} times with the same GPU memory, objects, labels and listeners`, async () => {
    const site = gateway.site;
    const stations = site.lines.reduce((n, l) => n + l.stations.length, 0);
    const first = await page.evaluate(() => (window as unknown as Hooked).fieldlabTwin.lifecycle());
    const listenersFirst = await pageListeners();
    expect(first).toMatchObject({ floors: 1, machines: site.devices.length, machineLabels: site.devices.length, stationLabels: stations });
    expect(first.geometries).toBeGreaterThan(0);
    await rebuild(REBUILDS);
    const after = await page.evaluate(() => (window as unknown as Hooked).fieldlabTwin.lifecycle());
    expect(after).toEqual(first);
    expect(await pageListeners()).toBe(listenersFirst);
    // The selection outlives the rebuilds, in the list and in the panel.
    expect(await page.locator('nav li.selected').getAttribute('data-device')).toBe(selected);
    expect(await page.locator('#panel h2').textContent()).toBe(site.devices[0]!.name);
  });

  it('frees the canvas, labels and its listeners on dispose', async () => {
    const onDocument = await domListeners('document', 0);
    await page.evaluate(() => (window as unknown as Hooked).fieldlabTwin.dispose());
    const left = await page.evaluate(() => ({
      ...(window as unknown as Hooked).fieldlabTwin.lifecycle(),
      canvas: document.querySelector('#scene canvas') !== null,
      layer: document.querySelector('#scene .labels') !== null,
    }));
    expect(left).toMatchObject({ machines: 0, machineLabels: 0, stationLabels: 0, floors: 0, canvas: false, layer: false });
    // The orbit controls listen for keys on the document.
    expect(await domListeners('document', 0)).toBeLessThan(onDocument);
  });

  it('logs nothing while rebuilding and disposing, nor once the page timers ran after', async () => {
    // Nothing to poll for: long enough for the page's 500 ms refresh to have run, had it survived the scene.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 600)));
    expect(complaints).toEqual([]);
  });
});
