// The viewer replaying the fieldlab's history, in a real browser against a real gateway and
// influxd. The past is the demo's own: the line's models run a quarter-hour shift through a
// gateway's path into InfluxDB (as `npm run demo` writes its previous shift); the live line
// is simulated printers. What the viewer shows at an instant is checked against the points
// in InfluxDB, read here directly, not through the history API the viewer uses.
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { ensureViewerBuilt } from '../../gateway/src/http/viewer.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../gateway/src/services/embedded-broker.ts';
import { freePort } from '../../gateway/src/services/free-port.ts';
import { SimulatedFleet } from '../../simulators/src/fleet.ts';
import { formatSignal } from '../../twin-viewer/src/panels/format.ts';
import { demoSiteFile } from '../support/fixtures.ts';
import { recordDemoPast } from '../support/recorded-demo.ts';
import { eventually, startTestInflux, tempDir, type TestInflux } from '../support/services.ts';
import type { TwinTestHook } from '../../twin-viewer/src/test-hook.ts';
import { launchChromium } from '../support/chromium.ts';

const DEG = 0.0174533;


describe('history replay in the twin viewer', () => {
  const log = pino({ level: 'silent' });
  const dir = tempDir('replay-e2e');
  let influx: TestInflux;
  let broker: EmbeddedBroker;
  let fleet: SimulatedFleet;
  let gateway: Gateway;
  let browser: Browser;
  let url: string;
  let page: Page;
  let past: { from: number; until: number };
  const site = () => gateway.site;

  beforeAll(async () => {
    await ensureViewerBuilt(log);
    influx = await startTestInflux();
    // Robot ports nobody listens on: the robots have a past here, not a present.
    const model = loadSite(demoSiteFile(dir.path, [await freePort(), await freePort()]));
    broker = await startEmbeddedBroker(0);
    // A quarter of an hour that ended a minute ago: the demo's previous shift, shortened.
    const recorded = await recordDemoPast(model, log, { influxUrl: influx.url, database: 'replay', dir: dir.path, hours: 0.25, mqttUrl: broker.url });
    const { config } = recorded;
    past = { from: recorded.from, until: recorded.until };
    // Live: printers only (robots would need OPC UA servers; the past has them).
    const printers = { ...model, devices: model.devices.filter((d) => d.profileDef.kind === 'fdm-printer') };
    fleet = new SimulatedFleet({ site: printers, mqttUrl: broker.url, timeScale: 10, pkiDir: join(dir.path, 'pki') });
    gateway = new Gateway(model, config, new Telemetry(log));
    await gateway.start();
    await fleet.startPrinters();
    url = gateway.httpAddress()!;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
    await gateway?.stop();
    await broker?.close();
    await influx?.stop();
    dir.remove();
  });

  /** The latest point of a device at or before `t`, as InfluxDB holds it. */
  async function pointAt(device: string, t: number): Promise<Record<string, unknown> | undefined> {
    const d = site().devices.find((x) => x.id === device)!;
    const rows = await influx.client('replay').query(`SELECT * FROM ${d.profileDef.kind.replaceAll('-', '_')} WHERE device = '${device}' AND time <= ${t}ms ORDER BY time DESC LIMIT 1`, { precision: 'ms' });
    return rows[0] as Record<string, unknown> | undefined;
  }

  /** Runs `f` on the page's test hook (window.fieldlabTwin); `f` travels as source, so it uses nothing but its arguments. */
  const on = <T, A = undefined>(p: Page, f: (h: TwinTestHook, arg: A) => T, arg?: A): Promise<T> =>
    p.evaluate(`(${f.toString()})(window.fieldlabTwin, ${JSON.stringify(arg ?? null)})`) as Promise<T>;
  const hook = <T>(f: (h: TwinTestHook) => T) => on(page, f);
  const ready = (p: Page) => p.waitForFunction(() => (window as unknown as { fieldlabTwin: TwinTestHook }).fieldlabTwin?.playback().ready, undefined, { timeout: 30_000 });

  /** Every device shows at `t` its latest stored point within its look-back, and nothing where it has none. */
  async function expectShownAsStored(page: Page, t: number): Promise<void> {
    for (const d of site().devices) {
      const shown = await on(page, (h, id) => h.values(id), d.id);
      const p = await pointAt(d.id, t);
      const lookback = (d.profileDef.states?.offlineAfterSeconds ?? 60) * 1000;
      if (!p || t - (p.time as Date).getTime() > lookback) expect(shown, `${d.id} has no data at the instant`).toEqual({});
      else {
        expect(Object.keys(shown).length, d.id).toBeGreaterThan(0);
        for (const [k, v] of Object.entries(shown)) expect(v, `${d.id}.${k}`).toEqual(p[k]);
      }
    }
  }

  it('opens ?at= in replay: the panel shows the value recorded then, the joint the recorded angle', async () => {
    // An instant while robot-01 was turned well away from zero, just after one of its points.
    const moving = await influx.client('replay').query<{ time: Date; axis1_position: number }>(
      `SELECT axis1_position FROM robot_arm WHERE device = 'robot-01' AND time >= ${past.from + 120_000}ms AND time <= ${past.until - 60_000}ms AND (axis1_position > 20 OR axis1_position < -20) LIMIT 200`,
    );
    expect(moving.length, 'robot-01 moved in the recorded past').toBeGreaterThan(0);
    const t = moving[Math.floor(moving.length / 2)]!.time.getTime() + 20;
    const truth = (await pointAt('robot-01', t))!;
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`${url}/?at=${new Date(t).toISOString()}&device=robot-01`);
    await ready(page);
    expect(await hook((h) => h.playback())).toMatchObject({ mode: 'replay', at: t, playing: false });
    const signal = site().devices.find((d) => d.id === 'robot-01')!.profileDef.signals.axis1_position;
    const cell = page.locator('#panel tr[data-signal="axis1_position"] td');
    await eventually(async () => (await cell.textContent()) === formatSignal(truth.axis1_position, signal), 20_000, 'the recorded axis 1 position in the panel');
    await eventually(async () => Math.abs((await hook((h) => h.joint('robot-01', 1)))! - (truth.axis1_position as number) * DEG) < 1e-6, 20_000, 'the joint at the recorded angle');
    // Every device as it was: values from its latest point within the look-back, none where it had none.
    await expectShownAsStored(page, t);
  });

  it('drags the scrubber: a gap shows as no data, back in the record the values and colours are those of the new instant', async () => {
    await page.selectOption('.tl-range', String(3_600_000));
    const box = (await page.locator('.tl-scrub').boundingBox())!;
    const xFor = (t: number) => {
      const [min, max] = [Date.now() - 3_600_000, Date.now()];
      return box.x + 8 + ((t - min) / (max - min)) * (box.width - 16);
    };
    const statuses = () => hook((h) => Object.fromEntries(h.devices().map((d) => [d, h.status(d)])));
    const colours = () => page.$$eval('nav li', (lis) => lis.map((li) => (li.querySelector('.dot') as HTMLElement).style.background));
    const before = { statuses: await statuses(), colours: await colours() };
    const thumb = { x: xFor(await hook((h) => h.playback().at)), y: box.y + box.height / 2 };
    // Well before the recorded quarter-hour: nothing was recorded then.
    await page.mouse.move(thumb.x, thumb.y);
    await page.mouse.down();
    await page.mouse.move(xFor(past.from - 20 * 60_000), thumb.y, { steps: 8 });
    await page.mouse.up();
    await eventually(async () => (await hook((h) => h.playback())).ready && (await hook((h) => h.playback().at)) < past.from - 60_000, 30_000, 'the seek into the gap');
    await eventually(async () => Object.values(await statuses()).every((s) => s === 'unknown'), 30_000, 'every machine without data');
    // The list refreshes twice a second, after the scene: asked until it has.
    await expect.poll(() => page.locator('nav li .state').allTextContents(), { timeout: 5_000 }).toEqual(site().devices.map(() => 'no data'));
    expect(await page.locator('#panel .values tr').count()).toBe(0);
    // Back into the record, at a different instant than the first.
    const target = past.from + 0.3 * (past.until - past.from);
    const from = xFor(await hook((h) => h.playback().at));
    await page.mouse.move(from, thumb.y);
    await page.mouse.down();
    await page.mouse.move(xFor(target), thumb.y, { steps: 8 });
    await page.mouse.up();
    await eventually(async () => {
      const p = await hook((h) => h.playback());
      return p.ready && Math.abs(p.at - target) < 60_000;
    }, 30_000, 'the seek back into the record');
    const at = await hook((h) => h.playback().at);
    await expectShownAsStored(page, at);
    // The alarm list is the one listed then (the history API's, itself checked against the stored events).
    const listed = (await (await fetch(`${url}/api/history/at?t=${at}`)).json()) as { alarms: { device: string; alarm: string }[] };
    await eventually(async () => {
      const shown = await page.$$eval('#alarms li', (lis) => lis.map((li) => `${li.dataset.device}/${li.dataset.alarm}`).sort());
      return JSON.stringify(shown) === JSON.stringify(listed.alarms.map((a) => `${a.device}/${a.alarm}`).sort());
    }, 5_000, 'the alarms listed then');
    const robot = (await pointAt('robot-01', at))!;
    expect(await hook((h) => h.values('robot-01').axis1_position)).toBe(robot.axis1_position);
    const after = { statuses: await statuses(), colours: await colours() };
    expect(after.statuses, 'machines with data again').not.toEqual(Object.fromEntries(site().devices.map((d) => [d.id, 'unknown'])));
    expect(after.colours).not.toEqual(before.colours.map(() => 'rgb(138, 143, 150)'));
    // The link follows the scrubber: a colleague opening it sees the same instant.
    await eventually(() => new URL(page.url()).searchParams.get('at') === new Date(at).toISOString(), 5_000, 'the URL to follow');
    const colleague = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await colleague.goto(page.url());
    await ready(colleague);
    expect(await on(colleague, (h) => h.playback().at)).toBe(at);
    await expectShownAsStored(colleague, at);
    await colleague.close();
  });

  it('plays at the chosen speed, and steps to the next alarm or state change', async () => {
    await page.selectOption('.tl-speed', '60');
    await page.click('.tl-play');
    await eventually(async () => (await hook((h) => h.playback())).playing, 15_000, 'playing');
    const a = await hook((h) => ({ ...h.playback(), wall: performance.now() }));
    await page.waitForTimeout(3_000);
    const b = await hook((h) => ({ ...h.playback(), wall: performance.now() }));
    // Replayed time over wall time, leaving out the time it waited for data.
    const played = (b.wall - a.wall - (b.stalledMs - a.stalledMs)) * 60;
    expect(b.at - a.at).toBeGreaterThan(played * 0.85);
    expect(b.at - a.at).toBeLessThan(played * 1.15 + 2_000);
    expect(new URL(page.url()).searchParams.get('speed')).toBe('60');
    await page.click('.tl-play');
    const here = await hook((h) => h.playback().at);
    await page.click('.tl-next');
    await eventually(async () => (await hook((h) => h.playback().at)) > here, 15_000, 'a step forward');
    const marks = await (await fetch(`${url}/api/history/marks?from=${here + 501}&to=${past.until}`)).json() as { marks: { t: number; kind: string }[] };
    const next = marks.marks.find((m) => m.kind === 'state' || m.kind === 'alarm_raised' || m.kind === 'alarm_cleared')!;
    expect(await hook((h) => h.playback().at)).toBe(next.t);
    // Played on into a silence (the robots' record ends with the past shift): no data, never the last value frozen.
    await on(page, (h, t) => h.seek(t), past.until - 3_000);
    expect(Object.keys(await hook((h) => h.values('robot-01'))).length).toBeGreaterThan(0);
    await hook((h) => h.play(10));
    const lookback = (site().devices.find((d) => d.id === 'robot-01')!.profileDef.states?.offlineAfterSeconds ?? 60) * 1000;
    // (+5 s: a stepped sample stands at the end of its step, here up to 2 s after the last point.)
    await eventually(async () => (await hook((h) => h.playback().at)) > past.until + lookback + 5_000, 15_000, 'playing past the end of the robots\' record');
    await hook((h) => h.pause());
    expect(await hook((h) => h.values('robot-01'))).toEqual({});
    await eventually(async () => (await hook((h) => h.status('robot-01'))) === 'unknown', 5_000, 'robot-01 without data');
  });

  it('goes back to live: live values, and the link no longer names an instant', async () => {
    await page.click('.tl-live');
    expect(await hook((h) => h.playback().mode)).toBe('live');
    await eventually(() => !new URL(page.url()).searchParams.has('at'), 5_000, 'the URL without at');
    await eventually(async () => (await hook((h) => h.dataAge())) < 5_000, 15_000, 'live data');
    // The viewer shows what the gateway holds now, not the replayed instant.
    await eventually(async () => {
      const live = (await (await fetch(`${url}/api/devices`)).json()) as { id: string; values: Record<string, unknown> }[];
      const shown = await hook((h) => h.values('printer-01'));
      return live.find((d) => d.id === 'printer-01')!.values.progress === shown.progress && typeof shown.progress === 'number';
    }, 15_000, 'printer-01 showing its live progress');
    await page.close();
  });

  it('loops a recorded stretch in the kiosk, saying what it shows', async () => {
    const kiosk = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await kiosk.goto(`${url}/?mode=kiosk&replay=0.5`);
    await ready(kiosk);
    const p = await on(kiosk, (h) => h.playback());
    // Half an hour in two minutes: 15×.
    expect(p).toMatchObject({ mode: 'replay', playing: true, speed: 15 });
    await eventually(async () => /^(Today|Yesterday), \d\d:\d\d–\d\d:\d\d, at 15×\n\S/.test((await kiosk.textContent('#caption')) ?? ''), 10_000, 'the replay caption');
    expect(await kiosk.isVisible('#timeline')).toBe(false);
    await kiosk.close();
  });
});
