// Hostile text: whatever a site file, a profile, a device or a person names things, the viewer
// shows it as text. A site whose name, line, station and device carry markup, a profile whose
// alarm text does, an acknowledgement signed with markup and a series named with it: in a real
// browser every one of them is read back literally, no element is made from them, and the
// script in them never runs. One gateway without sources; the test speaks for the printer
// through `gateway.handle`, as its MQTT source would. The gateway lets nobody look without
// logging in, so the first test is the login dialog opening by itself.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DEFAULT_PROFILES_DIR, loadSite } from '../../device-profiles/schema/load.ts';
import { addUser } from '../../gateway/src/auth/user-admin.ts';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { ensureViewerBuilt } from '../../gateway/src/http/viewer.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import type { TwinTestHook } from '../../twin-viewer/src/test-hook.ts';
import { eventually, spoolDir, tempDir } from '../support/services.ts';
import { launchChromium } from '../support/chromium.ts';

type Hooked = { fieldlabTwin: TwinTestHook; __xss?: unknown };

/** Markup that would make an element (and run a script) if any of it were parsed as HTML. */
const XSS = '<img src=x onerror="window.__xss=1">';
const BOLD = '<b>bold</b>';
const hostile = (what: string) => `${what} ${XSS}${BOLD}`;
const SITE = hostile('Site');
const LINE = hostile('Line');
const STATION = hostile('Station');
const DEVICE = hostile('Printer');
const ALARM_TEXT = hostile('Printer error');
const ALARM_CODE_TEXT = hostile('Filament out');
const BY = hostile('Tess');
const PRODUCT = hostile('Housing');
const CODE = '117473297';
const ENGINEER = { name: 'ana', password: 'what-if-plus-one' };

describe('hostile text in the viewer', () => {
  const dir = tempDir('hostile');
  const log = pino({ level: 'silent' });
  let gateway: Gateway;
  let browser: Browser;
  /** One cookie jar: logged in once, every page is the engineer's. */
  let context: BrowserContext;
  let url: string;

  beforeAll(async () => {
    await ensureViewerBuilt(log);
    // The shipped profiles, with the Bambu printer's error alarm and its "filament ran out" code saying markup.
    const profiles = join(dir.path, 'profiles');
    cpSync(DEFAULT_PROFILES_DIR, profiles, { recursive: true });
    const bambu = join(profiles, 'bambu-lab-fdm.yaml');
    const yaml = readFileSync(bambu, 'utf8');
    const changed = yaml.replace(/^(\s+"117473297": ).*$/m, `$1${JSON.stringify(ALARM_CODE_TEXT)}`).replace(/^(\s+text: )Printer error$/m, `$1${JSON.stringify(ALARM_TEXT)}`);
    expect(changed.split('window.__xss=1').length).toBe(3);
    writeFileSync(bambu, changed);
    const file = join(dir.path, 'site.yaml');
    writeFileSync(
      file,
      stringify({
        site: { id: 'hostile-lab', name: SITE, floor: { width: 12, depth: 8 }, seed: 7 },
        profiles,
        lines: [{ id: 'line-a', name: LINE, stations: [{ id: 'st-1', name: STATION, position: { x: 4, y: 4 } }] }],
        devices: [{ id: 'printer-x', name: DEVICE, profile: 'bambu-lab-fdm', line: 'line-a', station: 'st-1', position: { x: 4, y: 4 }, connection: { mqtt: { topicId: 'SERIALX' } } }],
      }),
    );
    const usersFile = join(dir.path, 'users.json');
    await addUser(usersFile, ENGINEER.name, 'engineer', ENGINEER.password);
    const config = gatewayConfig({ http: { host: '127.0.0.1', port: 0 }, spool: { dir: spoolDir() }, auth: { usersFile, anonymous: 'none' } });
    gateway = new Gateway(loadSite(file), config, new Telemetry(log), { sources: [], sinks: [] });
    await gateway.start();
    url = gateway.httpAddress()!;
    const report = (printError: number, state: string) =>
      gateway.handle({ kind: 'mqtt', source: 'test', topic: 'device/SERIALX/report', payload: Buffer.from(JSON.stringify({ print: { gcode_state: state, print_error: printError, nozzle_temper: 220, mc_percent: 40 } })), receivedAt: Date.now() });
    report(0, 'RUNNING');
    report(Number(CODE), 'PAUSE');
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    dir.remove();
  });

  /** Nothing made from the markup: no image, no bold, no script run. */
  const noMarkupMade = (page: Page) =>
    page.evaluate(() => ({ img: document.querySelectorAll('img').length, b: document.querySelectorAll('b').length, xss: typeof (window as unknown as Hooked).__xss }));

  it('opens the login dialog by itself where nobody may look without logging in', async () => {
    const page = await context.newPage();
    await page.goto(`${url}/?device=printer-x`);
    const dialog = page.locator('.login-dialog');
    await dialog.waitFor({ state: 'visible', timeout: 10_000 });
    // The socket was refused: nothing of the line came.
    expect(await page.evaluate(() => (window as unknown as Hooked).fieldlabTwin.connection())).toBe('refused');
    expect(await page.evaluate(() => (window as unknown as Hooked).fieldlabTwin.devices())).toEqual([]);
    expect(await page.locator('#session .who').textContent()).toBe('not logged in');
    await page.fill('.login-dialog [name=user]', ENGINEER.name);
    await page.fill('.login-dialog [name=password]', ENGINEER.password);
    await page.click('.login-dialog [type=submit]');
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    await page.waitForFunction(() => (window as unknown as Hooked).fieldlabTwin.devices().length === 1, undefined, { timeout: 10_000 });
    expect(await page.locator('#session .who').textContent()).toBe('ana · engineer');
    await page.close();
  });

  it('shows names, an alarm text, who acknowledged and a product literally', async () => {
    const page = await context.newPage();
    await page.goto(`${url}/?device=printer-x`);
    await page.waitForFunction(() => (window as unknown as Hooked).fieldlabTwin?.devices().length > 0 && (window as unknown as Hooked).fieldlabTwin.frames() > 0, undefined, { timeout: 20_000 });
    const alarm = page.locator('#alarms li[data-device="printer-x"][data-alarm="firmware_error"]');
    await alarm.waitFor({ timeout: 10_000 });
    // Signed by a person whose name carries markup (user names cannot, but acknowledgements
    // restored from before logins were signed with any name typed), and a series named with it.
    expect(gateway.floor.acknowledgeAlarm('printer-x', 'firmware_error', BY)).toBeTruthy();
    gateway.floor.startSeries({ product: PRODUCT, target: 10, line: 'line-a' });
    const text = (selector: string) => page.locator(selector).first().textContent();
    await eventually(async () => ((await text('#alarms .foot')) ?? '').includes(`acknowledged by ${BY}`), 5_000, 'the acknowledgement listed');
    await eventually(async () => (await text('#series .product')) === PRODUCT, 5_000, 'the series card');
    expect(await text('#title')).toBe(SITE);
    expect(await alarm.locator('.device').textContent()).toBe(DEVICE);
    expect(await alarm.locator('.text').textContent()).toBe(`${ALARM_TEXT}: ${ALARM_CODE_TEXT}`);
    expect(await text('#machines .name')).toBe(DEVICE);
    expect(await text('#panel h2')).toBe(DEVICE);
    expect(await text('.station-label')).toBe(STATION);
    expect((await text('.machine-label[data-device="printer-x"]'))?.split('\n')[0]).toBe(DEVICE);
    expect(await text('#series tr.station td')).toBe(STATION);
    expect(await noMarkupMade(page)).toEqual({ img: 0, b: 0, xss: 'undefined' });
    await page.close();
  });

  it("says the kiosk's captions literally", async () => {
    const page = await context.newPage();
    await page.goto(`${url}/?mode=kiosk&dwell=1`);
    // The tour passes the printer and the line's summary: both are told with their names.
    const captions = new Set<string>();
    await eventually(async () => {
      captions.add((await page.locator('#caption').textContent()) ?? '');
      return [...captions].some((c) => c.includes(DEVICE)) && [...captions].some((c) => c.includes(LINE));
    }, 10_000, 'captions naming the printer and the line');
    expect(await noMarkupMade(page)).toEqual({ img: 0, b: 0, xss: 'undefined' });
    await page.close();
  });
});
