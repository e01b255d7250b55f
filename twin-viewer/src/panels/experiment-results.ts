// An experiment's answer: a summary in words (question, change, answer with its interval,
// validation, bottleneck — also the printed page), then a table of baseline and scenario side
// by side with their 95 % intervals, the paired difference and whether it is significant.
// The validation verdict comes first and is never folded away: a figure from a model that
// does not reproduce the record must not be read without that warning.
import type { ExperimentResult } from '../../../simulators/src/experiments/run-experiment.ts';
import type { Change } from '../../../simulators/src/experiments/scenario.ts';
import type { Difference, Estimate } from '../../../simulators/src/experiments/statistics.ts';

/** `digits` decimals; `scale` turns a share into percent. */
export interface FigureFormat {
  readonly digits: number;
  readonly scale?: number;
  readonly unit?: string;
}

const num = (x: number, f: FigureFormat, sign = false) => {
  // A tiny negative rounds to "-0", which reads as a loss that is not there.
  const text = (x * (f.scale ?? 1)).toFixed(f.digits).replace(/^-(0(\.0+)?)$/, '$1');
  return `${sign && Number(text) > 0 ? '+' : ''}${text}`;
};

/** "34.8 [34.6, 35.0]": what the tests read back against the API's numbers. */
export function formatEstimate(e: Estimate | null | undefined, f: FigureFormat): string {
  if (!e) return '—';
  return `${num(e.mean, f)}${f.unit ?? ''} [${num(e.ci95[0], f)}, ${num(e.ci95[1], f)}]`;
}

export function formatDifference(d: Difference | null | undefined, f: FigureFormat): string {
  if (!d) return '—';
  return `${num(d.mean, f, true)}${f.unit ?? ''} [${num(d.ci95[0], f, true)}, ${num(d.ci95[1], f, true)}]`;
}

export const FORMATS = {
  goodPerHour: { digits: 1 },
  oee: { digits: 1, scale: 100, unit: ' %' },
  scrap: { digits: 1 },
  leadTime: { digits: 0, unit: ' s' },
  hours: { digits: 1, unit: ' h' },
} as const satisfies Record<string, FigureFormat>;

/** The verdict in words, figures included, for the block above the table. */
export function validationVerdict(r: ExperimentResult): { ok: boolean; text: string } {
  const v = r.validation;
  const t = v.throughput;
  const figures = `${v.recordedGoodPerHour.toFixed(1)} good/h recorded, ${t.simulated.mean.toFixed(1)} simulated (one run falls in [${t.interval95[0].toFixed(1)}, ${t.interval95[1].toFixed(1)}])`;
  if (v.withinTolerance) return { ok: true, text: `Model reproduces the recorded series: ${figures} — within tolerance.` };
  const off = t.relativeDifference === null ? '' : `, ${(t.relativeDifference * 100).toFixed(1)} % off`;
  return {
    ok: false,
    text: `⚠ The model does NOT reproduce the recorded series: ${figures}${off}; tolerance ±${(v.tolerance.throughput * 100).toFixed(0)} % and inside that interval. The figures below are not a prediction of this line.`,
  };
}

export interface SummaryLines {
  readonly question: string;
  readonly change: string;
  readonly answer: string;
  readonly validation: string;
  readonly bottleneck: string;
}

/** The one-page summary in words: what a fieldlab puts in its report to a participant. */
export function summaryLines(r: ExperimentResult, stationName: (id: string | null) => string, describe: (c: Change) => string): SummaryLines {
  const s = r.scenario;
  const changes = s ? s.changes.map(describe).join(', ') : 'none (the line as recorded)';
  const hours = 'hours' in r.horizon ? `${r.horizon.hours} h from ${r.start}` : `until ${r.horizon.untilGood} good parts, from ${r.start}`;
  const base = r.baseline.goodPerHour;
  let answer = `The line as it is makes ${formatEstimate(base, FORMATS.goodPerHour)} good parts an hour.`;
  if (s && r.differences) {
    const d = r.differences.goodPerHour;
    const share = base.mean > 0 ? ` (${num(d.mean / base.mean, { digits: 0, scale: 100 }, true)} %)` : '';
    const verdict = d.significant ? '' : ' — not a significant difference at 95 %';
    // Per hour of calendar time (off shift included), so a day is 24 of them.
    const day = { ...d, mean: d.mean * 24, ci95: [d.ci95[0] * 24, d.ci95[1] * 24] as const };
    answer = `With the change the line would make ${formatDifference(d, FORMATS.goodPerHour)} good parts an hour${share}, ${formatDifference(day, { digits: 0 })} a day: ${formatEstimate(s.goodPerHour, FORMATS.goodPerHour)} an hour against ${formatEstimate(base, FORMATS.goodPerHour)}${verdict}.`;
    const t = r.differences.hoursToTarget;
    if (t && s.target?.hours) answer += ` ${s.target.quantity} good parts after ${formatEstimate(s.target.hours, FORMATS.hours)} against ${formatEstimate(r.baseline.target?.hours, FORMATS.hours)} (${formatDifference(t, FORMATS.hours)}).`;
  }
  const after = r.bottleneck.after;
  const bottleneck = `Bottleneck now: ${stationName(r.bottleneck.before.station)}${after ? `; with the change: ${stationName(after.station)}` : ''}.`;
  return {
    question: `What if: ${changes}?`,
    change: `${changes}; ${r.replications} replications, horizon ${hours}, seed ${r.seed}; calibrated from the record ${r.calibration.from} to ${r.calibration.to}${r.calibration.series ? ` (series ${r.calibration.series})` : ''}.`,
    answer,
    validation: validationVerdict(r).text,
    bottleneck,
  };
}

/** Fills `root` with the summary, the verdict, the table and the warnings. `stationName` names a station id; `describe` says a change in words. */
export function renderResult(root: HTMLElement, r: ExperimentResult, stationName: (id: string | null) => string, describe: (c: Change) => string = (c) => JSON.stringify(c)): void {
  const verdict = validationVerdict(r);
  const lines = summaryLines(r, stationName, describe);
  const summary = el('div', 'exp-summary');
  summary.append(el('h3', 'question', lines.question), el('p', 'answer', lines.answer), el('p', 'change', lines.change), el('p', 'bottleneck', lines.bottleneck));
  const block = el('div', `exp-validation ${verdict.ok ? 'ok' : 'fail'}`, verdict.text);
  block.setAttribute('role', verdict.ok ? 'status' : 'alert');

  // Baseline, then a value and a difference column per scenario (a sweep gives several).
  const arms = r.scenarios;
  const table = el('table', 'exp-table');
  const head = el('tr', '');
  head.appendChild(el('th', '', ''));
  head.appendChild(el('th', '', 'baseline'));
  arms.forEach((a, i) => {
    const name = el('th', 'scenario', a.name);
    const delta = el('th', 'difference', arms.length > 1 ? 'Δ' : 'difference');
    name.dataset.scenario = delta.dataset.scenario = String(i);
    head.append(name, delta);
  });
  if (arms.length === 0) head.append(el('th', '', 'scenario'), el('th', '', 'difference'));
  table.appendChild(head);
  type Figures = ExperimentResult['baseline'];
  const row = (figure: string, label: string, value: (f: Figures) => string, diff: ((a: (typeof arms)[number]) => Difference | null | undefined) | undefined, f: FigureFormat) => {
    const tr = el('tr', '');
    tr.dataset.figure = figure;
    tr.append(el('th', '', label), el('td', 'baseline', value(r.baseline)));
    const pair = (text: string, d: Difference | null | undefined, i: number | undefined) => {
      const scen = el('td', 'scenario', text);
      const cell = el('td', 'difference');
      if (i !== undefined) scen.dataset.scenario = cell.dataset.scenario = String(i);
      cell.appendChild(el('span', 'value', formatDifference(d, f)));
      if (d) {
        cell.classList.add(d.significant ? 'significant' : 'not-significant');
        cell.appendChild(el('span', 'verdict', d.significant ? 'significant' : 'not significant'));
      }
      tr.append(scen, cell);
    };
    arms.forEach((a, i) => pair(value(a), diff?.(a), i));
    if (arms.length === 0) pair('—', undefined, undefined);
    table.appendChild(tr);
  };
  row('goodPerHour', 'good parts / h', (x) => formatEstimate(x.goodPerHour, FORMATS.goodPerHour), (a) => a.differences.goodPerHour, FORMATS.goodPerHour);
  row('oee', 'OEE (line)', (x) => formatEstimate(x.oee.line?.oee, FORMATS.oee), (a) => a.differences.oee, FORMATS.oee);
  for (const factor of ['availability', 'performance', 'quality'] as const) {
    row(factor, `· ${factor}`, (x) => formatEstimate(x.oee.line?.[factor], FORMATS.oee), undefined, FORMATS.oee);
  }
  const target = [r.baseline, ...arms].find((x) => x.target)?.target;
  if (target) row('hoursToTarget', `time to ${target.quantity} good`, (x) => formatEstimate(x.target?.hours, FORMATS.hours), (a) => a.differences.hoursToTarget, FORMATS.hours);
  row('scrap', 'scrap (parts)', (x) => formatEstimate(x.scrap, FORMATS.scrap), (a) => a.differences.scrap, FORMATS.scrap);
  row('leadTime', 'lead time, mean', (x) => formatEstimate(x.leadTime.mean, FORMATS.leadTime), (a) => a.differences.leadTimeMean, FORMATS.leadTime);
  const bottleneck = el('tr', '');
  bottleneck.dataset.figure = 'bottleneck';
  bottleneck.append(el('th', '', 'bottleneck'), el('td', 'baseline', stationName(r.bottleneck.before.station)));
  arms.forEach((a, i) => {
    const cell = el('td', 'scenario', stationName(a.bottleneck.station));
    cell.dataset.scenario = String(i);
    bottleneck.append(cell, el('td', 'difference', ''));
  });
  if (arms.length === 0) bottleneck.append(el('td', 'scenario', '—'), el('td', 'difference', ''));
  table.appendChild(bottleneck);

  const hours = 'hours' in r.horizon ? `${r.horizon.hours} h` : `until ${r.horizon.untilGood} good`;
  const meta = el('div', 'exp-meta', `${r.replications} replications · horizon ${hours} · seed ${r.seed} · 95 % intervals`);
  const warnings = el('ul', 'exp-warnings', '');
  // The validation's own failure is already the block above.
  for (const w of r.warnings) if (!w.startsWith('the model fails validation')) warnings.appendChild(el('li', '', w));
  root.replaceChildren(summary, block, table, meta, warnings);
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}
