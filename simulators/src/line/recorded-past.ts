// The line's past, produced by its own models: a previous shift recorded into a gateway at
// past times, and the warm start's lead-in (the current shift up to now), after which the
// live line goes on with the very same models. Nothing here is made up afterwards: every
// value a gateway receives is what a model did at that simulated instant, and the figures
// reported are the models' own ground truth.
import type { DeviceModel, SiteModel } from '../../../device-profiles/schema/load.ts';
import type { SeriesStart, SeriesSummary } from '../../../gateway/src/core/insight.ts';
import type { RawMessage } from '../../../gateway/src/core/reading.ts';
import { LineClock } from './line-clock.ts';
import { buildLineModels, type LineModels } from './line-models.ts';
import type { LineTruth } from './line-flow.ts';

/** What a recorded past needs of a gateway whose clock (`clock` part) reads `time.now`. */
export interface PastGateway {
  handle(message: RawMessage): void;
  tick(): void;
  readonly floor: {
    startSeries(input: SeriesStart, now: number): SeriesSummary;
    stopSeries(id: string, now: number): SeriesSummary;
  };
  readonly production: { running(now: number): SeriesSummary[] };
}

/** The clock the past gateway reads; the run moves it. */
export interface PastTime {
  now: number;
}

export interface PastRecording {
  readonly gateway: PastGateway;
  readonly time: PastTime;
  readonly pace?: (() => Promise<void>) | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** The models' ground truth over a run. */
export interface LineRecord {
  readonly from: number;
  readonly until: number;
  readonly line: LineTruth | undefined;
  readonly prints: number;
  readonly failedPrints: number;
  readonly robotCycles: Readonly<Record<string, number>>;
  readonly messages: { readonly mqtt: number; readonly opcua: number };
  readonly series: SeriesSummary | undefined;
}

/** A believable product for the demo line, with a target near what the line makes in `hours`. */
export function shiftSeries(line: string, hours: number): SeriesStart {
  // The simulated line packs 35–40 housings an hour (four printers, 4–5 min a job, pauses, scrap); a planner asks about that.
  return { product: 'Street-light housing v3', target: Math.max(20, Math.round((hours * 40) / 10) * 10), line };
}

/**
 * A previous shift of the line, `from` to `until` (clock ms), with its own models (another
 * day: salted seeds), its series started at the shift's start and stopped at its end.
 */
export async function recordShift(site: SiteModel, rec: PastRecording, from: number, until: number): Promise<LineRecord> {
  const models = buildLineModels(site, { lineFlow: true, salt: 'previous-shift' });
  const clock = new LineClock(site, models, { start: from, timeScale: 1 });
  const line = models.roles?.line;
  rec.time.now = from;
  const series = line ? rec.gateway.floor.startSeries(shiftSeries(line, (until - from) / 3_600_000), from) : undefined;
  await clock.run({ until, out: outputTo(rec, clock), pace: rec.pace, signal: rec.signal });
  rec.time.now = until;
  rec.gateway.tick();
  const stopped = series ? rec.gateway.floor.stopSeries(series.id, until) : undefined;
  return record(models, clock, from, until, stopped);
}

export interface WarmStartOptions {
  /** Clock time the lead-in ends at: the demo's start. */
  readonly end: number;
  /** Simulated seconds per clock second, the live demo's. */
  readonly timeScale: number;
  /** Simulated minutes of the shift at least, and at most, before the line is taken live. */
  readonly minMinutes?: number;
  readonly maxMinutes?: number;
}

/**
 * Runs `models` (those the live fleet then serves) through the current shift's first
 * minutes, so the demo begins mid-shift. The lead-in lasts at least `minMinutes`, then
 * until the line shows every kind of work at once (the unloading robot carrying a part,
 * a part on the belt, a printer printing) once a fault that raises an alarm has happened
 * (a robot stop, a printer's error code), or, with no such fault by `maxMinutes`, until the
 * first such moment (else `maxMinutes`): found by a dry run of identically seeded models, so
 * the recorded lead-in can start at the right time. With `rec`, its messages go to a gateway
 * and a series runs from its start unless one is running already (then it is not recorded:
 * a series' times must not go backwards).
 */
export async function warmStart(
  site: SiteModel,
  models: LineModels,
  build: () => LineModels,
  options: WarmStartOptions,
  rec?: PastRecording,
): Promise<LineRecord & { readonly recorded: boolean }> {
  const scale = options.timeScale;
  const minMs = ((options.minMinutes ?? 12) * 60_000) / scale;
  const maxMs = ((options.maxMinutes ?? 40) * 60_000) / scale;
  const dry = build();
  const dryClock = new LineClock(site, dry, { start: 0, timeScale: scale });
  let firstBusy: number | undefined;
  let found = false;
  const ranMs = await dryClock.run({
    until: maxMs,
    stop: () => {
      if (dryClock.now < minMs || !busy(dry)) return false;
      firstBusy ??= dryClock.now;
      return (found = faultedOnce(dry));
    },
  });
  // Without such a fault before the cap, the first busy moment: the line's work matters more than its alarms.
  const leadMs = found ? ranMs : (firstBusy ?? ranMs);

  const from = options.end - leadMs;
  const clock = new LineClock(site, models, { start: from, timeScale: scale });
  const line = models.roles?.line;
  const recorded = rec !== undefined && line !== undefined && rec.gateway.production.running(from).every((s) => s.line !== line);
  let series: SeriesSummary | undefined;
  if (recorded) {
    rec.time.now = from;
    series = rec.gateway.floor.startSeries(shiftSeries(line, 8), from);
  }
  await clock.run({ until: from + leadMs, out: recorded ? outputTo(rec, clock) : undefined, pace: rec?.pace, signal: rec?.signal });
  const running = recorded ? rec.gateway.production.running(clock.now).find((s) => s.id === series!.id) : undefined;
  return { ...record(models, clock, from, clock.now, running), recorded };
}

/**
 * A fault the machines' profiles raise an alarm on has happened this shift (a robot's
 * protective or emergency stop, a filament run-out reported as a printer error code): the
 * alarm list then shows what it leaves, cleared and waiting for acknowledgement, or still on.
 */
function faultedOnce(m: LineModels): boolean {
  return (
    m.robots.some((r) => r.model.stops > 0 && alarmsOn(r.device, ['protective_stop', 'emergency_stop'])) ||
    m.printers.some((p) => p.model.runouts > 0 && alarmsOn(p.device, ['print_error']))
  );
}

function alarmsOn(device: DeviceModel, signals: readonly string[]): boolean {
  return device.profileDef.alarms.some((a) => a.type === 'code' && signals.includes(a.signal));
}

/** Every kind of machine at work now: the unloading robot carries a part, one is on the belt, a printer prints. */
function busy(m: LineModels): boolean {
  const unloader = m.robots.find((r) => r.device.id === m.roles?.unloader)?.model;
  return (
    unloader?.values.state === 'executing' &&
    (m.flow?.partsOnBelt ?? 0) > 0 &&
    m.printers.some((p) => p.model.values.job_state === 'printing')
  );
}

function outputTo(rec: PastRecording, clock: LineClock) {
  return {
    message: (m: RawMessage) => {
      rec.time.now = clock.now;
      rec.gateway.handle(m);
    },
    tick: () => {
      rec.time.now = clock.now;
      rec.gateway.tick();
    },
  };
}

function record(models: LineModels, clock: LineClock, from: number, until: number, series: SeriesSummary | undefined): LineRecord {
  return {
    from,
    until,
    line: models.flow ? { ...models.flow.truth } : undefined,
    prints: models.printers.reduce((n, p) => n + p.model.jobsDone, 0),
    failedPrints: models.printers.reduce((n, p) => n + p.model.jobsFailed, 0),
    robotCycles: Object.fromEntries(models.robots.map((r) => [r.device.id, r.model.values.cycleCount])),
    messages: { ...clock.sent },
    series,
  };
}
