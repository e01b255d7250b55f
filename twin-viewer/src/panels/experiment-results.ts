// An experiment's answer as a table: baseline and scenario side by side with their 95 %
// intervals, the paired difference and whether it is significant, and the bottleneck before
// and after. The validation verdict comes first and is never folded away: a figure from a
// model that does not reproduce the record must not be read without that warning.
import type { ExperimentResult } from '../../../simulators/src/experiments/run-experiment.ts';
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

/** Fills `root` with the verdict, the table, the bottleneck and the warnings. `stationName` names a station id. */
export function renderResult(root: HTMLElement, r: ExperimentResult, stationName: (id: string | null) => string): void {
  const verdict = validationVerdict(r);
  const block = el('div', `exp-validation ${verdict.ok ? 'ok' : 'fail'}`, verdict.text);
  block.setAttribute('role', verdict.ok ? 'status' : 'alert');

  const s = r.scenario;
  const d = r.differences;
  const table = el('table', 'exp-table');
  const head = el('tr', '');
  for (const h of ['', 'baseline', s ? s.name : 'scenario', 'difference']) head.appendChild(el('th', '', h));
  table.appendChild(head);
  const row = (figure: string, label: string, base: string, scen: string, diff: Difference | null | undefined, f: FigureFormat) => {
    const tr = el('tr', '');
    tr.dataset.figure = figure;
    tr.append(el('th', '', label), el('td', 'baseline', base), el('td', 'scenario', scen));
    const cell = el('td', 'difference');
    cell.appendChild(el('span', 'value', formatDifference(diff, f)));
    if (diff) {
      cell.classList.add(diff.significant ? 'significant' : 'not-significant');
      cell.appendChild(el('span', 'verdict', diff.significant ? 'significant' : 'not significant'));
    }
    tr.appendChild(cell);
    table.appendChild(tr);
  };
  row('goodPerHour', 'good parts / h', formatEstimate(r.baseline.goodPerHour, FORMATS.goodPerHour), formatEstimate(s?.goodPerHour, FORMATS.goodPerHour), d?.goodPerHour, FORMATS.goodPerHour);
  row('oee', 'OEE (line)', formatEstimate(r.baseline.oee.line?.oee, FORMATS.oee), formatEstimate(s?.oee.line?.oee, FORMATS.oee), d?.oee, FORMATS.oee);
  row('scrap', 'scrap (parts)', formatEstimate(r.baseline.scrap, FORMATS.scrap), formatEstimate(s?.scrap, FORMATS.scrap), d?.scrap, FORMATS.scrap);
  row('leadTime', 'lead time, mean', formatEstimate(r.baseline.leadTime.mean, FORMATS.leadTime), formatEstimate(s?.leadTime.mean, FORMATS.leadTime), d?.leadTimeMean, FORMATS.leadTime);
  const bottleneck = el('tr', '');
  bottleneck.dataset.figure = 'bottleneck';
  bottleneck.append(el('th', '', 'bottleneck'), el('td', 'baseline', stationName(r.bottleneck.before.station)), el('td', 'scenario', r.bottleneck.after ? stationName(r.bottleneck.after.station) : '—'), el('td', 'difference', ''));
  table.appendChild(bottleneck);

  const hours = 'hours' in r.horizon ? `${r.horizon.hours} h` : `until ${r.horizon.untilGood} good`;
  const meta = el('div', 'exp-meta', `${r.replications} replications · horizon ${hours} · seed ${r.seed} · 95 % intervals`);
  const warnings = el('ul', 'exp-warnings', '');
  // The validation's own failure is already the block above.
  for (const w of r.warnings) if (!w.startsWith('the model fails validation')) warnings.appendChild(el('li', '', w));
  root.replaceChildren(block, table, meta, warnings);
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}
