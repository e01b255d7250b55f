// How an experiment reads on a terminal: its state, then the engine's answer as a table
// (baseline against each scenario, good parts per hour with their 95 % intervals, the
// difference, the validation against the recorded line, the bottleneck). The result is the
// engine's: read field by field, whatever is missing shown as —, fields it adds are left
// to --json.
import type { ExperimentDetail, ExperimentSummary } from '../core/experiments.ts';

type Obj = Record<string, unknown>;
const obj = (x: unknown): Obj | undefined => (x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Obj) : undefined);
const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
const fix = (x: number | undefined, sign = false) => (x === undefined ? '—' : `${sign && x > 0 ? '+' : ''}${x.toFixed(1)}`);
const clock = (t: string | number | null) => (t === null ? '—' : new Date(t).toISOString().replace('T', ' ').slice(0, 16));

/** A figure as the issue names it, `{mean, ci95: [low, high]}`, or a bare number. */
function figure(x: unknown): { mean: number | undefined; ci: [number, number] | undefined } {
  const n = num(x);
  if (n !== undefined) return { mean: n, ci: undefined };
  const o = obj(x);
  const ci = Array.isArray(o?.ci95) && o.ci95.length === 2 && o.ci95.every((v) => num(v) !== undefined) ? (o.ci95 as [number, number]) : undefined;
  return { mean: num(o?.mean), ci };
}

function row(label: string, f: { mean: number | undefined; ci: [number, number] | undefined }, note = '', sign = false): string {
  const ci = f.ci ? `[${fix(f.ci[0], sign)}, ${fix(f.ci[1], sign)}]` : '';
  return `  ${label.padEnd(22)} ${fix(f.mean, sign).padStart(8)}  ${ci.padEnd(18)} ${note}`.trimEnd();
}

function bottleneckText(x: unknown): string {
  if (typeof x === 'string') return x;
  const o = obj(x);
  if (!o) return '—';
  const name = (v: unknown): string => (typeof v === 'string' ? v : (['machine', 'device', 'station', 'id'].map((k) => obj(v)?.[k]).find((s) => typeof s === 'string') as string | undefined) ?? '—');
  if ('baseline' in o || 'scenario' in o) return `baseline ${name(o.baseline)} → scenario ${name(o.scenario)}`;
  return name(o);
}

/** The scenarios of a result: `scenario`, or `scenarios` (a sweep), each with a label. */
function scenariosOf(r: Obj): { label: string; s: Obj }[] {
  if (Array.isArray(r.scenarios)) {
    return r.scenarios.flatMap((s, i) => {
      const o = obj(s);
      return o ? [{ label: typeof o.name === 'string' ? o.name : typeof o.label === 'string' ? o.label : `scenario ${i + 1}`, s: o }] : [];
    });
  }
  const s = obj(r.scenario);
  return s ? [{ label: 'scenario', s }] : [];
}

export function formatResult(result: unknown): string {
  const r = obj(result);
  if (!r) return '  (no result)';
  const base = figure(obj(r.baseline)?.goodPerHour);
  const lines = [`  ${''.padEnd(22)} ${'good/h'.padStart(8)}  95 % interval`, row('baseline', base)];
  for (const { label, s } of scenariosOf(r)) {
    const f = figure(s.goodPerHour);
    lines.push(row(label, f));
    // The engine's difference (with its interval) where it gives one; else only the means'.
    const d = obj(s.difference) ?? (scenariosOf(r).length === 1 ? obj(r.difference) : undefined);
    const given = d ? figure(d.goodPerHour) : undefined;
    const significant = obj(d?.goodPerHour)?.significant ?? d?.significant;
    const note = typeof significant === 'boolean' ? (significant ? 'significant' : 'not significant') : '';
    if (given?.mean !== undefined) lines.push(row(`  difference`, given, note, true));
    else if (f.mean !== undefined && base.mean !== undefined) lines.push(row('  difference', { mean: f.mean - base.mean, ci: undefined }, '(of the means)', true));
  }
  const v = obj(r.validation);
  if (v) {
    const within = v.withinTolerance;
    lines.push('', `  validation: recorded ${fix(num(v.recordedGoodPerHour))} good/h, baseline simulated ${fix(base.mean)}: ${within === true ? 'within tolerance' : within === false ? 'OUTSIDE TOLERANCE — the model does not reproduce the recorded line; read its figures with care' : '—'}`);
  }
  lines.push(`  bottleneck: ${bottleneckText(r.bottleneck)}`);
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
