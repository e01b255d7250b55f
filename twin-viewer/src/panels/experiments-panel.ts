// The Experiments panel: name a change by pointing at the scene (while the panel is open, a
// machine selected or a station's pad clicked offers "+1 <kind> at <station>", a comparison
// of several machine counts, a cycle-time factor and the buffer in front of the station; the
// line offers a target quantity and a shift pattern), collect changes (added machines stand
// in the scene at once, see-through, and can be dragged), run them on the gateway's engine
// (`POST /api/experiments`, then polling the experiment), and read baseline and scenarios side
// by side, the bottleneck of each marked in the scene; play a replication of each in the
// scene on one simulated clock. Past experiments stay listed; reopening one shows its result
// and puts its changes back to run again. Not in the kiosk, and hidden where the gateway has
// no history (no record to calibrate from); Run and Cancel only for those the session lets
// run experiments (engineers): others may still look at results.
import type { ExperimentDetail, ExperimentSummary, ExperimentTrace } from '../../../gateway/src/core/experiments.ts';
import type { LiveDevice, LiveSnapshot } from '../../../gateway/src/core/live-events.ts';
import type { ExperimentResult } from '../../../simulators/src/experiments/run-experiment.ts';
import type { Change, Sweep } from '../../../simulators/src/experiments/scenario.ts';
import type uPlot from 'uplot';
import type { Session } from '../live/session.ts';
import type { Playback } from '../replay/playback.ts';
import { ScenarioState } from '../replay/scenario-state.ts';
import { ghostSpecsOf } from '../scene/ghost-machines.ts';
import type { TwinScene } from '../scene/twin-scene.ts';
import { renderResult } from './experiment-results.ts';
import { describeChange, kindOf, SHIFT_PATTERNS, shortName } from './change-words.ts';
import { bufferTable, renderBufferChart } from './buffer-chart.ts';
import { renderStateBars } from './state-bars.ts';

const POLL_MS = 500;

export interface ExperimentsPanelOptions {
  /** An experiment to open at once (the page's `?experiment=`). */
  readonly open?: string | undefined;
  /** Told the experiment on show (undefined: none), for the page's link. */
  readonly shown?: (id: string | undefined) => void;
  /** The timeline's windows to calibrate from: its last series (from its marks) and its range. */
  readonly windows?: { lastSeries(): { from: number; to: number } | undefined; range(): { from: number; to: number } } | undefined;
  /** Where a replication is played in the scene (the page's one playback); none: no Play button. */
  readonly player?: Playback | undefined;
  /** Where the opened experiment's link was in its playing (`arm`, simulated seconds): shown there, paused. */
  readonly playAt?: { readonly arm: string; readonly seconds: number } | undefined;
  /** Who is logged in: Run and Cancel follow its `may.experiments` (without one, they are offered). */
  readonly session?: Pick<Session, 'info' | 'addEventListener'> | undefined;
}

export const PLAY_SPEEDS = [60, 600, 3600] as const;

/** What the test hook reports: the panel's state, not its pixels. */
export interface ExperimentsState {
  readonly available: boolean;
  readonly open: boolean;
  readonly pointed: string | undefined;
  readonly changes: readonly Change[];
  /** Several scenarios side by side: a sweep over one parameter. */
  readonly sweep: Sweep | undefined;
  readonly running: { readonly id: string; readonly status: string; readonly progress: number } | undefined;
  readonly shown: { readonly id: string; readonly result: ExperimentResult } | undefined;
  readonly past: readonly string[];
  readonly error: string;
  /** Machines the changes add, standing in the scene. */
  readonly ghosts: readonly string[];
  /** What the scene marks: machine id → mark. */
  readonly marks: Readonly<Record<string, string>>;
  /** Per arm, the buffer chart of the replication played: its buffers and their levels at the merged change times. */
  readonly buffers: Readonly<Record<string, { readonly stations: readonly string[]; readonly points: number }>>;
  /** The replication playing in the scene: which arm is shown, at which simulated second. */
  readonly playing: { readonly experiment: string; readonly arm: string; readonly seconds: number } | undefined;
  /** Each stacked-bar chart: its machines in order, and per state (working first) the running totals in percent it draws. */
  readonly bars: Readonly<Record<string, BarsShown>>;
}

export interface BarsShown {
  readonly machines: readonly string[];
  readonly totals: readonly (readonly number[])[];
}

export class ExperimentsPanel {
  private snapshot: LiveSnapshot | undefined;
  private pointed: LiveDevice | undefined;
  private changes: Change[] = [];
  private sweep: Sweep | undefined;
  private running: { id: string; status: string; progress: number } | undefined;
  private shown: { id: string; result: ExperimentResult } | undefined;
  private past: ExperimentSummary[] = [];
  private poll: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  private readonly body: HTMLElement;
  private readonly offer: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly progress: HTMLElement;
  private readonly results: HTMLElement;
  private readonly history: HTMLUListElement;
  private readonly error: HTMLElement;
  private plots: { arm: string; machines: string[]; plot: uPlot }[] = [];

  constructor(
    private readonly root: HTMLElement,
    private readonly scene: TwinScene,
    private readonly options: ExperimentsPanelOptions = {},
  ) {
    root.hidden = true;
    // The form is not validated here: the engine's schema is the one judge, and its 400 names the path.
    root.innerHTML = `
      <button type="button" class="exp-toggle">Experiment</button>
      <div class="exp-body" hidden>
        <p class="exp-hint">Select a machine, or click a station in the scene, to change it.</p>
        <div class="exp-offer" hidden>
          <button type="button" class="exp-add"></button>
          <span class="exp-cycle"><label>cycle time × <input name="factor" type="number" min="0.1" max="10" step="0.05" value="0.9"></label> <button type="button" class="exp-cycle-add">Add</button></span>
          <button type="button" class="exp-sweep"></button>
          <span class="exp-buffer"><label>buffer before <span class="exp-buffer-station"></span> <input name="buffer" type="number" min="0" max="1000" step="1" value="4"></label> <button type="button" class="exp-buffer-add">Set</button></span>
        </div>
        <div class="exp-line">
          <span><label>target <input name="target" type="number" min="1" step="1" value="200"> good parts</label> <button type="button" class="exp-target-add">Add</button></span>
          <span><label>shifts <select name="shifts">${Object.entries(SHIFT_PATTERNS).map(([k, v]) => `<option value="${k}">${v.label}</option>`).join('')}</select></label> <button type="button" class="exp-shifts-add">Add</button></span>
        </div>
        <ul class="exp-changes"></ul>
        <form class="exp-form" novalidate>
          <label>horizon <input name="hours" type="number" min="1" max="8784" step="1" value="8"> h</label>
          <label>replications <input name="replications" type="number" min="2" max="1000" step="1" value="10"></label>
          <label class="exp-calibration">calibrated from <select name="calibration"><option value="default">the current or last series</option><option value="series">the last series on the timeline</option><option value="range">the timeline's range</option></select></label>
          <button type="submit" class="exp-run">Run</button>
          <span class="exp-may-not" hidden>Log in as an engineer to run experiments.</span>
        </form>
        <div class="exp-progress" hidden><div class="fill"></div><span></span> <button type="button" class="exp-cancel">Cancel</button></div>
        <div class="exp-error"></div>
        <div class="exp-results"></div>
        <details class="exp-past"><summary>Past experiments</summary><ul></ul></details>
      </div>`;
    this.body = root.querySelector('.exp-body')!;
    this.offer = root.querySelector('.exp-offer')!;
    this.list = root.querySelector('.exp-changes')!;
    this.progress = root.querySelector('.exp-progress')!;
    this.results = root.querySelector('.exp-results')!;
    this.history = root.querySelector('.exp-past ul')!;
    this.error = root.querySelector('.exp-error')!;

    root.querySelector('.exp-toggle')!.addEventListener('click', () => this.toggle());
    root.querySelector('.exp-add')!.addEventListener('click', () => {
      const d = this.pointed;
      if (d) this.add({ station: d.station, add: 1, like: d.id });
    });
    root.querySelector('.exp-sweep')!.addEventListener('click', () => {
      const d = this.pointed;
      if (!d || d.station === null) return;
      const n = this.machinesAt(d.station);
      this.sweep = { station: d.station, parameter: 'machines', values: [n + 1, n + 2, n + 3] };
      this.fillChanges();
    });
    root.querySelector('.exp-buffer-add')!.addEventListener('click', () => {
      const d = this.pointed;
      const places = Number(root.querySelector<HTMLInputElement>('[name=buffer]')!.value);
      if (!d || d.station === null) return;
      if (!Number.isInteger(places) || places < 0) return this.say('buffer: expected a whole number of places, 0 or more');
      this.add({ station: d.station, buffer: places });
    });
    root.querySelector('.exp-target-add')!.addEventListener('click', () => {
      const n = Number(root.querySelector<HTMLInputElement>('[name=target]')!.value);
      if (!Number.isInteger(n) || n < 1) return this.say('target: expected a whole number of good parts, 1 or more');
      this.add({ target: n });
    });
    root.querySelector('.exp-shifts-add')!.addEventListener('click', () => {
      const pattern = SHIFT_PATTERNS[root.querySelector<HTMLSelectElement>('[name=shifts]')!.value];
      if (pattern) this.add({ calendar: structuredClone(pattern.calendar) });
    });
    root.querySelector('.exp-cancel')!.addEventListener('click', () => {
      if (this.running) void this.request(`/api/experiments/${encodeURIComponent(this.running.id)}`, { method: 'DELETE' });
    });
    root.querySelector('.exp-results')!.addEventListener('click', (e) => {
      const target = e.target as HTMLElement;
      if (target.closest('.exp-print')) window.print();
      if (target.closest('.exp-play-start')) void this.play();
    });
    root.querySelector('.exp-results')!.addEventListener('change', (e) => {
      const target = e.target as HTMLSelectElement;
      if (target.name === 'arm') this.options.player?.showArm(target.value);
      if (target.name === 'playspeed' && this.options.player?.mode === 'scenario') this.options.player.play(Number(target.value));
    });
    root.querySelector('.exp-cycle-add')!.addEventListener('click', () => {
      const d = this.pointed;
      const factor = Number(root.querySelector<HTMLInputElement>('[name=factor]')!.value);
      if (!d) return;
      if (!(factor > 0)) return this.say('cycle time factor: expected a number above 0');
      this.add({ machine: d.id, cycle: { factor } });
    });
    this.list.addEventListener('click', (e) => {
      const li = (e.target as HTMLElement).closest<HTMLElement>('button.remove')?.closest('li');
      if (!li) return;
      if (li.dataset.sweep !== undefined) this.sweep = undefined;
      else this.changes.splice(Number(li.dataset.index), 1);
      this.fillChanges();
    });
    this.history.addEventListener('click', (e) => {
      const li = (e.target as HTMLElement).closest<HTMLElement>('li[data-id]');
      if (li) void this.reopen(li.dataset.id!);
    });
    root.querySelector('.exp-form')!.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.run();
    });
    const session = options.session;
    if (session) {
      const rights = () => {
        const may = session.info.may.experiments;
        root.querySelector<HTMLElement>('.exp-run')!.hidden = !may;
        root.querySelector<HTMLElement>('.exp-cancel')!.hidden = !may;
        root.querySelector<HTMLElement>('.exp-may-not')!.hidden = may;
      };
      rights();
      session.addEventListener('change', rights);
    }
    scene.addEventListener('build', this.onBuild);
    scene.addEventListener('select', this.onSelect);
    scene.addEventListener('station', this.onStation);
    options.player?.addEventListener('tick', this.onPlayed);
    options.player?.addEventListener('change', this.onPlayed);
    scene.addEventListener('dispose', () => this.dispose());
  }

  get isOpen(): boolean {
    return !this.body.hidden;
  }

  state(): ExperimentsState {
    return {
      available: !this.root.hidden,
      open: this.isOpen,
      pointed: this.pointed?.id,
      changes: this.changes.map((c) => structuredClone(c)),
      sweep: this.sweep && structuredClone(this.sweep),
      running: this.running && { ...this.running },
      shown: this.shown,
      past: this.past.map((p) => p.id),
      error: this.error.textContent ?? '',
      ghosts: [...this.scene.ghosts.keys()],
      playing: this.playingNow(),
      buffers: Object.fromEntries(this.bufferPlots.map((b) => [b.arm, { stations: b.stations, points: b.points }])),
      marks: this.scene.marks(),
      // uPlot draws the tallest total first: read back in the order of the states.
      bars: Object.fromEntries(this.plots.map((p) => [p.arm, { machines: [...p.machines], totals: p.plot.data.slice(1).reverse().map((d) => [...(d as number[])]) }])),
    };
  }

  /** Plays the result on show in the scene as its Play button does (the arm and speed picked there). */
  async play(): Promise<void> {
    if (this.shown) await this.playInScene(this.shown.id, this.playChoice().arm, this.playChoice().speed);
  }

  /** Opens the panel on an experiment: its result if done, its progress while it runs. */
  open(id: string): void {
    if (!this.isOpen) this.toggle();
    void this.reopen(id);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.poll);
    for (const p of this.plots) p.plot.destroy();
    this.plots = [];
    for (const b of this.bufferPlots) b.plot.destroy();
    this.bufferPlots = [];
    this.scene.removeEventListener('build', this.onBuild);
    this.scene.removeEventListener('select', this.onSelect);
    this.scene.removeEventListener('station', this.onStation);
    this.options.player?.removeEventListener('tick', this.onPlayed);
    this.options.player?.removeEventListener('change', this.onPlayed);
  }

  private readonly onBuild = (e: { snapshot: LiveSnapshot }) => {
    this.snapshot = e.snapshot;
    const first = this.root.hidden && e.snapshot.history && this.options.open !== undefined && this.shown === undefined && this.running === undefined;
    this.root.hidden = !e.snapshot.history;
    if (this.pointed && !this.scene.machines.has(this.pointed.id)) this.point(undefined);
    this.fillChanges();
    // A rebuild frees the marks with the machines; the result on show puts them back.
    if (this.shown) this.markBottlenecks(this.shown.result);
    if (first) this.open(this.options.open!);
  };

  private readonly onSelect = (e: { id: string | undefined }) => {
    if (this.isOpen) this.point(e.id !== undefined ? this.scene.machines.get(e.id)?.device : undefined);
  };

  /** While a replication plays: its parts so far, in the play row. */
  private readonly onPlayed = () => {
    const el = this.results.querySelector<HTMLElement>('.exp-counts');
    if (!el) return;
    const p = this.options.player!;
    const arm = p.mode === 'scenario' && p.scenario && this.playingId === this.shown?.id ? p.scenario.arms[p.scenario.shown] : undefined;
    let text = '';
    if (arm) {
      const c = arm.counts();
      const hours = (arm.seconds - arm.fromSeconds) / 3600;
      text = `replication 1, ${p.scenario!.shown === 'baseline' ? 'as it is' : 'with the change'}: ${c.good} good, ${c.scrap} scrap in ${hours.toFixed(1)} h`;
    }
    if (el.textContent !== text) el.textContent = text;
  };

  /** A station clicked: its last machine is the one a "+1" copies (an empty station offers nothing). */
  private readonly onStation = (e: { id: string }) => {
    if (!this.isOpen) return;
    const at = [...this.scene.machines.values()].filter((m) => m.device.station === e.id);
    this.point(at[at.length - 1]?.device);
  };

  private toggle(): void {
    this.body.hidden = !this.body.hidden;
    if (this.isOpen) {
      // The machine already selected is the one pointed at: no second click needed.
      this.point(this.scene.selected !== undefined ? this.scene.machines.get(this.scene.selected)?.device : undefined);
      void this.loadPast();
    }
  }

  private point(device: LiveDevice | undefined): void {
    this.pointed = device;
    this.offer.hidden = !device;
    if (device) this.offer.querySelector('.exp-add')!.textContent = `+1 ${kindOf(device)} at ${this.stationName(device.station)}`;
    const sweep = this.offer.querySelector<HTMLButtonElement>('.exp-sweep')!;
    sweep.hidden = !device || device.station === null;
    if (device && device.station !== null) {
      const n = this.machinesAt(device.station);
      sweep.textContent = `compare ${n + 1}, ${n + 2}, ${n + 3} at ${this.stationName(device.station)}`;
    }
    const cycle = this.offer.querySelector<HTMLElement>('.exp-cycle')!;
    if (device) cycle.title = `multiplies ${shortName(device)}'s cycle times`;
    const buffer = this.offer.querySelector<HTMLElement>('.exp-buffer')!;
    buffer.hidden = !device || device.station === null;
    if (device) this.offer.querySelector('.exp-buffer-station')!.textContent = this.stationName(device.station);
  }

  private add(change: Change): void {
    const line = this.line();
    const of = this.pointed?.line;
    if (line && of && this.changes.length > 0 && of !== line) return this.say(`an experiment runs on one line: the changes so far are on ${line}`);
    // A second "+1" at the same station is "+2", as a person would say it; a second target,
    // shift pattern or buffer for the same station replaces the first.
    const same = change.add !== undefined ? this.changes.find((c) => c.add !== undefined && c.station === change.station && c.like === change.like) : undefined;
    const replaces = (c: Change) =>
      (change.target !== undefined && c.target !== undefined) || (change.calendar !== undefined && c.calendar !== undefined) || (change.buffer !== undefined && c.buffer !== undefined && c.station === change.station);
    if (same) same.add! += change.add!;
    else if (this.changes.some(replaces)) this.changes[this.changes.findIndex(replaces)] = change;
    else this.changes.push(change);
    this.say('');
    this.fillChanges();
  }

  private fillChanges(): void {
    this.list.replaceChildren(
      ...this.changes.map((c, i) => {
        const li = document.createElement('li');
        li.dataset.index = String(i);
        li.append(Object.assign(document.createElement('span'), { textContent: this.describe(c) }), Object.assign(document.createElement('button'), { type: 'button', className: 'remove', title: 'remove this change', textContent: '×' }));
        return li;
      }),
    );
    if (this.sweep) {
      const li = document.createElement('li');
      li.dataset.sweep = '';
      const values = this.sweep.values ?? [];
      li.append(Object.assign(document.createElement('span'), { textContent: `side by side: ${values.join(', ')} machines at ${this.stationName(this.sweep.station ?? null)}` }), Object.assign(document.createElement('button'), { type: 'button', className: 'remove', title: 'remove this comparison', textContent: '×' }));
      this.list.appendChild(li);
    }
    this.scene.setGhosts(ghostSpecsOf(this.changes, [...this.scene.machines.values()].map((m) => m.device)));
  }

  private describe(c: Change): string {
    return describeChange(c, { device: (id) => this.scene.machines.get(id)?.device, stationName: (id) => this.stationName(id) });
  }

  private machinesAt(station: string): number {
    return [...this.scene.machines.values()].filter((m) => m.device.station === station).length;
  }

  /** The line of the changes so far, else the pointed machine's, else the site's first. */
  private line(): string | undefined {
    const first = this.changes[0];
    const id = first?.like ?? first?.machine;
    const device = id !== undefined ? this.scene.machines.get(id)?.device : undefined;
    return device?.line ?? this.pointed?.line ?? this.snapshot?.lines[0]?.id;
  }

  private stationName(id: string | null): string {
    if (id === null) return '—';
    for (const l of this.snapshot?.lines ?? []) for (const s of l.stations) if (s.id === id) return s.name;
    return id;
  }

  /** The calibration window picked, or undefined for the engine's default; a string says why there is none. */
  private calibrationWindow(choice: string): { from: string; to: string } | undefined | string {
    if (choice === 'default') return undefined;
    const w = choice === 'series' ? this.options.windows?.lastSeries() : this.options.windows?.range();
    if (!w) return choice === 'series' ? 'no production series on the timeline: widen its range, or calibrate from the current or last series' : 'no timeline here';
    return { from: new Date(w.from).toISOString(), to: new Date(w.to).toISOString() };
  }

  private async run(): Promise<void> {
    const form = this.root.querySelector<HTMLFormElement>('.exp-form')!;
    const data = new FormData(form);
    const window = this.calibrationWindow(String(data.get('calibration') ?? 'default'));
    if (typeof window === 'string') return this.say(window);
    const body = {
      name: [...this.changes.map((c) => this.describe(c)), ...(this.sweep ? [`${this.sweep.values?.join('/')} at ${this.stationName(this.sweep.station ?? null)}`] : [])].join(', ') || 'baseline',
      line: this.line(),
      changes: this.changes,
      horizon: { hours: Number(data.get('hours')) },
      replications: Number(data.get('replications')),
      ...(window ? { calibration: window } : {}),
      ...(this.sweep ? { sweep: this.sweep } : {}),
    };
    const answer = await this.request<ExperimentSummary>('/api/experiments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!answer) return;
    this.running = { id: answer.id, status: answer.status, progress: answer.progress };
    this.showProgress();
    this.follow(answer.id);
  }

  private follow(id: string): void {
    clearTimeout(this.poll);
    this.poll = setTimeout(async () => {
      if (this.disposed) return;
      const detail = await this.request<ExperimentDetail>(`/api/experiments/${encodeURIComponent(id)}`);
      if (this.running?.id !== id) return;
      // A missed answer (the gateway restarting) is said in the panel; the experiment goes on there.
      if (!detail) return this.follow(id);
      this.running = { id, status: detail.status, progress: detail.progress };
      this.showProgress();
      if (detail.status === 'queued' || detail.status === 'running') return this.follow(id);
      this.running = undefined;
      this.progress.hidden = true;
      void this.loadPast();
      if (detail.status === 'done') this.show(detail);
      else this.say(detail.error ? `${detail.error.code}: ${detail.error.message}` : `the experiment ${detail.status}`);
    }, POLL_MS);
  }

  private showProgress(): void {
    const r = this.running;
    this.progress.hidden = !r;
    if (!r) return;
    (this.progress.querySelector('.fill') as HTMLElement).style.width = `${(r.progress * 100).toFixed(0)}%`;
    this.progress.querySelector('span')!.textContent = `${r.status} · ${(r.progress * 100).toFixed(0)} %`;
  }

  private show(detail: ExperimentDetail): void {
    const result = detail.result as ExperimentResult;
    this.shown = { id: detail.id, result };
    this.results.dataset.id = detail.id;
    renderResult(this.results, result, (s) => this.stationName(s), (c) => this.describe(c));
    const print = Object.assign(document.createElement('button'), { type: 'button', className: 'exp-print', textContent: 'Print summary' });
    this.results.querySelector('.exp-summary')?.appendChild(print);
    if (this.options.player) {
      // One replication of each arm, played in the very scene; the arms share the simulated clock.
      const play = document.createElement('div');
      play.className = 'exp-play';
      play.innerHTML = `<button type="button" class="exp-play-start">Play in the scene</button>
        <label>show <select name="arm">${result.scenario ? '<option value="scenario">with the change</option>' : ''}<option value="baseline">as it is</option></select></label>
        <label>at <select name="playspeed">${PLAY_SPEEDS.map((v) => `<option value="${v}"${v === 600 ? ' selected' : ''}>${v}×</option>`).join('')}</select></label>
        <span class="exp-counts"></span>`;
      this.results.querySelector('.exp-summary')?.after(play);
    }
    for (const p of this.plots) p.plot.destroy();
    this.plots = [];
    for (const b of this.bufferPlots) b.plot.destroy();
    this.bufferPlots = [];
    const charts = document.createElement('div');
    charts.className = 'exp-bars';
    this.results.appendChild(charts);
    const chart = (arm: string, f: ExperimentResult['baseline'], title: string) => {
      const box = Object.assign(document.createElement('div'), { className: `exp-bars-${arm}` });
      charts.appendChild(box);
      this.plots.push({ arm, machines: f.machines.map((m) => m.id), plot: renderStateBars(box, f, title, (id) => this.machineName(id)) });
    };
    chart('baseline', result.baseline, 'baseline: where the time went');
    result.scenarios.forEach((s, i) => chart(i === 0 ? 'scenario' : `scenario-${i}`, s, `${s.name}: where the time went`));
    // The buffers over time come with the replication's traces, fetched now so Play has them.
    void this.loadTraces(detail.id).then((arms) => arms && this.shown?.id === detail.id && this.showBuffers(arms));
    this.markBottlenecks(result);
    this.options.shown?.(detail.id);
    const at = this.options.playAt;
    if (at && detail.id === this.options.open && !this.playedLink) {
      this.playedLink = true;
      void this.playInScene(detail.id, at.arm, 600, at.seconds);
    }
  }

  private playChoice(): { arm: string; speed: number } {
    const arm = this.results.querySelector<HTMLSelectElement>('[name=arm]')?.value ?? 'baseline';
    const speed = Number(this.results.querySelector<HTMLSelectElement>('[name=playspeed]')?.value ?? 600);
    return { arm, speed };
  }

  private playingNow(): ExperimentsState['playing'] {
    const p = this.options.player;
    if (p?.mode !== 'scenario' || !p.scenario || this.playingId === undefined) return undefined;
    return { experiment: this.playingId, arm: p.scenario.shown, seconds: p.scenario.arms[p.scenario.shown]!.seconds };
  }

  private playingId: string | undefined;
  private bufferPlots: { arm: string; stations: string[]; points: number; plot: uPlot }[] = [];
  /** The last experiment's traces, so playing it again (or swapping modes) fetches nothing. */
  private traces: { id: string; states: Promise<Record<string, ScenarioState> | undefined> } | undefined;
  private playedLink = false;

  /**
   * Plays replication 1 of the baseline and the scenario in the scene, `arm` shown, from the
   * start of the simulated window (or paused at `seconds`, a shared link's).
   */
  private async playInScene(id: string, arm: string, speed: number, seconds?: number): Promise<void> {
    const player = this.options.player;
    const r = this.shown?.result;
    if (!player || !r) return;
    const arms = await this.loadTraces(id);
    if (!arms || this.shown?.id !== id) return;
    this.playingId = id;
    const shown = arms[arm] ? arm : 'baseline';
    player.playScenario(arms, shown, { speed, play: seconds === undefined });
    if (seconds !== undefined) await player.seek(arms[shown]!.startMs + seconds * 1000, { play: false });
  }

  /** Replication 1 of each arm of the result on show, fetched once (concurrent asks share one fetch). */
  private loadTraces(id: string): Promise<Record<string, ScenarioState> | undefined> {
    if (this.traces?.id === id) return this.traces.states;
    const r = this.shown?.result;
    if (!r) return Promise.resolve(undefined);
    const names = r.scenario ? ['baseline', 'scenario'] : ['baseline'];
    const states = Promise.all(names.map((a) => this.request<ExperimentTrace>(`/api/experiments/${encodeURIComponent(id)}/trace?arm=${a}&replication=0`, undefined, true))).then((traces) => {
      if (traces.some((t) => !t)) {
        if (this.traces?.id === id) this.traces = undefined;
        return undefined;
      }
      return Object.fromEntries(names.map((a, i) => [a, new ScenarioState(traces[i]!)]));
    });
    this.traces = { id, states };
    return states;
  }

  /** Buffer levels over time in the replication played, one chart per arm. */
  private showBuffers(arms: Record<string, ScenarioState>): void {
    for (const b of this.bufferPlots) b.plot.destroy();
    this.bufferPlots = [];
    this.results.querySelector('.exp-buffers')?.remove();
    const box = document.createElement('div');
    box.className = 'exp-buffers';
    this.results.appendChild(box);
    for (const [arm, state] of Object.entries(arms)) {
      // The first station is fed without limit: it has no buffer to show.
      const stations = state.trace.stations.slice(1).map((s) => ({ id: s.id, name: this.stationName(s.id) }));
      const div = Object.assign(document.createElement('div'), { className: `exp-buffers-${arm}` });
      box.appendChild(div);
      const title = `${arm === 'baseline' ? 'as it is' : 'with the change'}: buffers, replication 1`;
      const ids = stations.map((s) => s.id);
      const table = bufferTable(state, ids);
      this.bufferPlots.push({ arm, stations: ids, points: table.x.length, plot: renderBufferChart(div, table, stations, title) });
    }
  }

  /** The bottleneck of baseline and scenario marked on their machines in the scene. */
  private markBottlenecks(r: ExperimentResult): void {
    const marks: Record<string, string> = {};
    const mark = (b: ExperimentResult['bottleneck']['before'] | null, text: string) => {
      if (!b) return;
      const ids = b.machine !== null ? [b.machine] : [...this.scene.machines.values(), ...this.scene.ghosts.values()].filter((m) => m.device.station === b.station).map((m) => m.device.id);
      for (const id of ids) marks[id] = marks[id] ? 'bottleneck in both' : text;
    };
    mark(r.bottleneck.before, 'bottleneck now');
    mark(r.bottleneck.after, 'bottleneck with the change');
    this.scene.setMarks(marks);
  }

  private machineName(id: string): string {
    const m = this.scene.machines.get(id) ?? this.scene.ghosts.get(id);
    if (m) return shortName(m.device).replace(/^Printer /, 'P').replace(/^Robot /, 'R');
    const like = /^(.*)\+(\d+)$/.exec(id);
    return like ? `${this.machineName(like[1]!)}+${like[2]}` : id;
  }

  private async reopen(id: string): Promise<void> {
    const detail = await this.request<ExperimentDetail>(`/api/experiments/${encodeURIComponent(id)}`);
    if (!detail) return;
    // Its changes come back to the list, to run again as they were or changed.
    const scenario = detail.scenario as { changes?: Change[]; sweep?: Sweep } | undefined;
    if (scenario?.changes) {
      this.changes = structuredClone(scenario.changes);
      this.sweep = scenario.sweep && structuredClone(scenario.sweep);
      this.fillChanges();
    }
    if (detail.status === 'done') this.show(detail);
    else if (detail.status === 'queued' || detail.status === 'running') {
      this.running = { id, status: detail.status, progress: detail.progress };
      this.showProgress();
      this.follow(id);
    } else this.say(detail.error ? `${detail.error.code}: ${detail.error.message}` : `the experiment was ${detail.status}`);
  }

  private async loadPast(): Promise<void> {
    const list = await this.request<ExperimentSummary[]>('/api/experiments', undefined, true);
    if (!list) return;
    this.past = list;
    this.history.replaceChildren(
      ...list.map((x) => {
        const li = document.createElement('li');
        li.dataset.id = x.id;
        li.dataset.status = x.status;
        li.textContent = `${new Date(x.createdAt).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })} · ${x.name ?? x.line} · ${x.status}`;
        li.title = x.id;
        return li;
      }),
    );
  }

  /** Fetches JSON; an error answer (`{code, message}`) is shown in the panel and gives undefined. */
  /**
   * `background`: fetched on the panel's own account (traces, the past list), whose answer
   * must not clear a message the person's last action left (a refused scenario).
   */
  private async request<T>(path: string, init?: RequestInit, background = false): Promise<T | undefined> {
    try {
      const res = await fetch(path, init);
      const data = (await res.json()) as T & { code?: string; message?: string };
      if (!res.ok) {
        this.say(data.code ? `${data.code}: ${data.message ?? ''}` : `error ${res.status}`);
        return undefined;
      }
      if (!background) this.say('');
      return data;
    } catch (e) {
      this.say(`the gateway did not answer: ${(e as Error).message}`);
      return undefined;
    }
  }

  private say(text: string): void {
    this.error.textContent = text;
  }
}
