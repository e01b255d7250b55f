// The buffers of one simulated replication over time: one stepped line per buffer (every
// station after the first), on the simulated clock. uPlot wants one x for all series, so the
// buffers' change times are merged and each level carried forward to the next change.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ScenarioState } from '../replay/scenario-state.ts';

const COLOURS = ['#4fc3f7', '#f5a623', '#2ecc71', '#e74c3c', '#b07cd8', '#f5d76e'];

/** Per buffer its level at each of the merged change times: what the chart draws and the tests read. */
export function bufferTable(state: ScenarioState, stations: readonly string[]): { x: number[]; levels: number[][] } {
  const series = stations.map((id) => state.bufferLevels(id));
  const x = [...new Set(series.flatMap(([xs]) => xs))].sort((a, b) => a - b);
  const levels = series.map(([xs, ys]) => {
    const out: number[] = new Array(x.length);
    let j = -1;
    for (let i = 0; i < x.length; i++) {
      while (j + 1 < xs.length && xs[j + 1]! <= x[i]!) j++;
      out[i] = j >= 0 ? ys[j]! : 0;
    }
    return out;
  });
  return { x, levels };
}

/** Draws `table` (from `bufferTable`, its buffers in the order of `stations`) into `root`. */
export function renderBufferChart(root: HTMLElement, table: { x: number[]; levels: number[][] }, stations: readonly { id: string; name: string }[], title: string): uPlot {
  const { x, levels } = table;
  root.replaceChildren();
  const steps = uPlot.paths.stepped!({ align: 1 });
  return new uPlot(
    {
      width: 300,
      height: 150,
      title,
      cursor: { show: false },
      legend: { show: true, live: false },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [
        { stroke: '#9fb0c0', grid: { stroke: '#2a3440' }, size: 30, font: '10px sans-serif' },
        { stroke: '#9fb0c0', grid: { stroke: '#2a3440' }, size: 30, font: '10px sans-serif' },
      ],
      series: [{}, ...stations.map((s, i) => ({ label: s.name, stroke: COLOURS[i % COLOURS.length]!, width: 1.25, paths: steps, points: { show: false } }))],
    },
    [x, ...levels],
    root,
  );
}
