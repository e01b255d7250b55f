// The warm start and the recorded past, in simulated time through a real Gateway's message
// path (its clock handed in): what the gateway counts must be what the models did.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { gatewayConfig } from '../../gateway/src/config.ts';
import type { Point } from '../../gateway/src/core/reading.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { buildLineModels } from '../../simulators/src/line/line-models.ts';
import { recordShift, warmStart, type PastTime } from '../../simulators/src/line/recorded-past.ts';
import { pointsReader } from '../support/alarm-events.ts';
import { tempDir } from '../support/services.ts';
import { TestSink } from '../support/test-sink.ts';

const site = loadSite();

async function pastGateway(start: number) {
  const dir = tempDir('past');
  const time: PastTime = { now: start };
  const sink = new TestSink<Point>({ record: (p) => p });
  const gateway = new Gateway(
    site,
    gatewayConfig({ spool: { enabled: false, dir: dir.path }, influx: { flushIntervalMs: 50 } }),
    new Telemetry(pino({ level: 'silent' })),
    { sources: [], sinks: [sink], http: false, clock: () => time.now },
  );
  await gateway.start();
  const held = () => [...sink.batches.flat()];
  return { gateway, time, held, close: async () => (await gateway.flush(), await gateway.stop(), dir.remove()) };
}

const sumBy = (points: Point[], measurement: string) => {
  const out: Record<string, { produced: number; scrap: number }> = {};
  for (const p of points.filter((x) => x.series.measurement === measurement)) {
    const d = (out[p.series.tags.device!] ??= { produced: 0, scrap: 0 });
    d.produced += Number(p.fields.produced);
    d.scrap += Number(p.fields.scrap);
  }
  return out;
};

describe('the warm start', () => {
  it('begins mid-shift with every machine kind at work, and the running series counts what the models made', async () => {
    const end = Date.now();
    const g = await pastGateway(end);
    const models = buildLineModels(site, { lineFlow: true });
    const warm = await warmStart(site, models, () => buildLineModels(site, { lineFlow: true }), { end, timeScale: 1 }, { gateway: g.gateway, time: g.time });
    await g.gateway.flush();

    expect(warm.recorded).toBe(true);
    expect(warm.until).toBe(end);
    expect(end - warm.from).toBeGreaterThanOrEqual(12 * 60_000);
    // Mid-shift: the unloading robot is carrying a part, one is on the belt, a printer prints.
    expect(models.robots.find((r) => r.device.id === 'robot-01')!.model.values.state).toBe('executing');
    expect(models.flow!.partsOnBelt).toBeGreaterThan(0);
    expect(models.printers.some((p) => p.model.values.job_state === 'printing')).toBe(true);
    // The series card's figures are the models' ground truth.
    const truth = warm.line!;
    expect(truth.packed).toBeGreaterThan(0);
    expect(warm.series?.good).toBe(warm.robotCycles['robot-02']);
    expect(warm.series?.scrap).toBe(truth.failed);
    const parts = sumBy(g.held(), 'part');
    expect(parts['robot-01']?.produced).toBe(warm.robotCycles['robot-01']);
    expect(parts['inspection-01']).toEqual({ produced: truth.inspected, scrap: truth.failed });
    expect(warm.prints).toBe(truth.printed);
    // Its OEE is as believable as a live series': no machine available or performing beyond what it can.
    const printers = warm.series!.machines.filter((m) => m.device.startsWith('printer-'));
    // Printers print most of the lead-in: their run time is counted (it was 0 while the trackers started after the past's first data).
    expect(Math.max(...printers.map((m) => m.oee.availability ?? 0))).toBeGreaterThan(0.3);
    for (const m of warm.series!.machines) {
      if (m.oee.availability !== null) expect(m.oee.availability, `${m.device} availability`).toBeLessThanOrEqual(1.0001);
      // Within a cycle or two of its ideal: a lead-in of 12 minutes or more holds a dozen robot cycles or more, so one cycle at its edge is 8 % at most.
      if (m.oee.performance !== null) expect(m.oee.performance, `${m.device} performance`).toBeLessThanOrEqual(1.25);
    }
    // Every point lies in the lead-in, none in the future.
    expect(g.held().every((p) => p.time >= warm.from && p.time <= end + 1000)).toBe(true);

    // Its alarms are the models' faults that a profile alarms on: each robot stop, each run-out a printer reports as an error code.
    const codeAlarms = (d: (typeof site.devices)[number]) => d.profileDef.alarms.filter((a) => a.type === 'code');
    const faults =
      models.robots.reduce((n, r) => n + r.model.stops, 0) +
      models.printers.filter((p) => codeAlarms(p.device).some((a) => a.signal === 'print_error')).reduce((n, p) => n + p.model.runouts, 0);
    const raised = g.held().filter((p) => p.series.measurement === 'alarm' && p.series.tags.event === 'raised');
    expect(faults, 'the lead-in runs until a fault has raised an alarm').toBeGreaterThan(0);
    expect(raised.filter((p) => codeAlarms(site.devices.find((d) => d.id === p.series.tags.device)!).some((a) => a.id === p.series.tags.alarm))).toHaveLength(faults);
    const listed = g.gateway.alarms.list();
    expect(listed.length).toBeGreaterThan(0);

    // The live gateway that follows starts with that list, dated in the lead-in, from the events it stored.
    const liveDir = tempDir('live');
    const live = new Gateway(site, gatewayConfig({ spool: { enabled: false, dir: liveDir.path } }), new Telemetry(pino({ level: 'silent' })), { sources: [], sinks: [], http: false, alarmHistory: pointsReader(g.held) });
    await live.start();
    expect(live.alarms.list()).toEqual(listed);
    expect(listed.every((a) => a.raisedAt >= warm.from && a.raisedAt <= end)).toBe(true);
    await live.stop();
    liveDir.remove();
    await g.close();
  }, 60_000);
});

describe('the recorded past', () => {
  it('writes a shift through the gateway path: parts equal to the ground truth, states, alarms, a finished series', async () => {
    const until = Date.now() - 3_600_000;
    const from = until - 3_600_000;
    const g = await pastGateway(from);
    const shift = await recordShift(site, { gateway: g.gateway, time: g.time }, from, until);
    await g.gateway.flush();
    const points = g.held();

    const parts = sumBy(points, 'part');
    const truth = shift.line!;
    expect(truth.printed).toBeGreaterThan(20);
    expect(Object.entries(parts).filter(([d]) => d.startsWith('printer')).reduce((n, [, c]) => n + c.produced, 0)).toBe(shift.prints);
    expect(parts['robot-02']?.produced).toBe(shift.robotCycles['robot-02']);
    expect(parts['inspection-01']).toEqual({ produced: truth.inspected, scrap: truth.failed });
    expect(points.filter((p) => p.series.measurement === 'machine_state').length).toBeGreaterThan(10);
    // The robots' motion is there at the subscription's rate (100 ms), from the model.
    const robot = points.filter((p) => p.series.measurement === 'robot_arm' && p.series.tags.device === 'robot-01');
    expect(robot.length).toBeGreaterThan(3_600 * 2);
    const stop = points.find((p) => p.series.measurement === 'production_series' && p.fields.event === 'stop');
    expect(stop?.time).toBe(until);
    expect(stop?.fields.good).toBe(shift.robotCycles['robot-02']);
    expect(stop?.fields.scrap).toBe(truth.failed);
    expect(Number(stop?.fields.oee)).toBeGreaterThan(0);
    expect(points.every((p) => p.time >= from && p.time <= until + 1000)).toBe(true);
    await g.close();
  }, 60_000);
});
