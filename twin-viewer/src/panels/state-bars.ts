// Where each machine's time went in a simulated run: one stacked bar per machine, working /
// blocked / starved / failed / setup / off shift, as shares of the horizon (means over the
// replications). uPlot draws bars, not stacks: each series is the running total up to its
// state, drawn from the tallest down, so every state shows as the band above the one before.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ScenarioFigures } from '../../../simulators/src/experiments/summary.ts';
import { MACHINE_STATES, type MachineState } from '../../../simulators/src/des/machine-states.ts';

export const STATE_COLOURS: Record<MachineState, string> = {
  working: '#2ecc71',
  blocked: '#f5a623',
  starved: '#5d8aa8',
  failed: '#e74c3c',
  setup: '#b07cd8',
  offShift: '#444b52',
};

const LABELS: Record<MachineState, string> = { working: 'working', blocked: 'blocked', starved: 'starved', failed: 'failed', setup: 'setup', offShift: 'off shift' };

/** Per machine, its mean share of time in each state, in the order of `MACHINE_STATES`: what the bars show and the tests read. */
export function stateShares(f: ScenarioFigures): { id: string; shares: number[] }[] {
  return f.machines.map((m) => ({ id: m.id, shares: MACHINE_STATES.map((s) => m.time[s].mean) }));
}

/** Draws the bars into `root` (replacing what was there); returns the plot, to destroy with the panel. */
export function renderStateBars(root: HTMLElement, f: ScenarioFigures, title: string, nameOf: (id: string) => string): uPlot {
  const rows = stateShares(f);
  const x = rows.map((_, i) => i);
  // Running totals: series k is working + … + state k, in percent.
  const totals = MACHINE_STATES.map((_, k) => rows.map((r) => 100 * r.shares.slice(0, k + 1).reduce((a, b) => a + b, 0)));
  const order = MACHINE_STATES.map((_, k) => k).reverse();
  const bars = uPlot.paths.bars!({ size: [0.7, 40] });
  root.replaceChildren();
  root.dataset.machines = rows.map((r) => r.id).join(',');
  return new uPlot(
    {
      width: Math.max(260, Math.min(520, 60 + rows.length * 44)),
      height: 170,
      title,
      legend: { show: true, live: false },
      cursor: { show: false },
      scales: { x: { time: false, range: [-0.5, rows.length - 0.5] }, y: { range: [0, 100] } },
      axes: [
        { stroke: '#9fb0c0', grid: { show: false }, splits: () => x, values: (_u, splits) => splits.map((i) => nameOf(rows[i]?.id ?? '')), size: 34, font: '10px sans-serif' },
        { stroke: '#9fb0c0', grid: { stroke: '#2a3440' }, size: 38, values: (_u, splits) => splits.map((v) => `${v}%`) },
      ],
      series: [{}, ...order.map((k) => ({ label: LABELS[MACHINE_STATES[k]!], fill: STATE_COLOURS[MACHINE_STATES[k]!], stroke: STATE_COLOURS[MACHINE_STATES[k]!], width: 0, paths: bars, points: { show: false } }))],
    },
    [x, ...order.map((k) => totals[k]!)],
    root,
  );
}
