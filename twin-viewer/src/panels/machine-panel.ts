// The selected machine: its values with units, state, data age, and small charts of the
// minutes around the instant shown (live: the last two; replay: either side of the
// playhead). It opens and closes with the scene's selection; its close button selects none.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ShownState } from '../live/shown-state.ts';
import type { PlacedMachine, TwinScene } from '../scene/twin-scene.ts';
import { formatAge, formatSignal, formatValue } from './format.ts';

const CHART_SECONDS = 120;
/** In replay the charts also show what comes next: the playhead stands at this share of the window. */
const REPLAY_BEFORE = 0.75;

export class MachinePanel {
  private showing: string | undefined;
  private charts: { signal: string; plot: uPlot }[] = [];

  constructor(
    private readonly root: HTMLElement,
    private readonly scene: TwinScene,
    private readonly shown: () => ShownState,
  ) {
    scene.addEventListener('select', (e) => this.show(e.id !== undefined ? scene.machines.get(e.id) : undefined));
    root.addEventListener('click', (e) => {
      if ((e.target as HTMLElement).classList.contains('close')) scene.select(undefined);
    });
  }

  private show(m: PlacedMachine | undefined): void {
    for (const c of this.charts) c.plot.destroy();
    this.charts = [];
    this.showing = m?.device.id;
    this.root.hidden = !m;
    if (!m) return;
    const d = m.device;
    this.root.innerHTML = `<button class="close" aria-label="Close">×</button><h2></h2><p class="meta"></p><p class="state"></p><table class="values"></table><div class="charts"></div>`;
    this.root.querySelector('h2')!.textContent = d.name;
    this.root.querySelector('.meta')!.textContent = `${d.vendor} · ${d.model} · ${d.kind} · ${d.station}`;
    const charts = this.root.querySelector('.charts') as HTMLElement;
    for (const signal of d.twin?.charts ?? []) {
      const box = document.createElement('div');
      box.className = 'chart';
      charts.appendChild(box);
      const unit = d.signals[signal]?.unit;
      const plot = new uPlot(
        {
          width: 300,
          height: 110,
          legend: { show: false },
          cursor: { show: false },
          title: `${signal}${unit ? ` (${formatValue(0, unit).replace(/^0\s?/, '')})` : ''}`,
          axes: [{ stroke: '#9fb0c0', grid: { stroke: '#2a3440' } }, { stroke: '#9fb0c0', grid: { stroke: '#2a3440' }, size: 45 }],
          series: [{}, { stroke: '#4fc3f7', width: 1.5 }],
        },
        [[], []],
        box,
      );
      this.charts.push({ signal, plot });
    }
    this.refresh();
  }

  refresh(): void {
    const m = this.showing !== undefined ? this.scene.machines.get(this.showing) : undefined;
    if (!m) return;
    const d = m.device;
    const shown = this.shown();
    const { history } = shown;
    const now = shown.now();
    const values = history.stateAt(d.id);
    const seen = history.lastSeen(d.id);
    const none = shown.mode === 'live' ? 'none yet' : 'none then';
    (this.root.querySelector('.state') as HTMLElement).textContent = `${m.status} · data ${seen ? formatAge(now - seen) : none}`;
    (this.root.querySelector('.state') as HTMLElement).dataset.status = m.status;
    // Built as elements, never as markup: signal names come from profiles and values from devices.
    const rows = Object.keys(d.signals)
      .filter((n) => values[n] !== undefined)
      .map((n) => {
        const tr = document.createElement('tr');
        tr.dataset.signal = n;
        tr.append(Object.assign(document.createElement('th'), { textContent: n.replaceAll('_', ' ') }), Object.assign(document.createElement('td'), { textContent: formatSignal(values[n], d.signals[n]) }));
        return tr;
      });
    this.root.querySelector('.values')!.replaceChildren(...rows);
    const span = CHART_SECONDS * 1000;
    const [from, to] = shown.mode === 'live' ? [now - span, now] : [now - span * REPLAY_BEFORE, now + span * (1 - REPLAY_BEFORE)];
    for (const c of this.charts) {
      c.plot.setData(history.series(d.id, c.signal, from, to));
      c.plot.setScale('x', { min: from / 1000, max: to / 1000 });
    }
  }
}
