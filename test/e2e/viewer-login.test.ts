// Logging in to the twin, in a real browser against the real gateway: an anonymous visitor
// looks but is offered no control; a wrong password is refused in words that never show it;
// an operator logs in through the dialog, is named in the header, and acknowledges (the
// gateway signs with the user); an engineer is offered Run; logging out takes the controls
// away, and so does removing the user while they are logged in. Users are made with the gateway's own functions (hashed, in its users file). The
// gateway writes to a real influxd, so it has a history and the Experiments panel is there.
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, removeUser } from '../../gateway/src/auth/user-admin.ts';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { ensureViewerBuilt } from '../../gateway/src/http/viewer.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import type { TwinTestHook } from '../../twin-viewer/src/test-hook.ts';
import { testSite } from '../support/fixtures.ts';
import { eventually, spoolDir, startTestInflux, tempDir, type TestInflux } from '../support/services.ts';
import { launchChromium } from '../support/chromium.ts';

type Hooked = { fieldlabTwin: TwinTestHook };

const OPERATOR = { name: 'olga', password: 'belt-and-braces-7' };
const ENGINEER = { name: 'ana', password: 'what-if-plus-one' };
const WRONG = 'not-her-password-42';
const FILAMENT_OUT = 117473297;

describe('logging in to the twin', () => {
  const dir = tempDir('viewer-login');
  const log = pino({ level: 'silent' });
  let influx: TestInflux;
  let gateway: Gateway;
  let browser: Browser;
  let page: Page;
  let usersFile: string;

  const hook = <T,>(f: (h: TwinTestHook) => T): Promise<T> => page.evaluate(`(${f.toString()})(window.fieldlabTwin)`) as Promise<T>;
  /** A printer's firmware reports "filament ran out", as its MQTT message would. */
  const filamentOut = (serial: string) => {
    for (const [printError, state] of [[0, 'RUNNING'], [FILAMENT_OUT, 'PAUSE']] as const)
      gateway.handle({ kind: 'mqtt', source: 'test', topic: `device/${serial}/report`, payload: Buffer.from(JSON.stringify({ print: { gcode_state: state, print_error: printError, nozzle_temper: 220 } })), receivedAt: Date.now() });
  };
  const alarmOf = (device: string) => page.locator(`#alarms li[data-device="${device}"][data-alarm="firmware_error"]`);
  const who = () => page.locator('#session .who').textContent();
  const logIn = async (user: string, password: string) => {
    await page.click('#session .session-login');
    await page.fill('.login-dialog [name=user]', user);
    await page.fill('.login-dialog [name=password]', password);
    await page.click('.login-dialog [type=submit]');
  };

  beforeAll(async () => {
    await ensureViewerBuilt(log);
    influx = await startTestInflux();
    usersFile = join(dir.path, 'users.json');
    await addUser(usersFile, OPERATOR.name, 'operator', OPERATOR.password);
    await addUser(usersFile, ENGINEER.name, 'engineer', ENGINEER.password);
    const site = testSite([
      { id: 'printer-a', profile: 'bambu-lab-fdm', topicId: 'SERIALA' },
      { id: 'printer-b', profile: 'bambu-lab-fdm', topicId: 'SERIALB' },
    ]);
    const config = gatewayConfig({
      http: { host: '127.0.0.1', port: 0 },
      spool: { dir: spoolDir() },
      influx: { url: influx.url, database: 'viewer_login', flushIntervalMs: 200 },
      auth: { usersFile, anonymous: 'visitor' },
    });
    gateway = new Gateway(site, config, new Telemetry(log), { sources: [] });
    await gateway.start();
    filamentOut('SERIALA');
    filamentOut('SERIALB');
    gateway.floor.startSeries({ product: 'Street-light housing', target: 20, line: 'line-a' });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    await page.goto(gateway.httpAddress()!);
    await page.waitForFunction(() => (window as unknown as Hooked).fieldlabTwin?.session()?.role === 'visitor' && (window as unknown as Hooked).fieldlabTwin.experiments()?.available, undefined, { timeout: 20_000 });
    await alarmOf('printer-a').waitFor({ timeout: 10_000 });
    await page.locator('#series .series-card').waitFor({ timeout: 10_000 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    await influx?.stop();
    dir.remove();
  });

  it('offers an anonymous visitor the twin but no control', async () => {
    expect(await who()).toBe('visitor');
    expect(await page.locator('#session .session-login').isVisible()).toBe(true);
    expect(await page.locator('#session .session-logout').isVisible()).toBe(false);
    expect(await alarmOf('printer-a').locator('.foot').textContent()).toBe('active · not acknowledged');
    expect(await page.locator('#alarms .ack').count()).toBe(0);
    const card = page.locator('#series .series-card');
    for (const control of ['.series-pause', '.series-stop']) expect(await card.locator(control).isVisible()).toBe(false);
    expect(await page.locator('#series .series-new').isVisible()).toBe(false);
    await page.click('#experiments .exp-toggle');
    expect(await page.locator('#experiments .exp-run').isVisible()).toBe(false);
    expect(await page.locator('#experiments .exp-may-not').textContent()).toBe('Log in as an engineer to run experiments.');
  });

  it('refuses a wrong password in words, and never shows it', async () => {
    await logIn(OPERATOR.name, WRONG);
    const alert = page.locator('.login-dialog [role=alert]');
    await eventually(async () => ((await alert.textContent()) ?? '') !== '', 10_000, 'the refusal said');
    expect(await alert.textContent()).toBe('User name or password is wrong. (FL_LOGIN_FAILED)');
    // Neither on the page nor kept in the form after the attempt.
    expect(await page.evaluate((pw) => document.body.innerText.includes(pw) || document.documentElement.outerHTML.includes(pw), WRONG)).toBe(false);
    expect(await page.inputValue('.login-dialog [name=password]')).toBe('');
    expect(await hook((h) => h.session()?.role)).toBe('visitor');
    await page.click('.login-dialog .login-cancel');
  });

  it('logs an operator in through the dialog: named in the header, acknowledging signed by them', async () => {
    const snapshots = await hook((h) => h.snapshots());
    await logIn(OPERATOR.name, OPERATOR.password);
    await eventually(async () => (await who()) === 'olga · operator', 10_000, 'the operator in the header');
    expect(await page.locator('.login-dialog').isVisible()).toBe(false);
    expect(await page.locator('#session .session-logout').isVisible()).toBe(true);
    expect(await page.locator('#session .session-login').isVisible()).toBe(false);
    // The socket was opened again, with the operator's role: a new snapshot came.
    await eventually(async () => (await hook((h) => h.snapshots())) > snapshots && (await hook((h) => h.connection())) === 'live', 10_000, 'a new snapshot');
    const ack = alarmOf('printer-a').locator('.ack');
    await ack.waitFor({ timeout: 5_000 });
    await ack.click();
    await eventually(async () => (await alarmOf('printer-a').locator('.foot').textContent()) === 'active · acknowledged by olga', 5_000, 'acknowledged in the list');
    expect(gateway.floor.insight().alarms.find((a) => a.device === 'printer-a')).toMatchObject({ alarm: 'firmware_error', acknowledgedBy: 'olga' });
    // An operator stops a series for a break, but does not start or stop series, nor run experiments.
    const card = page.locator('#series .series-card');
    expect(await card.locator('.series-pause').isVisible()).toBe(true);
    expect(await card.locator('.series-stop').isVisible()).toBe(false);
    expect(await page.locator('#experiments .exp-run').isVisible()).toBe(false);
  });

  it('logging out takes the controls away; an engineer is offered Run and Stop', async () => {
    await page.click('#session .session-logout');
    await eventually(async () => (await who()) === 'visitor', 10_000, 'a visitor again');
    await eventually(async () => (await page.locator('#alarms .ack').count()) === 0, 5_000, 'no Acknowledge');
    expect(await alarmOf('printer-b').locator('.foot').textContent()).toBe('active · not acknowledged');
    expect(await page.locator('#series .series-card .series-pause').isVisible()).toBe(false);
    await logIn(ENGINEER.name, ENGINEER.password);
    await eventually(async () => (await who()) === 'ana · engineer', 10_000, 'the engineer in the header');
    await eventually(() => page.locator('#experiments .exp-run').isVisible(), 5_000, 'Run offered');
    expect(await page.locator('#experiments .exp-may-not').isVisible()).toBe(false);
    await eventually(() => page.locator('#series .series-card .series-stop').isVisible(), 5_000, 'Stop offered');
    expect(await page.locator('#series .series-new').isVisible()).toBe(true);
    await eventually(() => alarmOf('printer-b').locator('.ack').isVisible(), 5_000, 'Acknowledge offered');
  });

  it("falls back to a visitor's view when the logged-in user is removed", async () => {
    expect(await who()).toBe('ana · engineer');
    // The gateway follows its users file: the session ends and its socket is closed.
    removeUser(usersFile, ENGINEER.name);
    await eventually(async () => (await who()) === 'visitor', 10_000, 'a visitor again');
    await eventually(async () => !(await page.locator('#experiments .exp-run').isVisible()), 5_000, 'Run withdrawn');
    // The alarm list is made again at its next refresh (twice a second).
    await eventually(async () => (await page.locator('#alarms .ack').count()) === 0, 5_000, 'no Acknowledge');
    expect(await hook((h) => h.connection())).toBe('live');
  });

  it('offers no login in the kiosk', async () => {
    const kiosk = await browser.newPage({ viewport: { width: 960, height: 540 } });
    await kiosk.goto(`${gateway.httpAddress()!}/?mode=kiosk`);
    await kiosk.waitForFunction(() => (window as unknown as Hooked).fieldlabTwin?.session()?.role === 'visitor', undefined, { timeout: 10_000 });
    // Asked and answered like any page, but nothing of it is shown on a hall screen.
    expect(await kiosk.locator('#session').isVisible()).toBe(false);
    expect(await kiosk.locator('.session-login').isVisible()).toBe(false);
    await kiosk.close();
  });
});
