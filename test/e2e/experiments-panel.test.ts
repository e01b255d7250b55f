// The Experiments panel in a real browser against a gateway with the real engine: the demo
// line's previous shift (2 h) written into a real influxd through a gateway's path, as in
// experiments-engine.test.ts. Pointing at a printer names "+1 printer at Print farm", Run
// queues it, and the table shows the very numbers `GET /api/experiments/<id>` gives.
import { chromium, type Browser, type Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSite } from '../../device-profiles/schema/load.ts';
import type { ExperimentDetail } from '../../gateway/src/core/experiments.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { ensureViewerBuilt } from '../../gateway/src/http/viewer.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import type { ExperimentResult } from '../../simulators/src/experiments/run-experiment.ts';
import type { TwinTestHook } from '../../twin-viewer/src/test-hook.ts';
import { demoSiteFile } from '../support/fixtures.ts';
import { recordDemoPast } from '../support/recorded-demo.ts';
import { eventually, startTestInflux, tempDir, type TestInflux } from '../support/services.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--enable-unsafe-swiftshader', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

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
    gateway = new Gateway(site, config, new Telemetry(log), { sources: [] });
    await gateway.start();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(gateway.httpAddress()!);
    await page.waitForFunction('window.fieldlabTwin?.experiments()?.available', undefined, { timeout: 30_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    await influx?.stop();
    dir.remove();
  });

  it('adds a printer by pointing at one, runs it, and shows the API\'s numbers with the verdict', async () => {
    await page.click('#experiments .exp-toggle');
    await page.click('nav li[data-device="printer-04"]');
    await eventually(async () => (await hook((h) => h.experiments()?.pointed)) === 'printer-04', 5_000, 'printer-04 pointed at');
    expect(await page.textContent('#experiments .exp-add')).toBe('+1 printer at Print farm');
    await page.click('#experiments .exp-add');
    expect(await hook((h) => h.experiments()?.changes)).toEqual([{ station: 'printing', add: 1, like: 'printer-04' }]);
    expect(await page.locator('#experiments .exp-changes li').allTextContents()).toEqual(['+1 printer at Print farm×']);

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
    // Kept to reopen.
    await eventually(async () => (await hook((h) => h.experiments()?.past ?? [])).includes(id), 5_000, 'the experiment in the past list');
  }, 60_000);

  it('shows the API\'s refusal in the panel', async () => {
    await page.fill('#experiments [name=replications]', '1');
    await page.click('#experiments .exp-run');
    await eventually(async () => /FL_SCENARIO_INVALID/.test((await hook((h) => h.experiments()?.error)) ?? ''), 5_000, 'the error shown');
    expect(await page.textContent('#experiments .exp-error')).toMatch(/replications/);
  });
});
