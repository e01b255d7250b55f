// The Experiments panel in a real browser against a gateway with the real engine: the demo
// line's previous shift (2 h) written into a real influxd through a gateway's path, as in
// experiments-engine.test.ts. Pointing at a printer names "+1 printer at Print farm", Run
// queues it, and the table shows the very numbers `GET /api/experiments/<id>` gives.
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSite } from '../../device-profiles/schema/load.ts';
import type { ExperimentDetail, ExperimentTrace } from '../../gateway/src/core/experiments.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { ensureViewerBuilt } from '../../gateway/src/http/viewer.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import type { ExperimentResult } from '../../simulators/src/experiments/run-experiment.ts';
import type { TwinTestHook } from '../../twin-viewer/src/test-hook.ts';
import { demoSiteFile } from '../support/fixtures.ts';
import { recordDemoPast } from '../support/recorded-demo.ts';
import { eventually, startTestInflux, tempDir, type TestInflux } from '../support/services.ts';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { loginPage, PASSWORD, usersFile, withUsers } from '../support/auth.ts';
import { launchChromium } from '../support/chromium.ts';


// Written out here rather than imported from the panel, so a wrong format in the panel fails.
const est = (e: { mean: number; ci95: readonly [number, number] }) => `${e.mean.toFixed(1)} [${e.ci95[0].toFixed(1)}, ${e.ci95[1].toFixed(1)}]`;
const signed = (x: number) => {
  const t = x.toFixed(1) === '-0.0' ? '0.0' : x.toFixed(1);
  return `${Number(t) > 0 ? '+' : ''}${t}`;
};
const diff = (d: { mean: number; ci95: readonly [number, number] }) => `${signed(d.mean)} [${signed(d.ci95[0])}, ${signed(d.ci95[1])}]`;

describe('the Experiments panel (real engine, real influxd)', () => {
  const log = pino({ level: 'silent' });
  const dir = tempDir('experiments-panel-e2e');
  let influx: TestInflux;
  let gateway: Gateway;
  let browser: Browser;
  let page: Page;

  const hook = <T,>(f: (h: TwinTestHook) => T): Promise<T> => page.evaluate(`(${f.toString()})(window.fieldlabTwin)`) as Promise<T>;

  beforeAll(async () => {
    await ensureViewerBuilt(log);
    influx = await startTestInflux();
    const site = loadSite(demoSiteFile(dir.path, [1, 2]));
    const { config } = await recordDemoPast(site, log, { influxUrl: influx.url, database: 'experiments', dir: dir.path, hours: 2 });
    // The engineer runs experiments; the other pages look as visitors.
    const users = await withUsers(usersFile(), ['engineer']);
    gateway = new Gateway(site, gatewayConfig({ ...config, auth: { usersFile: users } }), new Telemetry(log), { sources: [] });
    await gateway.start();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await loginPage(page, gateway.httpAddress()!, 'engineer', PASSWORD.engineer);
    await page.goto(gateway.httpAddress()!);
    await page.waitForFunction(() => (window as unknown as { fieldlabTwin: TwinTestHook }).fieldlabTwin?.experiments()?.available, undefined, { timeout: 30_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    await influx?.stop();
    dir.remove();
  });

  it('adds a printer by clicking the print station, runs it, and shows the API\'s numbers with the verdict', async () => {
    await page.click('#experiments .exp-toggle');
    // Clicked in the scene, on the print farm's pad where no printer stands: its last printer is the one copied.
    const pad = (await hook((h) => h.stationScreenPoint('printing')))!;
    await page.mouse.click(pad.x, pad.y);
    await eventually(async () => (await hook((h) => h.experiments()?.pointed)) === 'printer-04', 5_000, 'the print farm pointed at (printer-04 copied)');
    expect(await hook((h) => h.selected())).toBeUndefined();
    expect(await page.textContent('#experiments .exp-add')).toBe('+1 printer at Print farm');
    await page.click('#experiments .exp-add');
    expect(await hook((h) => h.experiments()?.changes)).toEqual([{ station: 'printing', add: 1, like: 'printer-04' }]);
    expect(await page.locator('#experiments .exp-changes li').allTextContents()).toEqual(['+1 printer at Print farm×']);
    // The printer to be stands in the scene at once, one step of the row past printer 4.
    const printers = gateway.site.devices.filter((d) => d.station === 'printing');
    const [p3, p4] = [printers[printers.length - 2]!.position, printers[printers.length - 1]!.position];
    const ghosts = await hook((h) => h.ghosts());
    expect(ghosts).toEqual([{ id: 'printer-04+1', like: 'printer-04', position: { x: 2 * p4.x - p3.x, y: 2 * p4.y - p3.y }, status: 'unknown', label: '+1 printer (planned)', visible: true }]);
    // Dragged across the floor it stands where it was put (a metre and a half towards the camera), and stays so.
    const from = (await hook((h) => h.screenPoint('printer-04+1')))!;
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(from.x + 20, from.y + 30, { steps: 5 });
    await page.mouse.move(from.x + 40, from.y + 60, { steps: 5 });
    await page.mouse.up();
    const moved = (await hook((h) => h.ghosts()))[0]!.position;
    expect(moved.x).not.toBeCloseTo(2 * p4.x - p3.x, 1);
    expect(moved.y).toBeLessThan(2 * p4.y - p3.y);
    expect(await hook((h) => h.experiments()?.pointed)).toBe('printer-04');
    await page.click('#experiments .exp-cycle-add');
    await page.locator('#experiments .exp-changes .remove').last().click();
    expect((await hook((h) => h.ghosts()))[0]!.position).toEqual(moved);

    await page.fill('#experiments [name=replications]', '3');
    await page.click('#experiments .exp-run');
    await eventually(async () => (await hook((h) => h.experiments()?.shown)) !== undefined, 45_000, 'the result on show');
    const { id } = (await hook((h) => h.experiments()!.shown!))!;
    const detail = (await (await fetch(`${gateway.httpAddress()}/api/experiments/${id}`)).json()) as ExperimentDetail;
    expect(detail.status).toBe('done');
    expect(detail.scenario).toMatchObject({ line: 'streetlight', changes: [{ station: 'printing', add: 1, like: 'printer-04' }], replications: 3, horizon: { hours: 8 } });
    const r = detail.result as ExperimentResult;

    const cell = (figure: string, column: string) => page.textContent(`#experiments tr[data-figure="${figure}"] td.${column}`);
    expect(await cell('goodPerHour', 'baseline')).toBe(est(r.baseline.goodPerHour));
    expect(await cell('goodPerHour', 'scenario')).toBe(est(r.scenario!.goodPerHour));
    expect(await page.textContent('#experiments tr[data-figure="goodPerHour"] td.difference .value')).toBe(diff(r.differences!.goodPerHour));
    expect(await page.textContent('#experiments tr[data-figure="goodPerHour"] td.difference .verdict')).toBe(r.differences!.goodPerHour.significant ? 'significant' : 'not significant');
    const stationName = (id: string | null) => gateway.site.lines.flatMap((l) => l.stations).find((s) => s.id === id)?.name ?? '—';
    expect(await cell('bottleneck', 'baseline')).toBe(stationName(r.bottleneck.before.station));
    expect(await cell('bottleneck', 'scenario')).toBe(stationName(r.bottleneck.after!.station));

    // The verdict is always there, and says the recorded and simulated figures.
    const verdict = page.locator('#experiments .exp-validation');
    expect(await verdict.isVisible()).toBe(true);
    expect(await verdict.getAttribute('class')).toContain(r.validation.withinTolerance ? 'ok' : 'fail');
    expect(await verdict.textContent()).toContain(`${r.validation.recordedGoodPerHour.toFixed(1)} good/h recorded, ${r.validation.throughput.simulated.mean.toFixed(1)} simulated`);
    // Where each machine's time went, as stacked bars of the API's shares; the added printer among the scenario's.
    const bars = (await hook((h) => h.experiments()!.bars))!;
    const states = ['working', 'blocked', 'starved', 'failed', 'setup', 'offShift'] as const;
    const totals = (f: ExperimentResult['baseline']) => states.map((_, k) => f.machines.map((m) => 100 * states.slice(0, k + 1).reduce((a, st) => a + m.time[st].mean, 0)));
    expect(bars.baseline!.machines).toEqual(r.baseline.machines.map((m) => m.id));
    expect(bars.scenario!.machines).toContain('printer-04+1');
    for (const [arm, f] of [['baseline', r.baseline], ['scenario', r.scenario!]] as const) {
      const want = totals(f);
      bars[arm]!.totals.forEach((row, k) => row.forEach((v, i) => expect(v).toBeCloseTo(want[k]![i]!, 6)));
    }
    expect(await page.locator('#experiments .exp-bars canvas').count()).toBe(2);
    // The bottleneck of each is marked on its machines in the scene.
    const marks = (await hook((h) => h.experiments()!.marks))!;
    const atStation = (b: ExperimentResult['bottleneck']['before']) => (b.machine ? [b.machine] : gateway.site.devices.filter((d) => d.station === b.station).map((d) => d.id));
    for (const mid of atStation(r.bottleneck.before)) expect(marks[mid]).toMatch(/bottleneck (now|in both)/);
    expect(Object.values(marks).some((m) => /with the change|in both/.test(m))).toBe(true);
    // FIELDLAB_SCREENSHOTS=docs writes the picture docs/virtual-experiments.md shows.
    if (process.env.FIELDLAB_SCREENSHOTS) {
      await hook((h) => h.overview());
      await page.evaluate(() => document.querySelector('#experiments .exp-summary')?.scrollIntoView());
      await page.waitForTimeout(500);
      await page.screenshot({ path: join(process.env.FIELDLAB_SCREENSHOTS, 'experiments-panel.png') });
    }
    // The summary says the answer in words with its interval.
    expect(await page.textContent('#experiments .exp-summary .question')).toBe('What if: +1 printer at Print farm?');
    expect(await page.textContent('#experiments .exp-summary .answer')).toContain(`${diff(r.differences!.goodPerHour)} good parts an hour`);
    // A day is 24 hours of calendar time, as good parts an hour are counted.
    const whole = (x: number) => `${Math.round(x) > 0 ? '+' : ''}${x.toFixed(0) === '-0' ? '0' : x.toFixed(0)}`;
    const g = r.differences!.goodPerHour;
    expect(await page.textContent('#experiments .exp-summary .answer')).toContain(`${whole(g.mean * 24)} [${whole(g.ci95[0] * 24)}, ${whole(g.ci95[1] * 24)}] a day`);
    // Kept to reopen, listed by its name.
    await eventually(async () => (await hook((h) => h.experiments()?.past ?? [])).includes(id), 5_000, 'the experiment in the past list');
    expect(await page.textContent(`#experiments .exp-past li[data-id="${id}"]`)).toContain(' · +1 printer at Print farm · done');

    // The link names the experiment: another page opened on it shows the same result.
    await eventually(async () => new URL(page.url()).searchParams.get('experiment') === id, 5_000, 'the experiment in the link');
    const other = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await other.goto(page.url());
      await other.waitForFunction((x) => (window as unknown as { fieldlabTwin: TwinTestHook }).fieldlabTwin?.experiments()?.shown?.id === x, id, { timeout: 20_000 });
      expect(await other.textContent('#experiments tr[data-figure="goodPerHour"] td.scenario')).toBe(est(r.scenario!.goodPerHour));
      expect(await other.textContent('#experiments .exp-validation')).toBe(await verdict.textContent());
      // Its changes are back in the list, to run again; the ghost stands again.
      expect(await other.locator('#experiments .exp-changes li').allTextContents()).toEqual(['+1 printer at Print farm×']);
      // Printed, the page is the summary and the table alone.
      await other.emulateMedia({ media: 'print' });
      expect(await other.locator('#scene').isVisible()).toBe(false);
      expect(await other.locator('#experiments .exp-summary').isVisible()).toBe(true);
      expect(await other.locator('#experiments .exp-validation').isVisible()).toBe(true);
      expect(await other.locator('#experiments .exp-form').isVisible()).toBe(false);
    } finally {
      await other.close();
    }
  }, 90_000);

  it('plays a replication in the scene: the added printer works and changes state as the trace says, both arms on one clock', async () => {
    const id = (await hook((h) => h.experiments()!.shown!.id))!;
    // The panel fetches both arms' traces with the result (the gateway traces two at a time): after those, ours.
    await eventually(async () => Object.keys((await hook((h) => h.experiments()!.buffers))!).length === 2, 15_000, 'the panel\'s traces in');
    const trace = (await (await fetch(`${gateway.httpAddress()}/api/experiments/${id}/trace?arm=scenario&replication=0`)).json()) as ExperimentTrace;
    const ghost = trace.machines.findIndex((m) => m.id === 'printer-04+1');
    expect(ghost).toBeGreaterThanOrEqual(0);
    // The ghost's state at simulated second t, and how the scene shows it.
    const changes = trace.events.filter(([, kind, index]) => kind === 0 && index === ghost);
    const stateAt = (t: number) => trace.states[changes.findLast(([at]) => at <= t)![3]]!;
    const STATUS: Record<string, string> = { working: 'running', blocked: 'idle', starved: 'idle', failed: 'fault', setup: 'warning', offShift: 'offline' };
    const working = changes.find(([, , , v]) => trace.states[v] === 'working')!;
    const other = changes.find(([t, , , v]) => trace.states[v] !== 'working' && t > working[0]) ?? changes.find(([, , , v]) => trace.states[v] !== 'working')!;

    await page.selectOption('#experiments [name=playspeed]', '3600');
    await page.click('#experiments .exp-play-start');
    await eventually(async () => (await hook((h) => h.experiments()!.playing)) !== undefined, 15_000, 'the replication playing');
    const first = (await hook((h) => h.experiments()!.playing))!;
    expect(first).toMatchObject({ experiment: id, arm: 'scenario' });
    await eventually(async () => (await hook((h) => h.experiments()!.playing!.seconds)) > first.seconds + 600, 10_000, 'simulated time moving at 3600×');
    expect(await page.textContent('#timeline .tl-mode')).toBe('◆ Simulated');
    // The buffers of the replication over time: a stepped line per buffer, a point per change in the trace.
    const buffers = (await hook((h) => h.experiments()!.buffers))!;
    const changeTimes = new Set(trace.events.filter(([, kind, index]) => kind === 1 && index >= 1).map(([t]) => t));
    expect(buffers.scenario).toEqual({ stations: trace.stations.slice(1).map((st) => st.id), points: changeTimes.size });
    expect(Object.keys(buffers).sort()).toEqual(['baseline', 'scenario']);
    expect(await page.locator('#experiments .exp-buffers canvas').count()).toBe(2);
    expect(await page.textContent('#timeline .tl-when')).toMatch(/^simulated, with the change: /);

    // Held at two instants the trace tells apart, the ghost shows the state the trace has then.
    const shownAt = async (t: number) => {
      await page.evaluate(`window.fieldlabTwin.seek(${Date.parse(trace.start) + t * 1000})`);
      await eventually(async () => Math.abs((await hook((h) => h.experiments()!.playing!.seconds)) - t) < 1e-3, 5_000, `simulated second ${t}`);
      await page.waitForTimeout(300);
      return (await hook((h) => h.ghosts()))[0]!.status;
    };
    const seen = [await shownAt(working[0] + 0.5), await shownAt(other[0] + 0.5)];
    expect(seen).toEqual([STATUS[stateAt(working[0] + 0.5)], STATUS[stateAt(other[0] + 0.5)]]);
    expect(seen[0]).toBe('running');
    expect(seen[1]).not.toBe('running');
    // The parts stand where the model has them then: each buffer's level, and one on each machine working or blocked.
    const t = other[0] + 0.5;
    const lastOf = (kind: number, index: number) => trace.events.filter(([at, k, i]) => k === kind && i === index && at <= t).at(-1)?.[3];
    const levels = Object.fromEntries(trace.stations.map((st, i) => [st.id, lastOf(1, i) ?? 0]));
    const held = trace.machines.filter((_, i) => ['working', 'blocked'].includes(trace.states[lastOf(0, i) ?? -1] ?? '')).map((m) => m.id);
    const stock = await hook((h) => h.stock());
    for (const [station, level] of Object.entries(levels)) expect(stock.buffers[station], station).toBe(level);
    expect([...stock.held].sort()).toEqual([...held].sort());
    expect(stock.drawn).toBe(Object.values(levels).reduce((a, b) => a + b, 0) + held.length);
    expect(stock.drawn).toBeGreaterThan(0);
    // And the parts made so far in that replication, as the trace counts them.
    const good = trace.events.filter(([at, k]) => k === 2 && at <= t).at(-1)?.[3] ?? trace.counts.from.good;
    const scrap = trace.stations.reduce((n, _, i) => n + (lastOf(3, i) ?? trace.counts.from.scrap[i] ?? 0), 0);
    expect(await page.textContent('#experiments .exp-counts')).toBe(`replication 1, with the change: ${good} good, ${scrap} scrap in ${((t - trace.window.fromSeconds) / 3600).toFixed(1)} h`);
    if (process.env.FIELDLAB_SCREENSHOTS) {
      await hook((h) => h.overview());
      await page.click('#experiments .exp-toggle');
      await page.waitForTimeout(800);
      await page.screenshot({ path: join(process.env.FIELDLAB_SCREENSHOTS, 'experiment-playing.png') });
      await page.click('#experiments .exp-toggle');
    }

    // The baseline at the same simulated instant: the printer to be is not in it.
    await page.selectOption('#experiments [name=arm]', 'baseline');
    const base = (await hook((h) => h.experiments()!.playing))!;
    expect(base.arm).toBe('baseline');
    expect(base.seconds).toBeCloseTo(other[0] + 0.5, 3);
    await page.waitForTimeout(300);
    expect((await hook((h) => h.ghosts()))[0]!.status).toBe('unknown');
    await page.selectOption('#experiments [name=arm]', 'scenario');

    // The link says where: another page opens the same replication, paused at that second.
    await eventually(
      async () => {
        const q = new URL(page.url()).searchParams;
        return q.get('arm') === 'scenario' && q.get('simt') === String(Math.round(other[0] + 0.5));
      },
      5_000,
      'the arm and the simulated second in the link',
    );
    const other2 = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await other2.goto(page.url());
      await other2.waitForFunction(() => (window as unknown as { fieldlabTwin: TwinTestHook }).fieldlabTwin?.experiments()?.playing?.arm === 'scenario', undefined, { timeout: 20_000 });
      const there = (await other2.evaluate('window.fieldlabTwin.experiments().playing')) as { seconds: number };
      expect(there.seconds).toBe(Math.round(other[0] + 0.5));
      expect((await other2.evaluate('window.fieldlabTwin.playback().playing')) as boolean).toBe(false);
    } finally {
      await other2.close();
    }
    await page.evaluate('window.fieldlabTwin.goLive()');
    await eventually(async () => (await hook((h) => h.playback().mode)) === 'live', 5_000, 'back to live');
    await eventually(async () => (await hook((h) => h.stock().drawn)) === 0, 5_000, 'the simulated parts gone with the scenario');
  });

  it('swaps the scene between live, replay and the scenario 50 times without leaking GPU memory or listeners', async () => {
    // A small page, so that 150 swaps with a frame drawn in each stay quick in software WebGL.
    const id = (await hook((h) => h.experiments()!.shown!.id))!;
    const small = await browser.newPage({ viewport: { width: 320, height: 200 } });
    try {
      await small.goto(`${gateway.httpAddress()}/?experiment=${id}`);
      await small.waitForFunction((x) => (window as unknown as { fieldlabTwin: TwinTestHook }).fieldlabTwin?.experiments()?.shown?.id === x, id, { timeout: 20_000 });
      // One round in the page: replay an instant, play the scenario, back to live, a frame drawn in each.
      const rounds = (n: number) =>
        small.evaluate(async (n) => {
          const h = (window as unknown as { fieldlabTwin: TwinTestHook }).fieldlabTwin;
          const frame = () => new Promise((r) => requestAnimationFrame(r));
          for (let i = 0; i < n; i++) {
            await h.seek(Date.now() - 10 * 60_000);
            if (h.playback().mode !== 'replay') throw new Error(`round ${i}: not in replay`);
            await frame();
            await h.playExperiment();
            if (h.playback().mode !== 'scenario') throw new Error(`round ${i}: not in the scenario`);
            await frame();
            h.goLive();
            await frame();
          }
        }, n);
      await rounds(2);
      const before = (await small.evaluate('window.fieldlabTwin.lifecycle()')) as object;
      await rounds(50);
      expect(await small.evaluate('window.fieldlabTwin.lifecycle()')).toEqual(before);
    } finally {
      await small.close();
    }
  }, 90_000);

  it('alternates the live line with the prepared experiment in the kiosk, when its model passed its check', async () => {
    const list = (await (await fetch(`${gateway.httpAddress()}/api/experiments`)).json()) as { id: string }[];
    const detail = (await (await fetch(`${gateway.httpAddress()}/api/experiments/${list[0]!.id}`)).json()) as ExperimentDetail;
    const r = detail.result as ExperimentResult;
    const kiosk = await browser.newPage({ viewport: { width: 960, height: 540 } });
    try {
      // A fast tour: a quarter of a second at each machine.
      await kiosk.goto(`${gateway.httpAddress()}/?mode=kiosk&experiment=latest&dwell=0.25`);
      const seen = { caption: '', ghosts: [] as string[] };
      await eventually(
        async () => {
          const caption = (await kiosk.textContent('#caption')) ?? '';
          if (caption.startsWith('What if')) seen.caption = caption;
          const ghosts = (await kiosk.evaluate('window.fieldlabTwin.ghosts().map((g) => g.id)')) as string[];
          if (ghosts.length > 0) seen.ghosts = ghosts;
          return seen.caption !== '' && seen.ghosts.length > 0;
        },
        r.validation.withinTolerance ? 20_000 : 8_000,
        'the experiment in the tour',
      ).catch(() => undefined);
      if (r.validation.withinTolerance) {
        const share = Math.round((100 * r.differences!.goodPerHour.mean) / r.baseline.goodPerHour.mean);
        expect(seen.caption).toContain('What if: +1 printer at Print farm?');
        expect(seen.caption).toContain(r.differences!.goodPerHour.significant ? `${Math.abs(share)} % ${share > 0 ? 'more' : 'fewer'}` : 'about as many');
        expect(seen.ghosts).toEqual(['printer-04+1']);
      } else {
        // A model that failed its check never gives visitors a number.
        expect(seen.caption).toBe('');
      }
    } finally {
      await kiosk.close();
    }
  });

  it('calibrates from the last series on the timeline in one pick', async () => {
    await eventually(async () => (await hook((h) => h.seriesMarks())).some(([, k]) => k === 'series_stop'), 10_000, 'the recorded series on the timeline');
    const marks = await hook((h) => h.seriesMarks());
    const start = marks.filter(([, k]) => k === 'series_start').at(-1)![0];
    const stop = marks.find(([t, k]) => k === 'series_stop' && t > start)?.[0];
    const before = (await hook((h) => h.experiments()!.past)).length;
    await page.selectOption('#experiments [name=calibration]', 'series');
    await page.fill('#experiments [name=replications]', '2');
    await page.click('#experiments .exp-run');
    await eventually(async () => (await hook((h) => h.experiments()!.past)).length > before, 15_000, 'the experiment queued');
    const id = (await hook((h) => h.experiments()!.past))[0]!;
    const detail = (await (await fetch(`${gateway.httpAddress()}/api/experiments/${id}`)).json()) as ExperimentDetail;
    const calibration = (detail.scenario as { calibration: { from: string; to: string } }).calibration;
    expect(Date.parse(calibration.from)).toBe(start);
    if (stop !== undefined) expect(Date.parse(calibration.to)).toBe(stop);
    await page.selectOption('#experiments [name=calibration]', 'default');
  });

  it('collects buffer, target and shift changes in words, one of each kind replacing the last', async () => {
    const before = (await hook((h) => h.experiments()!.changes)).length;
    await page.click('nav li[data-device="inspection-01"]');
    await eventually(async () => (await hook((h) => h.experiments()?.pointed)) === 'inspection-01', 5_000, 'inspection pointed at');
    await page.fill('#experiments [name=buffer]', '2');
    await page.click('#experiments .exp-buffer-add');
    await page.fill('#experiments [name=buffer]', '3');
    await page.click('#experiments .exp-buffer-add');
    await page.fill('#experiments [name=target]', '150');
    await page.click('#experiments .exp-target-add');
    await page.selectOption('#experiments [name=shifts]', 'two');
    await page.click('#experiments .exp-shifts-add');
    const changes = (await hook((h) => h.experiments()!.changes)).slice(before);
    expect(changes).toEqual([
      { station: 'inspection', buffer: 3 },
      { target: 150 },
      { calendar: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], shifts: [{ from: '06:00', to: '14:00' }, { from: '14:00', to: '22:00' }], breaks: [], stops: [] } },
    ]);
    const texts = (await page.locator('#experiments .exp-changes li').allTextContents()).slice(before);
    expect(texts).toEqual(['buffer of 3 before Vision inspection×', 'target 150 good parts×', 'shifts: two shifts, Mon–Fri 06:00–22:00×']);
  });

  it('runs several scenarios side by side: 5, 6 and 7 printers', async () => {
    while ((await page.locator('#experiments .exp-changes .remove').count()) > 0) await page.locator('#experiments .exp-changes .remove').first().click();
    await page.click('nav li[data-device="printer-04"]');
    await eventually(async () => (await hook((h) => h.experiments()?.pointed)) === 'printer-04', 5_000, 'printer-04 pointed at');
    expect(await page.textContent('#experiments .exp-sweep')).toBe('compare 5, 6, 7 at Print farm');
    await page.click('#experiments .exp-sweep');
    expect(await hook((h) => h.experiments()!.sweep)).toEqual({ station: 'printing', parameter: 'machines', values: [5, 6, 7] });
    const shownBefore = (await hook((h) => h.experiments()!.shown?.id));
    await page.fill('#experiments [name=replications]', '2');
    await page.click('#experiments .exp-run');
    await eventually(async () => ((await hook((h) => h.experiments()!.shown?.id)) ?? shownBefore) !== shownBefore, 45_000, 'the sweep on show');
    const id = (await hook((h) => h.experiments()!.shown!.id))!;
    const r = ((await (await fetch(`${gateway.httpAddress()}/api/experiments/${id}`)).json()) as ExperimentDetail).result as ExperimentResult;
    expect(r.scenarios).toHaveLength(3);
    const cells = await page.locator('#experiments tr[data-figure="goodPerHour"] td.scenario').allTextContents();
    expect(cells).toEqual(r.scenarios.map((x) => est(x.goodPerHour)));
    const diffs = await page.locator('#experiments tr[data-figure="goodPerHour"] td.difference .value').allTextContents();
    expect(diffs).toEqual(r.scenarios.map((x) => diff(x.differences.goodPerHour)));
    expect(Object.keys((await hook((h) => h.experiments()!.bars))!).sort()).toEqual(['baseline', 'scenario', 'scenario-1', 'scenario-2']);
  });

  it('picks a machine with the next click after a ghost was dragged and let go outside the window', async () => {
    while ((await page.locator('#experiments .exp-changes .remove').count()) > 0) await page.locator('#experiments .exp-changes .remove').first().click();
    await page.click('nav li[data-device="printer-04"]');
    await eventually(async () => (await hook((h) => h.experiments()?.pointed)) === 'printer-04', 5_000, 'printer-04 pointed at');
    await page.click('#experiments .exp-add');
    await eventually(async () => (await hook((h) => h.ghosts())).length === 1, 5_000, 'the ghost in the scene');
    await hook((h) => h.overview());
    // Points of the scene the panel does not cover.
    const panel = (await page.locator('#experiments').boundingBox())!;
    const clear = async (id: string) => {
      const p = (await page.evaluate((x) => (window as unknown as { fieldlabTwin: TwinTestHook }).fieldlabTwin.screenPoint(x), id))!;
      const hit = await page.evaluate(([x, y]) => document.elementFromPoint(x!, y!)?.tagName, [p.x, p.y]);
      return hit === 'CANVAS' && p.x < panel.x ? p : undefined;
    };
    const from = (await clear('printer-04+1'))!;
    expect(from, 'the ghost on the canvas, left of the panel').toBeDefined();
    const machines = gateway.site.devices.map((d) => d.id).filter((d) => d !== 'printer-04');
    let target: { id: string; at: { x: number; y: number } } | undefined;
    for (const id of machines) {
      const at = await clear(id);
      if (at) target = { id, at };
      if (target) break;
    }
    expect(target, 'a machine on the canvas, left of the panel').toBeDefined();
    // Dragged and let go outside the window: the browser sends the canvas no click for it.
    await page.evaluate(([x, y]) => {
      const canvas = document.querySelector('#scene canvas')!;
      const at = (type: string, dx: number, dy: number, buttons: number) =>
        canvas.dispatchEvent(new PointerEvent(type, { pointerId: 1, pointerType: 'mouse', isPrimary: true, clientX: x! + dx, clientY: y! + dy, buttons, bubbles: true }));
      at('pointerdown', 0, 0, 1);
      at('pointermove', -10, -10, 1);
      at('pointermove', -20, -40, 1);
      at('pointerup', -20, -40, 0);
    }, [from.x, from.y]);
    await page.mouse.click(target!.at.x, target!.at.y);
    await eventually(async () => (await hook((h) => h.selected())) === target!.id, 3_000, 'the click after the drag picks the machine');
  });

  it('shows the API\'s refusal in the panel', async () => {
    await page.fill('#experiments [name=replications]', '1');
    await page.click('#experiments .exp-run');
    await eventually(async () => /FL_SCENARIO_INVALID/.test((await hook((h) => h.experiments()?.error)) ?? ''), 5_000, 'the error shown');
    expect(await page.textContent('#experiments .exp-error')).toMatch(/replications/);
  });
});
