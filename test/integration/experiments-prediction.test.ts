// Prediction against reality (issue 14): the project's own simulated line is reality. The demo
// line with four printers is recorded for HOURS by its own models through a gateway's path into
// a real influxd (as `npm run demo` writes its previous shift); the gateway's reader takes the
// record from there; the engine calibrates from it and predicts the good parts per hour with
// two more printers. Then "reality": the same simulated line with six printers, on another day
// (another site seed, so the four printers do not repeat the recorded run), recorded the same
// way for the same time, and its good parts per hour read from its finished series. The
// prediction must lie within ±10 % of what the six printers made, and what they made inside
// the interval one run of the model falls in. And: a faster robot program does not help while
// the printers are the bottleneck, and does once they are not.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSite, type SiteModel } from '../../device-profiles/schema/load.ts';
import { influxRecordReader } from '../../gateway/src/experiments/recorded-from-influx.ts';
import type { RecordedLine } from '../../simulators/src/experiments/recorded-line.ts';
import { runExperiment } from '../../simulators/src/experiments/run-experiment.ts';
import { scenarioFromBody } from '../../simulators/src/experiments/scenario.ts';
import { demoSiteFile, demoSiteFileWith } from '../support/fixtures.ts';
import { recordDemoPast } from '../support/recorded-demo.ts';
import { startTestInflux, tempDir, type TestInflux } from '../support/services.ts';

/** Simulated hours recorded, each way: about 15 s of writing each on 2 cores. */
const HOURS = 4;
const REPLICATIONS = 20;

describe('prediction against reality: the demo line recorded with four printers, predicted and run with six', () => {
  const log = pino({ level: 'silent' });
  const dir = tempDir('experiment-prediction');
  let influx: TestInflux;
  let site4: SiteModel;
  let record: RecordedLine;
  /** Good parts per hour as the finished series counted them. */
  let recorded4 = 0;
  let observed6 = 0;

  const experiment = (changes: object[], recorded = record) => runExperiment(site4, recorded, scenarioFromBody({ line: 'streetlight', changes, horizon: { hours: HOURS }, replications: REPLICATIONS, seed: 3 }));

  /** The line of `site` recorded for HOURS up to `until` into `database`; its series' good parts per hour. */
  const shift = async (site: SiteModel, database: string, until: number) => {
    await recordDemoPast(site, log, { influxUrl: influx.url, database, dir: dir.path, hours: HOURS, until });
    const rows = await influx.client(database).query<{ good: number }>(`SELECT good FROM production_series WHERE event = 'stop'`);
    expect(rows).toHaveLength(1);
    return rows[0]!.good / HOURS;
  };

  beforeAll(async () => {
    influx = await startTestInflux();
    site4 = loadSite(demoSiteFile(dir.path, [1, 2]));
    const site6 = loadSite(demoSiteFileWith(dir.path, [1, 2], { morePrinters: 2, seed: 2027 }));
    expect(site6.devices.filter((d) => d.station === 'printing')).toHaveLength(6);
    const until = Date.now() - 60_000;
    recorded4 = await shift(site4, 'four', until);
    observed6 = await shift(site6, 'six', until);
    record = await influxRecordReader(site4, { url: influx.url, database: 'four' })('streetlight', {}, Date.now());
  }, 180_000);

  afterAll(async () => {
    await influx?.stop();
    dir.remove();
  });

  it('calibrates every printer and robot from the record, and the model passes the validation gate', () => {
    const r = experiment([]);
    const cycle = (id: string) => r.calibration.entries.find((e) => e.parameter === `machines.${id}.cycle`)!;
    for (const id of ['printer-01', 'printer-02', 'printer-03', 'printer-04', 'robot-01', 'robot-02']) {
      expect(cycle(id).source, `${id}: ${JSON.stringify(cycle(id))}`).toBe('recorded');
      expect(cycle(id).observations).toBeGreaterThanOrEqual(HOURS * 8);
    }
    // A printer's part takes its heat-up, print and part removal: well above the 240 s print alone.
    for (const id of ['printer-01', 'printer-02', 'printer-03', 'printer-04']) expect(cycle(id).mean!).toBeGreaterThan(300);
    const t = r.validation.throughput;
    expect(t.recorded).toBeCloseTo(recorded4, 6);
    expect(r.validation.withinTolerance, JSON.stringify(t)).toBe(true);
    expect(r.bottleneck.before.station).toBe('printing');
  });

  it('predicts the good parts per hour of six printers within ±10 % of the six run for real, inside one run’s 95 % interval', () => {
    const r = experiment([{ station: 'printing', add: 2, like: 'printer-01' }]);
    const predicted = r.scenario!.goodPerHour;
    const figures = JSON.stringify({ recorded4, validation: r.validation.throughput, predicted, observed6 });
    expect(Math.abs(predicted.mean - observed6) / observed6, figures).toBeLessThanOrEqual(0.1);
    // One real run is one realisation: judged against where one run of the model falls, not the CI of the mean.
    expect(observed6, figures).toBeGreaterThanOrEqual(predicted.interval95[0]);
    expect(observed6, figures).toBeLessThanOrEqual(predicted.interval95[1]);
    expect(r.differences!.goodPerHour.significant).toBe(true);
    console.info(`prediction against reality: ${figures}`);
  });

  it('says a faster robot program does not help while the printers are the bottleneck, and how much it helps once they are not', () => {
    const robots = [{ machine: 'robot-01', cycle: { factor: 0.7 } }, { machine: 'robot-02', cycle: { factor: 0.7 } }];
    // On the line as recorded: the printers hold it back.
    const asRecorded = experiment(robots);
    const d = asRecorded.differences!.goodPerHour;
    expect(asRecorded.bottleneck.before.station).toBe('printing');
    expect(Math.abs(d.mean) / asRecorded.baseline.goodPerHour.mean, JSON.stringify(d)).toBeLessThan(0.01);
    // The unloading robot alone, likewise.
    const unloader = experiment([robots[0]!]);
    expect(Math.abs(unloader.differences!.goodPerHour.mean) / unloader.baseline.goodPerHour.mean).toBeLessThan(0.01);

    // Printers ten times faster: the record with their recorded cycles scaled to a tenth, as a
    // scenario's cycle factor scales them, so that it is the baseline the robots are compared with.
    const fast: RecordedLine = { ...record, machines: record.machines.map((m) => (m.station === 'printing' ? { ...m, cycles: m.cycles.map((c) => c / 10) } : m)) };
    const faster = experiment(robots, fast);
    const gain = faster.differences!.goodPerHour;
    expect(faster.bottleneck.before.station).not.toBe('printing');
    expect(gain.significant, JSON.stringify(gain)).toBe(true);
    expect(gain.mean / faster.baseline.goodPerHour.mean, JSON.stringify({ base: faster.baseline.goodPerHour, gain })).toBeGreaterThan(0.1);
    // The unloading robot alone does not help then: the packing robot is the bottleneck.
    const fastUnloader = experiment([robots[0]!], fast);
    expect(faster.bottleneck.before.station).toBe('packing');
    expect(Math.abs(fastUnloader.differences!.goodPerHour.mean) / fastUnloader.baseline.goodPerHour.mean).toBeLessThan(0.01);
    console.info(`prediction check: ${JSON.stringify({ d, unloader: unloader.differences!.goodPerHour, fastBase: faster.baseline.goodPerHour, gain, fastUnloader: fastUnloader.differences!.goodPerHour })}`);
  });
});
