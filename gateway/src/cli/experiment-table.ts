// How an experiment reads on a terminal: its state, then the engine's answer as a table
// (baseline against each scenario, good parts per hour with their 95 % intervals, the
// difference, the target, the validation against the recorded line, the bottleneck); every
// other figure of the engine's result is in --json.
import type { ExperimentResult } from '../../../simulators/src/experiments/run-experiment.ts';
import type { ExperimentDetail, ExperimentSummary } from '../core/experiments.ts';

type Result = ExperimentResult;

const fix = (x: number | undefined | null, sign = false) => (x === undefined || x === null || !Number.isFinite(x) ? '—' : `${sign && x > 0 ? '+' : ''}${x.toFixed(1)}`);
const clock = (t: string | number | null) => (t === null ? '—' : new Date(t).toISOString().replace('T', ' ').slice(0, 16));
const LABEL = 30;

function row(label: string, mean: number | undefined, ci: readonly [number, number] | undefined, note = '', sign = false): string {
  const interval = ci ? `[${fix(ci[0], sign)}, ${fix(ci[1], sign)}]` : '';
  const name = label.length > LABEL ? `${label.slice(0, LABEL - 1)}…` : label;
  return `  ${name.padEnd(LABEL)} ${fix(mean, sign).padStart(8)}  ${interval.padEnd(18)} ${note}`.trimEnd();
}

/** "printing (printer-01)": parallel machines that never wait tie, so the station says more than the machine. */
function bottleneckOf(b: Result['bottleneck']['before'] | null): string {
  if (!b || (!b.station && !b.machine)) return '—';
  return b.station && b.machine ? `${b.station} (${b.machine})` : (b.station ?? b.machine)!;
}

/** When the target is reached, as an instant with its interval. */
function targetOf(s: Pick<Result['baseline'], 'target'>): string {
  const t = s.target;
  if (!t) return '';
  if (!t.at) return `${t.quantity} good: reached in ${t.reached} of the runs`;
  return `${t.quantity} good: ${clock(t.at.mean)} (95 % ${clock(t.at.ci95[0])} – ${clock(t.at.ci95[1])}) UTC`;
}

/** The engine's answer as a table: good parts per hour with their 95 % intervals, each scenario's difference, the target, the validation, the bottleneck. */
export function formatResult(result: unknown): string {
  const r = result as Result | null;
  if (!r?.baseline) return '  (no result)';
  const lines = [`  ${''.padEnd(LABEL)} ${'good/h'.padStart(8)}  95 % interval`, row('baseline', r.baseline.goodPerHour.mean, r.baseline.goodPerHour.ci95)];
  const target = targetOf(r.baseline);
  if (target) lines.push(`    ${target}`);
  for (const s of r.scenarios) {
    lines.push(row(s.name, s.goodPerHour.mean, s.goodPerHour.ci95));
    const d = s.differences.goodPerHour;
    lines.push(row('  difference', d.mean, d.ci95, d.significant ? 'significant' : 'not significant', true));
    const t = targetOf(s);
    if (t) lines.push(`    ${t}`);
  }
  const v = r.validation;
  lines.push(
    '',
    `  validation over the record's ${fix(v.hours)} h: recorded ${fix(v.recordedGoodPerHour)} good/h, simulated ${fix(v.simulatedGoodPerHour.mean)} [${fix(v.simulatedGoodPerHour.ci95[0])}, ${fix(v.simulatedGoodPerHour.ci95[1])}]: ${
      v.withinTolerance ? 'within tolerance' : 'OUTSIDE TOLERANCE — the model does not reproduce the recorded line; read its figures with care'
    }`,
  );
  for (const w of new Set([...v.warnings, ...r.warnings])) lines.push(`    ! ${w}`);
  lines.push(`  bottleneck: ${bottleneckOf(r.bottleneck.before)}${r.bottleneck.after ? ` → ${bottleneckOf(r.bottleneck.after)} with the change` : ''}`);
  return lines.join('\n');
}

export function formatSummary(e: ExperimentSummary): string {
  const c = e.calibration;
  const state = e.status === 'running' ? `running ${Math.round(e.progress * 100)} %` : e.status;
  return [
    `experiment ${e.id} on line ${e.line}: ${state}${e.error ? ` — ${e.error.message} (${e.error.code})` : ''}`,
    `  calibrated on ${c.series ? `series ${c.series}, ` : ''}${clock(c.from)} → ${clock(c.to)} UTC (record sha256 ${c.hash.slice(0, 12)})`,
  ].join('\n');
}

export function formatExperiment(e: ExperimentDetail): string {
  return e.status === 'done' ? `${formatSummary(e)}\n\n${formatResult(e.result)}` : formatSummary(e);
}

export function formatList(all: readonly ExperimentSummary[]): string {
  if (all.length === 0) return 'no experiments yet';
  const head = `${'id'.padEnd(22)} ${'status'.padEnd(10)} ${'progress'.padStart(8)}  ${'line'.padEnd(14)} created (UTC)`;
  return [head, ...all.map((e) => `${e.id.padEnd(22)} ${e.status.padEnd(10)} ${`${Math.round(e.progress * 100)} %`.padStart(8)}  ${e.line.padEnd(14)} ${clock(e.createdAt)}`)].join('\n');
}
