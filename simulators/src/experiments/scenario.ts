// A virtual experiment as a user writes it (YAML or JSON, a file or a REST body): the line,
// the changes to try, the calibration window, the horizon, replications, seed, the calendar
// and a sweep over one parameter. Validated like the device profiles: strict (an unknown key
// is an error), every problem named by file, line, path and what was expected. What needs
// the site (does the station exist?) is checked apart, in `scenario-check.ts`.
import { z } from 'zod';
import { ConfigError } from '../../../device-profiles/schema/config-error.ts';
import { formatPath, parseYaml } from '../../../device-profiles/schema/parse.ts';

const stationId = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a kebab-case id');
const deviceId = z.string().min(1).max(128);
const isoTime = z.iso.datetime({ offset: true, message: 'expected an ISO 8601 time, e.g. 2026-12-03T14:00:00+01:00' });
const clock = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'expected a time of day hh:mm');
const positive = z.number().positive();

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const ClockWindowSchema = z.strictObject({ from: clock, to: clock });

/**
 * Working time, in the clock of `utcOffset`: shifts on the given days (a shift whose `to` is
 * before its `from` runs past midnight), less breaks, less one-off planned stops.
 */
export const CalendarSchema = z.strictObject({
  /** Default: every day. */
  days: z.array(z.enum(WEEKDAYS)).min(1).optional(),
  shifts: z.array(ClockWindowSchema).min(1),
  breaks: z.array(ClockWindowSchema).default([]),
  stops: z
    .array(z.strictObject({ from: isoTime, to: isoTime, reason: z.string().optional() }))
    .default([]),
  /** The clock the times of day are in, e.g. "+01:00"; default the offset written in `start`, else UTC. */
  utcOffset: z
    .string()
    .regex(/^[+-]([01]\d|2[0-3]):[0-5]\d$/, 'expected an offset ±hh:mm')
    .optional(),
});
export type CalendarSpec = z.output<typeof CalendarSchema>;

/** The one thing a change does; exactly one per change. */
export const CHANGE_ACTIONS = ['add', 'remove', 'cycle', 'buffer', 'failures', 'scrap', 'calendar', 'target'] as const;
/** Which actions name a station, a machine, either, or neither. */
const TARGETS: Record<(typeof CHANGE_ACTIONS)[number], 'station' | 'either' | 'none'> = {
  add: 'station',
  remove: 'station',
  cycle: 'either',
  buffer: 'station',
  failures: 'either',
  scrap: 'station',
  calendar: 'none',
  target: 'none',
};

export const ChangeSchema = z
  .strictObject({
    station: stationId.optional(),
    machine: deviceId.optional(),
    /** Machines added at `station`, each like `like` (default the station's first device). */
    add: z.int().min(1).optional(),
    like: deviceId.optional(),
    remove: z.int().min(1).optional(),
    /** A new mean cycle time (the distribution's shape kept), or the times multiplied by a factor. */
    cycle: z.strictObject({ seconds: positive.optional(), factor: positive.optional() }).optional(),
    /** Places in front of the station. */
    buffer: z.int().min(0).optional(),
    /** Mean operating seconds between failures and mean seconds to repair. */
    failures: z.strictObject({ betweenSeconds: positive.optional(), repairSeconds: positive.optional() }).optional(),
    /** Probability that a part finished at the station is scrap. */
    scrap: z.number().min(0).max(1).optional(),
    calendar: CalendarSchema.optional(),
    target: z.int().min(1).optional(),
  })
  .superRefine((c, ctx) => {
    const actions = CHANGE_ACTIONS.filter((a) => c[a] !== undefined);
    if (actions.length !== 1) {
      ctx.addIssue({ code: 'custom', path: [], message: `expected exactly one of ${CHANGE_ACTIONS.join(', ')}${actions.length > 1 ? ` (got ${actions.join(', ')})` : ''}` });
      return;
    }
    const action = actions[0]!;
    const target = TARGETS[action];
    if (target === 'station' && c.station === undefined) ctx.addIssue({ code: 'custom', path: ['station'], message: `expected the station that "${action}" applies to` });
    if (target === 'station' && c.machine !== undefined) ctx.addIssue({ code: 'custom', path: ['machine'], message: `"${action}" applies to a station; expected no machine` });
    if (target === 'either' && (c.station === undefined) === (c.machine === undefined)) ctx.addIssue({ code: 'custom', path: [], message: `expected either a station or a machine for "${action}"` });
    if (target === 'none' && (c.station !== undefined || c.machine !== undefined)) ctx.addIssue({ code: 'custom', path: [], message: `"${action}" applies to the line; expected no station or machine` });
    if (c.like !== undefined && action !== 'add') ctx.addIssue({ code: 'custom', path: ['like'], message: 'expected "like" only with "add"' });
    if (c.cycle && (c.cycle.seconds === undefined) === (c.cycle.factor === undefined)) ctx.addIssue({ code: 'custom', path: ['cycle'], message: 'expected either seconds or factor' });
    if (c.failures && c.failures.betweenSeconds === undefined && c.failures.repairSeconds === undefined) ctx.addIssue({ code: 'custom', path: ['failures'], message: 'expected betweenSeconds, repairSeconds or both' });
  });
export type Change = z.output<typeof ChangeSchema>;

/** The parameters a sweep can vary, each of a station or a machine. */
export const SWEEP_PARAMETERS = ['machines', 'cycleSeconds', 'cycleFactor', 'buffer', 'scrap', 'betweenFailuresSeconds', 'repairSeconds'] as const;
export type SweepParameter = (typeof SWEEP_PARAMETERS)[number];

export const SweepSchema = z
  .strictObject({
    station: stationId.optional(),
    machine: deviceId.optional(),
    /** `machines`: how many machines the station has (added like its first device, or removed from its end). */
    parameter: z.enum(SWEEP_PARAMETERS),
    values: z.array(z.number()).min(1).max(50).optional(),
    from: z.number().optional(),
    to: z.number().optional(),
    step: positive.optional(),
  })
  .superRefine((s, ctx) => {
    if ((s.station === undefined) === (s.machine === undefined)) ctx.addIssue({ code: 'custom', path: [], message: 'expected either a station or a machine' });
    const range = s.from !== undefined || s.to !== undefined;
    if ((s.values !== undefined) === range) ctx.addIssue({ code: 'custom', path: [], message: 'expected either values or from/to (with an optional step)' });
    if (range && (s.from === undefined || s.to === undefined)) ctx.addIssue({ code: 'custom', path: [s.from === undefined ? 'from' : 'to'], message: 'expected a number' });
    if (range && s.from !== undefined && s.to !== undefined && Math.floor((s.to - s.from) / (s.step ?? 1)) + 1 > 50) ctx.addIssue({ code: 'custom', path: ['step'], message: 'expected at most 50 values' });
    if (s.from !== undefined && s.to !== undefined && s.to < s.from) ctx.addIssue({ code: 'custom', path: ['to'], message: `expected a number ≥ from (${s.from})` });
  });
export type Sweep = z.output<typeof SweepSchema>;

export const HorizonSchema = z
  .strictObject({
    hours: positive.max(24 * 366).optional(),
    /** Run until this many good parts, at most `maxHours` (default 4 weeks). */
    untilGood: z.int().min(1).optional(),
    maxHours: positive.max(24 * 366).optional(),
  })
  .superRefine((h, ctx) => {
    if ((h.hours === undefined) === (h.untilGood === undefined)) ctx.addIssue({ code: 'custom', path: [], message: 'expected either hours or untilGood' });
    if (h.maxHours !== undefined && h.untilGood === undefined) ctx.addIssue({ code: 'custom', path: ['maxHours'], message: 'expected maxHours only with untilGood' });
  });

export const FIT_CHOICES = ['empirical', 'best', 'exponential', 'lognormal', 'gamma', 'weibull', 'normal'] as const;
export type FitChoice = (typeof FIT_CHOICES)[number];

export const ScenarioSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  line: stationId,
  /** Empty: the baseline only. */
  changes: z.array(ChangeSchema).max(100).default([]),
  calibration: z
    .strictObject({
      /** The window; the gateway resolves what is left out (default: the current or last production series). */
      from: isoTime.optional(),
      to: isoTime.optional(),
      /** Cycle times: the empirical distribution (default), the best fit by AIC, or one family. */
      fit: z.enum(FIT_CHOICES).default('empirical'),
    })
    .default({ fit: 'empirical' }),
  horizon: HorizonSchema.default({ hours: 168 }),
  replications: z.int().min(2).max(1000).default(20),
  // Up to 32 bits: replication i runs with seed · 65,536 + i, which the kernel takes whole up to 2^53.
  seed: z.int().min(0).max(2 ** 32 - 1).default(1),
  /** The instant the horizon starts; default the end of the calibration window. */
  start: isoTime.optional(),
  /** The baseline's working time; default: always working. A `calendar` change replaces it in the scenario. */
  calendar: CalendarSchema.optional(),
  /** Good parts wanted: the time to reach them is reported. Default the horizon's `untilGood`. */
  target: z.int().min(1).optional(),
  sweep: SweepSchema.optional(),
});
export type Scenario = z.output<typeof ScenarioSchema>;
/** What a user may write: defaults not yet applied. */
export type ScenarioInput = z.input<typeof ScenarioSchema>;

/** Parses a scenario file's text (YAML, or JSON, which is YAML) named `file` in errors; throws a `ConfigError`. */
export function parseScenario(text: string, file: string): Scenario {
  return parseYaml(ScenarioSchema, text, file);
}

/** Validates a REST body (already JSON-decoded); throws a `ConfigError` naming `source` and each path. */
export function scenarioFromBody(body: unknown, source = 'request body'): Scenario {
  const result = ScenarioSchema.safeParse(body);
  if (result.success) return result.data;
  throw new ConfigError(
    source,
    result.error.issues.map((issue) => ({
      path: formatPath(issue.path as (string | number)[]),
      message: issue.code === 'unrecognized_keys' ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message,
    })),
  );
}

/** A sweep's values, in order. */
export function sweepValues(s: Sweep): number[] {
  if (s.values) return [...s.values];
  const out: number[] = [];
  const step = s.step ?? 1;
  for (let k = 0; s.from! + k * step <= s.to! + 1e-9 && k < 50; k++) out.push(Number((s.from! + k * step).toPrecision(12)));
  return out;
}
