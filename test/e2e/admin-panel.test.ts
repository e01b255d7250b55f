// The admin panel, in a real browser against the real gateway (users made with the gateway's
// own functions, the audit trail in a real influxd): an engineer is offered no panel; an
// admin sees the users, makes a token whose secret (shown once) works from a script with the
// role chosen and is gone from the page once the panel closes, revokes it so the gateway
// refuses it, logs another logged-in user out everywhere, and reads the token's making in the
// audit trail; logging out takes the panel and its lists away.
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser } from '../../gateway/src/auth/user-admin.ts';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { ensureViewerBuilt } from '../../gateway/src/http/viewer.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import type { TwinTestHook } from '../../twin-viewer/src/test-hook.ts';
import { bearer, loginHeaders, loginPage } from '../support/auth.ts';
import { testSite } from '../support/fixtures.ts';
import { eventually, spoolDir, startTestInflux, tempDir, type TestInflux } from '../support/services.ts';
import { launchChromium } from '../support/chromium.ts';

type Hooked = { fieldlabTwin: TwinTestHook };

const ADMIN = { name: 'ada', password: 'keys-to-the-hall' };
const ENGINEER = { name: 'ana', password: 'what-if-plus-one' };
const OPERATOR = { name: 'olga', password: 'belt-and-braces-7' };

describe('the admin panel', () => {
  const dir = tempDir('admin-panel');
  const log = pino({ level: 'silent' });
  let influx: TestInflux;
  let gateway: Gateway;
  let browser: Browser;
  let page: Page;
  let url: string;
  let secret = '';

  const session = async (headers: Record<string, string>) => {
    const res = await fetch(`${url}/api/session`, { headers });
    return { status: res.status, body: res.ok ? ((await res.json()) as { user: string | null; role: string | null }) : undefined };
  };
  /** A fresh browser context logged in as this user, with the viewer open and its session known. */
  const openAs = async (user: { name: string; password: string }, role: string): Promise<Page> => {
    const p = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    // Fail within the test's time, not playwright's 30 s.
    p.setDefaultTimeout(5_000);
    await loginPage(p, url, user.name, user.password);
    await p.goto(url);
    await p.waitForFunction((r) => (window as unknown as Hooked).fieldlabTwin?.session()?.role === r, role, { timeout: 15_000 });
    return p;
  };
  const tokenRow = (name: string) => page.locator(`#admin .admin-tokens tr[data-name="${name}"]`);
  const secretInPage = (s: string) => page.evaluate((x) => document.documentElement.outerHTML.includes(x) || document.body.innerText.includes(x) || Array.from(document.querySelectorAll('input')).some((i) => i.value.includes(x)), s);

  beforeAll(async () => {
    await ensureViewerBuilt(log);
    influx = await startTestInflux();
    const usersFile = join(dir.path, 'users.json');
    for (const [u, role] of [[ADMIN, 'admin'], [ENGINEER, 'engineer'], [OPERATOR, 'operator']] as const) await addUser(usersFile, u.name, role, u.password);
    const config = gatewayConfig({
      http: { host: '127.0.0.1', port: 0 },
      spool: { dir: spoolDir() },
      influx: { url: influx.url, database: 'admin_panel', flushIntervalMs: 200 },
      auth: { usersFile, anonymous: 'visitor' },
    });
    gateway = new Gateway(testSite([{ id: 'printer-a', profile: 'bambu-lab-fdm', topicId: 'SERIALA' }]), config, new Telemetry(log), { sources: [] });
    await gateway.start();
    url = gateway.httpAddress()!;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    await influx?.stop();
    dir.remove();
  });

  it('offers an engineer no admin panel', async () => {
    const p = await openAs(ENGINEER, 'engineer');
    expect(await p.locator('#session .who').textContent()).toBe('ana · engineer');
    expect(await p.locator('#admin .admin-toggle').isVisible()).toBe(false);
    expect(await p.locator('#admin .admin-users tbody tr').count()).toBe(0);
    await p.context().close();
  });

  it('shows an admin the users, and never a hash', async () => {
    page = await openAs(ADMIN, 'admin');
    await page.click('#admin .admin-toggle');
    const users = page.locator('#admin .admin-users tbody tr');
    await eventually(async () => (await users.count()) === 3, 5_000, 'the users listed');
    expect(await users.evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('td')).slice(0, 2).map((td) => td.textContent)))).toEqual([
      ['ada', 'admin'],
      ['ana', 'engineer'],
      ['olga', 'operator'],
    ]);
    expect(await page.locator('#admin .admin-body').innerText()).not.toMatch(/scrypt|\$/);
  });

  it('makes a token whose secret, shown once, works as the role chosen, and is gone once the panel closes', async () => {
    await page.fill('#admin [name=name]', 'line-screen');
    await page.selectOption('#admin [name=role]', 'operator');
    await page.click('#admin .admin-token-make');
    const field = page.locator('#admin .admin-secret-value');
    await eventually(async () => (await field.inputValue()) !== '', 5_000, 'the secret shown');
    secret = await field.inputValue();
    expect(secret).toMatch(/^flt_/);
    expect(await field.getAttribute('readonly')).not.toBeNull();
    expect(await page.locator('#admin .admin-secret-hint').isVisible()).toBe(true);
    await tokenRow('line-screen').waitFor({ timeout: 5_000 });
    expect(await session(bearer(secret))).toMatchObject({ status: 200, body: { user: 'line-screen', role: 'operator' } });

    await page.click('#admin .admin-close');
    expect(await page.locator('#admin .admin-body').isVisible()).toBe(false);
    expect(await secretInPage(secret)).toBe(false);
    // Opened again, the token is listed but its secret is not shown.
    await page.click('#admin .admin-toggle');
    await tokenRow('line-screen').waitFor({ timeout: 5_000 });
    expect(await page.locator('#admin .admin-secret').isVisible()).toBe(false);
    expect(await secretInPage(secret)).toBe(false);
  });

  it('revokes the token: the gateway refuses it', async () => {
    await tokenRow('line-screen').locator('.admin-revoke').click();
    await eventually(async () => (await tokenRow('line-screen').count()) === 0, 5_000, 'the token gone from the list');
    expect((await session(bearer(secret))).status).toBe(401);
  });

  it("logs another user out everywhere: that user's session ends", async () => {
    const olga = await loginHeaders(url, OPERATOR.name, OPERATOR.password);
    expect((await session(olga)).body).toMatchObject({ user: 'olga', role: 'operator' });
    await page.locator('#admin .admin-users tr[data-user="olga"] .admin-logout').click();
    await eventually(async () => (await page.locator('#admin .admin-note').textContent()) === 'olga is logged out everywhere.', 5_000, 'said in the panel');
    expect((await session(olga)).body).toMatchObject({ user: null, role: 'visitor' });
    // The admin's own session is untouched.
    expect(await page.evaluate(() => (window as unknown as Hooked).fieldlabTwin.session()?.role)).toBe('admin');
  });

  it('lists the token made, by the admin, in the audit trail', async () => {
    const made = page.locator('#admin .admin-audit tr[data-action="token.create"]');
    // The trail is written through the spooled sink: asked again until the point is in.
    await eventually(async () => {
      await page.click('#admin .admin-audit-refresh');
      await page.locator('#admin .admin-audit-refresh:not([disabled])').waitFor({ timeout: 2_000 });
      return (await made.count()) > 0;
    }, 8_000, 'token.create in the trail');
    expect(await made.first().evaluate((r) => Array.from(r.querySelectorAll('td')).slice(1).map((td) => td.textContent))).toEqual(['ok', 'token.create', 'ada', 'admin', '127.0.0.1', 'POST /api/tokens']);
    expect(await page.locator('#admin .admin-audit-error').textContent()).toBe('');
  });

  it('takes the panel and its lists away on logout', async () => {
    await page.click('#session .session-logout');
    await page.waitForFunction(() => (window as unknown as Hooked).fieldlabTwin.session()?.role === 'visitor', undefined, { timeout: 5_000 });
    expect(await page.locator('#admin').isVisible()).toBe(false);
    expect(await page.locator('#admin tbody tr').count()).toBe(0);
    await page.context().close();
  });
});
