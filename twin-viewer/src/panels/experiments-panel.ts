// The Experiments panel: name a change by pointing at the scene (while the panel is open, a
// selected machine offers "+1 <kind> at <station>" and a cycle-time factor), collect changes,
// run them on the gateway's engine (`POST /api/experiments`, then polling the experiment),
// and read baseline and scenario side by side. Past experiments stay listed to reopen.
// Hidden for visitors and where the gateway has no history (no record to calibrate from).
import type { ExperimentDetail, ExperimentSummary } from '../../../gateway/src/core/experiments.ts';
import type { LiveDevice, LiveSnapshot } from '../../../gateway/src/core/live-events.ts';
import type { ExperimentResult } from '../../../simulators/src/experiments/run-experiment.ts';
import type { Change } from '../../../simulators/src/experiments/scenario.ts';
import type { TwinScene } from '../scene/twin-scene.ts';
import { renderResult } from './experiment-results.ts';

const POLL_MS = 500;

/** What the test hook reports: the panel's state, not its pixels. */
export interface ExperimentsState {
  readonly available: boolean;
  readonly open: boolean;
  readonly pointed: string | undefined;
  readonly changes: readonly Change[];
  readonly running: { readonly id: string; readonly status: string; readonly progress: number } | undefined;
  readonly shown: { readonly id: string; readonly result: ExperimentResult } | undefined;
  readonly past: readonly string[];
  readonly error: string;
}

export class ExperimentsPanel {
  private snapshot: LiveSnapshot | undefined;
  private pointed: LiveDevice | undefined;
  private changes: Change[] = [];
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

  constructor(
    private readonly root: HTMLElement,
    private readonly scene: TwinScene,
  ) {
    root.hidden = true;
    // The form is not validated here: the engine's schema is the one judge, and its 400 names the path.
    root.innerHTML = `
      <button type="button" class="exp-toggle">Experiment</button>
      <div class="exp-body" hidden>
        <p class="exp-hint">Select a machine in the scene or the list to change it.</p>
        <div class="exp-offer" hidden>
          <button type="button" class="exp-add"></button>
          <span class="exp-cycle"><label>cycle time × <input name="factor" type="number" min="0.1" max="10" step="0.05" value="0.9"></label> <button type="button" class="exp-cycle-add">Add</button></span>
        </div>
        <ul class="exp-changes"></ul>
        <form class="exp-form" novalidate>
          <label>horizon <input name="hours" type="number" min="1" max="8784" step="1" value="8"> h</label>
          <label>replications <input name="replications" type="number" min="2" max="1000" step="1" value="10"></label>
          <button type="submit" class="exp-run">Run</button>
        </form>
        <div class="exp-progress" hidden><div class="fill"></div><span></span></div>
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
      this.changes.splice(Number(li.dataset.index), 1);
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
    scene.addEventListener('build', this.onBuild);
    scene.addEventListener('select', this.onSelect);
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
      running: this.running && { ...this.running },
      shown: this.shown,
      past: this.past.map((p) => p.id),
      error: this.error.textContent ?? '',
    };
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.poll);
    this.scene.removeEventListener('build', this.onBuild);
    this.scene.removeEventListener('select', this.onSelect);
  }

  private readonly onBuild = (e: { snapshot: LiveSnapshot }) => {
    this.snapshot = e.snapshot;
    this.root.hidden = !e.snapshot.history;
    if (this.pointed && !this.scene.machines.has(this.pointed.id)) this.point(undefined);
    this.fillChanges();
  };

  private readonly onSelect = (e: { id: string | undefined }) => {
    if (this.isOpen) this.point(e.id !== undefined ? this.scene.machines.get(e.id)?.device : undefined);
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
    const cycle = this.offer.querySelector<HTMLElement>('.exp-cycle')!;
    if (device) cycle.title = `multiplies ${shortName(device)}'s cycle times`;
  }

  private add(change: Change): void {
    const line = this.line();
    const of = this.pointed?.line;
    if (line && of && this.changes.length > 0 && of !== line) return this.say(`an experiment runs on one line: the changes so far are on ${line}`);
    // A second "+1" at the same station is "+2", as a person would say it.
    const same = change.add !== undefined ? this.changes.find((c) => c.add !== undefined && c.station === change.station && c.like === change.like) : undefined;
    if (same) same.add! += change.add!;
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
  }

  private describe(c: Change): string {
    if (c.add !== undefined) {
      const like = c.like !== undefined ? this.scene.machines.get(c.like)?.device : undefined;
      return `+${c.add} ${like ? kindOf(like) : 'machine'} at ${this.stationName(c.station!)}`;
    }
    if (c.cycle?.factor !== undefined) {
      const d = c.machine !== undefined ? this.scene.machines.get(c.machine)?.device : undefined;
      return `cycle time ×${c.cycle.factor} for ${d ? shortName(d) : (c.machine ?? this.stationName(c.station!))}`;
    }
    return JSON.stringify(c);
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

  private async run(): Promise<void> {
    const form = this.root.querySelector<HTMLFormElement>('.exp-form')!;
    const data = new FormData(form);
    const body = {
      name: this.changes.map((c) => this.describe(c)).join(', ') || 'baseline',
      line: this.line(),
      changes: this.changes,
      horizon: { hours: Number(data.get('hours')) },
      replications: Number(data.get('replications')),
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
    renderResult(this.results, result, (s) => this.stationName(s));
  }

  private async reopen(id: string): Promise<void> {
    const detail = await this.request<ExperimentDetail>(`/api/experiments/${encodeURIComponent(id)}`);
    if (!detail) return;
    if (detail.status === 'done') this.show(detail);
    else if (detail.status === 'queued' || detail.status === 'running') {
      this.running = { id, status: detail.status, progress: detail.progress };
      this.showProgress();
      this.follow(id);
    } else this.say(detail.error ? `${detail.error.code}: ${detail.error.message}` : `the experiment was ${detail.status}`);
  }

  private async loadPast(): Promise<void> {
    const list = await this.request<ExperimentSummary[]>('/api/experiments');
    if (!list) return;
    this.past = list;
    this.history.replaceChildren(
      ...list.map((x) => {
        const li = document.createElement('li');
        li.dataset.id = x.id;
        li.dataset.status = x.status;
        li.textContent = `${new Date(x.createdAt).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })} · ${x.line} · ${x.status}`;
        li.title = x.id;
        return li;
      }),
    );
  }

  /** Fetches JSON; an error answer (`{code, message}`) is shown in the panel and gives undefined. */
  private async request<T>(path: string, init?: RequestInit): Promise<T | undefined> {
    try {
      const res = await fetch(path, init);
      const data = (await res.json()) as T & { code?: string; message?: string };
      if (!res.ok) {
        this.say(data.code ? `${data.code}: ${data.message ?? ''}` : `error ${res.status}`);
        return undefined;
      }
      this.say('');
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

/** "Printer 4 — Bambu Lab P1S" → "Printer 4". */
function shortName(d: LiveDevice): string {
  return d.name.split(' — ')[0]!;
}

/** "Printer 4 — Bambu Lab P1S" → "printer": what a person calls one more of it. */
function kindOf(d: LiveDevice): string {
  const word = shortName(d).replace(/\s*\d+$/, '').trim().toLowerCase();
  return word || d.kind;
}
