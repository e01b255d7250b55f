// A line's record written by the line model itself: one run of known parameters, turned into
// the `RecordedLine` the gateway would read from InfluxDB. The time split, parts, scrap and
// failures are the run's own; the individual cycle, up and repair times are drawn afresh from
// the machine's distributions (the recorder keeps counts, not every time), which is the same
// truth in distribution. Calibration and validation tests start from this known truth.
import type { SiteModel } from '../../device-profiles/schema/load.ts';
import { sampler, type Distribution } from '../../simulators/src/des/distributions.ts';
import type { LineParams } from '../../simulators/src/des/line-params.ts';
import { runLine } from '../../simulators/src/des/line-model.ts';
import { RandomStream } from '../../simulators/src/des/random-streams.ts';
import { siteLineParams, type SiteLineOptions } from '../../simulators/src/des/site-line.ts';
import type { RecordedLine, RecordedMachine } from '../../simulators/src/experiments/recorded-line.ts';
import { stopsCalendar } from '../../simulators/src/experiments/working-time.ts';

export const DEMO_FROM = Date.parse('2026-11-30T06:00:00Z');

export interface RecordOptions extends Omit<SiteLineOptions, 'horizon' | 'calendar'> {
  readonly hours: number;
  readonly from?: number;
  /** Planned stops, in seconds from the window's start. */
  readonly stops?: readonly [number, number][];
  /** Multiply the recorded good parts (a line that did better than the model says). */
  readonly goodFactor?: number;
}

const draw = (d: Distribution, n: number, rng: RandomStream) => {
  const s = sampler(d);
  return Array.from({ length: n }, () => s(rng.next()));
};

export function recordFromModel(site: SiteModel, o: RecordOptions): { recorded: RecordedLine; params: LineParams } {
  const seconds = o.hours * 3600;
  const from = o.from ?? DEMO_FROM;
  const stops = o.stops ?? [];
  const { params: base } = siteLineParams(site, { ...o, horizon: { seconds } });
  const params: LineParams = { ...base, calendar: stopsCalendar(stops, seconds) };
  const r = runLine(params);
  const machines = params.stations.flatMap((s, k) =>
    s.machines.map((m): RecordedMachine => {
      const res = r.machines.find((x) => x.id === m.id)!;
      const rng = new RandomStream(params.seed, `${m.id}/record`);
      const station = r.stations[k]!;
      // Scrap found at a station is shared among its machines by their parts.
      const share = station.departures > 0 ? res.cycles / station.departures : 0;
      return {
        device: m.id,
        station: s.id,
        cycles: draw(m.cycle, res.cycles, rng),
        upBetweenFailures: m.failures ? draw(m.failures.between, res.failures, rng) : [],
        repairs: m.failures ? draw(m.failures.repair, res.failures, rng) : [],
        produced: res.cycles,
        scrap: Math.round(station.scrap * share),
        seconds: { producing: res.time.working, idle: res.time.blocked + res.time.starved + res.time.offShift, setup: res.time.setup, fault: res.time.failed, offline: 0 },
      };
    }),
  );
  const recorded: RecordedLine = {
    line: site.lines[0]!.id,
    from,
    to: from + seconds * 1000,
    series: 'series-1',
    machines,
    plannedStops: stops.map(([a, b]) => ({ from: from + a * 1000, to: from + b * 1000, reason: 'break' })),
    good: Math.round(r.good * (o.goodFactor ?? 1)),
    scrap: r.scrap,
  };
  return { recorded, params };
}

/** The demo line's truth for tests: lognormal printers with breakdowns, normal robots, a fixed conveyor, 4 % scrap. */
export function demoTruth(seed: number, more: Partial<RecordOptions> = {}): RecordOptions {
  const printer = { cycle: { type: 'lognormal', mu: Math.log(240), sigma: 0.1 }, failures: { between: { type: 'exponential', mean: 4 * 3600 }, repair: { type: 'exponential', mean: 600 } } } as const;
  return {
    seed,
    hours: 40,
    machines: {
      'printer-01': printer,
      'printer-02': printer,
      'printer-03': printer,
      'printer-04': printer,
      'robot-01': { cycle: { type: 'normal', mean: 12, sd: 0.5 } },
      'conveyor-01': { cycle: { type: 'deterministic', value: 8 } },
      'inspection-01': { cycle: { type: 'deterministic', value: 5 } },
      'robot-02': { cycle: { type: 'normal', mean: 15, sd: 0.5 } },
    },
    stations: { inspection: { scrap: 0.04 } },
    ...more,
  };
}
