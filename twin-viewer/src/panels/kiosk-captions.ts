// What the visitor tour says: one sentence per stop, told along the material flow and the
// production series ("Housing 37 of 200 is being inspected"), and a summary of the line with
// its live OEE. Pure functions of what the scene and the gateway say, so they can be tested.
import type { LiveSeries } from '../../../gateway/src/core/live-events.ts';
import type { ExperimentResult } from '../../../simulators/src/experiments/run-experiment.ts';
import type { PlacedMachine } from '../scene/twin-scene.ts';
import { describeChange, type SiteWords } from './change-words.ts';
import { formatSignal, formatValue } from './format.ts';

const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)} %`);

/** The product as a visitor reads it, capitalised at the start of a sentence. */
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

// A visitor may be sent a series without its product or its counts (the site's
// `visitors.hideSeries`; LiveSeries says so): a caption leaves out what it was not sent.
const productOf = (s: LiveSeries): string => s.product ?? 'part';
type Counted = LiveSeries & Required<Pick<LiveSeries, 'total' | 'target' | 'good' | 'scrap'>>;
const hasCounts = (s: LiveSeries): s is Counted => s.total !== undefined && s.target !== undefined && s.good !== undefined && s.scrap !== undefined;

/** The series running on a line (not stopped), if any. */
export function runningSeries(series: readonly LiveSeries[], line: string): LiveSeries | undefined {
  return series.find((s) => s.line === line && s.stoppedAt === null);
}

/** "housing 37 of 200": the part in work is the one after those already counted. */
export function partInWork(s: LiveSeries): string {
  return hasCounts(s) ? `${productOf(s)} ${Math.min(s.total + 1, s.target)} of ${s.target}` : `a ${productOf(s)}`;
}

/** `replaying`: the caption is of a recorded instant, where a machine without data had none then. */
export function describe(m: PlacedMachine, v: Readonly<Record<string, unknown>>, series?: LiveSeries, replaying = false): string {
  const name = m.device.name.split(' — ')[0];
  const show = (signal: string) => formatSignal(v[signal], m.device.signals[signal]);
  if (m.status === 'unknown') return replaying ? `${name}: no data recorded then` : `${name}: waiting for its first data`;
  if (m.status === 'stale') return `${name}: no data for a while — is it switched on?`;
  switch (m.device.kind) {
    case 'fdm-printer': {
      const part = series ? `a ${productOf(series)} for the series` : String(v.job_file ?? 'a part').replace(/\.gcode$/, '');
      if (m.status === 'running') return `${name} is printing ${part} — ${formatValue(v.progress, 'percent')} done, nozzle at ${formatValue(v.nozzle_temp, 'degC')}`;
      if (m.status === 'warning') return `${name} has paused — filament change or an operator check`;
      if (m.status === 'fault') return `${name} stopped with a fault — an engineer is needed`;
      return `${name} is idle, waiting for the next job`;
    }
    case 'robot-arm': {
      if (m.status === 'fault') return `${name} is stopped for safety (${v.emergency_stop ? 'emergency stop' : 'protective stop'})`;
      const doing = m.status === 'running' ? 'is moving parts' : 'waits for the next part';
      const mode = v.operational_mode !== undefined ? `, in ${show('operational_mode')} mode` : '';
      return `${name} ${doing}${mode} — ${v.cycle_count ?? 0} cycles so far`;
    }
    case 'conveyor':
      return `${name} carries parts to inspection at ${show('belt_speed')}${series && hasCounts(series) ? ` — ${series.total} of ${series.target} made so far` : ''}`;
    case 'inspection':
      if (series) return `${cap(partInWork(series))} is being inspected${hasCounts(series) ? ` — ${series.good} good, ${series.scrap} scrap so far` : ''}`;
      return `${name}: ${v.inspected ?? 0} parts inspected, ${v.failed ?? 0} failed${v.result !== undefined ? ` — the last one: ${show('result')}` : ''}`;
    default:
      return `${name}: ${m.status}`;
  }
}

/** The summary shot: the whole line, its series and its live OEE. */
export function summarize(lineName: string, machines: readonly PlacedMachine[], series?: LiveSeries): string {
  const running = machines.filter((m) => m.status === 'running').length;
  const head = `${lineName}: ${running} of ${machines.length} machines working`;
  if (!series) return `${head}`;
  const o = series.oee;
  const made = hasCounts(series) ? `: ${series.good} of ${series.target} good` : '';
  return `${head} · ${cap(series.product ?? 'the series')}${made} · OEE ${pct(o.oee)} (availability ${pct(o.availability)}, performance ${pct(o.performance)}, quality ${pct(o.quality)})`;
}

const hhmm = (d: Date) => `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;

/** What a kiosk replays, as a visitor reads it: "Yesterday, 06:00–14:00, at 240×". */
export function replayCaption(from: number, to: number, speed: number, now: number): string {
  const day = (t: number) => {
    const d = new Date(t);
    return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  };
  const days = Math.round((day(now) - day(from)) / 86_400_000);
  const when = days === 0 ? 'Today' : days === 1 ? 'Yesterday' : new Date(from).toLocaleDateString('en-GB', { weekday: 'long', day: 'numeric', month: 'long' });
  return `${when}, ${hhmm(new Date(from))}–${hhmm(new Date(to))}, at ${Math.round(speed)}×`;
}

/**
 * A prepared experiment as a visitor reads it: the question, and the answer as a share of
 * today's output with its interval. Undefined for an experiment a visitor should not be shown
 * a number from: without a scenario, or whose model failed its check against the record.
 */
export function experimentCaption(r: ExperimentResult, words: SiteWords, product?: string): string | undefined {
  const s = r.scenario;
  const d = r.differences?.goodPerHour;
  const base = r.baseline.goodPerHour.mean;
  if (!s || !d || !r.validation.withinTolerance || !(base > 0)) return undefined;
  const share = (x: number) => Math.round((100 * x) / base);
  const signed = (x: number) => `${x > 0 ? '+' : x < 0 ? '−' : ''}${Math.abs(x)}`;
  const what = s.changes.map((c) => describeChange(c, words)).join(' and ');
  const things = product ? `${product}s` : 'good parts';
  const interval = `95 %: ${signed(share(d.ci95[0]))} to ${signed(share(d.ci95[1]))} %`;
  const answer = d.significant
    ? `${Math.abs(share(d.mean))} % ${d.mean > 0 ? 'more' : 'fewer'} ${things} an hour (${interval})`
    : `about as many ${things} an hour as now (${interval})`;
  return `What if: ${what}?\nThis line would make ${answer} — ${r.replications} simulated runs, checked against its own record`;
}
