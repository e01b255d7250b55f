// The production-series dashboard: for each running series its progress to target, good and
// scrap, OEE with its three factors, the bottleneck, and per station and machine their parts,
// cycle times and OEE; a form to start one and buttons for a planned stop and to stop it
// (none in the kiosk; otherwise as the session's rights say, which the gateway enforces). Series are changed over the REST API; the figures arrive with the
// gateway's insight; the lines and names come with each build of the scene.
import type { LiveSnapshot } from '../../../gateway/src/core/live-events.ts';
import type { LiveSeries } from '../../../gateway/src/core/live-events.ts';
import type { Session } from '../live/session.ts';
import type { TwinScene } from '../scene/twin-scene.ts';

/** A count a visitor may not have been sent (the site's `visitors.hideSeries`). */
const count = (n: number | undefined) => (n === undefined ? '—' : String(n));

const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`);
const clock = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

export class SeriesPanel {
  private readonly body: HTMLElement;
  private readonly form: HTMLFormElement;
  private readonly error: HTMLElement;
  private shown = '';
  private snapshot: LiveSnapshot | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly scene: TwinScene,
    readonly visitor: boolean,
    private readonly session: Pick<Session, 'info' | 'addEventListener'>,
  ) {
    scene.addEventListener('build', (e) => this.build(e.snapshot));
    root.innerHTML = `
      <div class="series-body"></div>
      <form class="series-form" hidden>
        <input name="product" placeholder="Product" required maxlength="200">
        <input name="target" type="number" min="1" step="1" placeholder="Target" required>
        <select name="line"></select>
        <button type="submit">Start</button>
        <button type="button" class="cancel">Cancel</button>
      </form>
      <div class="series-error"></div>
      <datalist id="stop-reasons"><option value="Break"><option value="Changeover"><option value="Planned maintenance"><option value="End of shift"></datalist>
      <button class="series-new" type="button">Start a series</button>`;
    this.body = root.querySelector('.series-body')!;
    this.form = root.querySelector('.series-form')!;
    this.error = root.querySelector('.series-error')!;
    const newButton = root.querySelector<HTMLButtonElement>('.series-new')!;
    const mayStart = () => !visitor && session.info.may.series;
    newButton.hidden = !mayStart();
    session.addEventListener('change', () => {
      newButton.hidden = !mayStart() || !this.form.hidden;
      if (!mayStart()) this.form.hidden = true;
      // Refill the cards with the buttons this user may press.
      this.shown = '';
    });
    newButton.addEventListener('click', () => {
      this.form.hidden = false;
      newButton.hidden = true;
      this.form.querySelector<HTMLInputElement>('[name=product]')!.focus();
    });
    this.form.querySelector('.cancel')!.addEventListener('click', () => {
      this.form.hidden = true;
      newButton.hidden = !mayStart();
    });
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      const data = new FormData(this.form);
      void this.post('/api/series', { product: String(data.get('product')), target: Number(data.get('target')), line: String(data.get('line')) }).then((ok) => {
        if (!ok) return;
        this.form.reset();
        this.form.hidden = true;
        newButton.hidden = false;
      });
    });
    root.addEventListener('click', (e) => {
      const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-act]');
      const card = button?.closest<HTMLElement>('.series-card');
      if (!button || !card) return;
      const path = `/api/series/${encodeURIComponent(card.dataset.id!)}`;
      if (button.dataset.act === 'stop') void this.post(`${path}/stop`);
      else if (button.dataset.act === 'resume') void this.post(`${path}/resume`);
      else if (button.dataset.act === 'pause') {
        const form = card.querySelector<HTMLFormElement>('.pause-form')!;
        form.hidden = !form.hidden;
        if (!form.hidden) form.querySelector('input')!.focus();
      }
    });
    root.addEventListener('submit', (e) => {
      const form = (e.target as HTMLElement).closest<HTMLFormElement>('.pause-form');
      const card = form?.closest<HTMLElement>('.series-card');
      if (!form || !card) return;
      e.preventDefault();
      const reason = String(new FormData(form).get('reason'));
      void this.post(`/api/series/${encodeURIComponent(card.dataset.id!)}/pause`, { reason }).then((ok) => {
        if (!ok) return;
        form.reset();
        form.hidden = true;
      });
    });
  }

  private build(snapshot: LiveSnapshot): void {
    this.snapshot = snapshot;
    // A rebuilt scene may name things anew: fill the cards again at the next refresh.
    this.shown = '';
    const select = this.form.querySelector('select')!;
    select.replaceChildren(...snapshot.lines.map((l) => Object.assign(document.createElement('option'), { value: l.id, textContent: l.name })));
  }

  refresh(series: readonly LiveSeries[]): void {
    const key = JSON.stringify(series);
    if (key === this.shown) return;
    this.shown = key;
    // Cards are kept and filled in place: a button under the pointer must not be replaced.
    const cards = new Map(Array.from(this.body.querySelectorAll<HTMLElement>('.series-card'), (c) => [c.dataset.id!, c] as const));
    for (const [id, card] of cards) if (!series.some((s) => s.id === id)) card.remove();
    for (const s of series) {
      let card = cards.get(s.id);
      if (!card) this.body.appendChild((card = this.card(s.id)));
      this.fill(card, s);
    }
    this.root.classList.toggle('active', series.length > 0);
  }

  private stationName(line: string, station: string): string {
    return this.snapshot?.lines.find((l) => l.id === line)?.stations.find((st) => st.id === station)?.name ?? station;
  }

  /** "Printer 1 — Prusa MK4 (OctoPrint)" → "Printer 1": the table has little room. */
  private deviceName(id: string): string {
    return this.scene.machines.get(id)?.device.name.split(' — ')[0] ?? id;
  }

  private card(id: string): HTMLElement {
    const div = document.createElement('div');
    div.className = 'series-card';
    div.dataset.id = id;
    div.innerHTML = `
      <div class="title"><span class="product"></span><span class="line"></span></div>
      <div class="bar"><div class="fill"></div></div>
      <div class="counts"><span class="good"></span> good of <span class="target"></span> · <span class="scrap"></span> scrap</div>
      <div class="oee"><span class="big"></span> <span class="a"></span> <span class="p"></span> <span class="q"></span></div>
      <div class="bottleneck">bottleneck: <span></span></div>
      <div class="planned" hidden>Planned stop: <span class="reason"></span> since <span class="since"></span></div>
      <details class="detail"><summary>Stations and machines</summary>
        <table><thead><tr><th></th><th>parts</th><th>scrap</th><th title="mean seconds between parts">cycle s</th><th>OEE</th><th>A</th><th>P</th><th>Q</th></tr></thead><tbody></tbody></table>
      </details>`;
    if (!this.visitor) {
      const actions = document.createElement('div');
      actions.className = 'actions';
      actions.innerHTML = `
        <button type="button" data-act="pause" class="series-pause">Planned stop</button>
        <button type="button" data-act="resume" class="series-resume" hidden>Resume</button>
        <button type="button" data-act="stop" class="series-stop">Stop</button>
        <form class="pause-form" hidden>
          <input name="reason" list="stop-reasons" placeholder="Why: break, changeover…" required maxlength="200">
          <button type="submit">Begin</button>
        </form>`;
      div.appendChild(actions);
    }
    return div;
  }

  private fill(card: HTMLElement, s: LiveSeries): void {
    const text = (selector: string, value: string) => {
      const el = card.querySelector(selector)!;
      if (el.textContent !== value) el.textContent = value;
    };
    // A visitor may be sent a series without its product or counts (the site's `visitors.hideSeries`).
    text('.product', s.product ?? 'Series');
    text('.line', ` · ${s.line}`);
    const counted = s.good !== undefined && s.target !== undefined && s.scrap !== undefined && s.progress !== undefined;
    card.querySelector<HTMLElement>('.bar')!.hidden = !counted;
    card.querySelector<HTMLElement>('.counts')!.hidden = !counted;
    if (counted) {
      (card.querySelector('.fill') as HTMLElement).style.width = `${(Math.min(1, s.progress) * 100).toFixed(1)}%`;
      text('.good', String(s.good));
      text('.target', String(s.target));
      text('.scrap', String(s.scrap));
    }
    text('.oee .big', `OEE ${pct(s.oee.oee)}`);
    text('.oee .a', `A ${pct(s.oee.availability)}`);
    text('.oee .p', `P ${pct(s.oee.performance)}`);
    text('.oee .q', `Q ${pct(s.oee.quality)}`);
    text('.bottleneck span', s.bottleneck ? this.stationName(s.line, s.bottleneck) : '—');
    const planned = card.querySelector<HTMLElement>('.planned')!;
    planned.hidden = !s.plannedStop;
    card.classList.toggle('paused', !!s.plannedStop);
    if (s.plannedStop) {
      text('.planned .reason', s.plannedStop.reason);
      text('.planned .since', clock(s.plannedStop.since));
    }
    const may = this.session.info.may;
    const pause = card.querySelector<HTMLElement>('.series-pause');
    if (pause) pause.hidden = !!s.plannedStop || !may.plannedStop;
    const resume = card.querySelector<HTMLElement>('.series-resume');
    if (resume) resume.hidden = !s.plannedStop || !may.plannedStop;
    const stop = card.querySelector<HTMLElement>('.series-stop');
    if (stop) stop.hidden = !may.series;
    const pauseForm = card.querySelector<HTMLFormElement>('.pause-form');
    if (pauseForm && !may.plannedStop) pauseForm.hidden = true;
    this.fillTable(card.querySelector('tbody')!, s);
  }

  /** A row per station (parts, scrap, mean cycle), each followed by its machines (parts, scrap, OEE and factors). */
  private fillTable(body: HTMLElement, s: LiveSeries): void {
    const rows: HTMLTableRowElement[] = [];
    const row = (className: string, cells: string[], title?: string) => {
      const tr = document.createElement('tr');
      tr.className = className;
      if (title) tr.title = title;
      for (const c of cells) tr.appendChild(Object.assign(document.createElement('td'), { textContent: c }));
      rows.push(tr);
    };
    for (const st of s.stations) {
      const c = st.cycleSeconds;
      const cycle = c ? `${c.mean.toFixed(1)}` : '—';
      const spread = c ? `${c.n === undefined ? 'cycle times' : `cycle ${c.n} times`}: min ${c.min.toFixed(1)}, p10 ${c.p10.toFixed(1)}, median ${c.p50.toFixed(1)}, p90 ${c.p90.toFixed(1)}, max ${c.max.toFixed(1)} s` : undefined;
      row(st.id === s.bottleneck ? 'station bottleneck' : 'station', [this.stationName(s.line, st.id), count(st.produced), count(st.scrap), cycle, '', '', '', ''], spread);
      for (const m of s.machines.filter((x) => x.station === st.id)) {
        row('machine', [this.deviceName(m.device), count(m.produced), count(m.scrap), '', pct(m.oee.oee), pct(m.oee.availability), pct(m.oee.performance), pct(m.oee.quality)]);
      }
    }
    body.replaceChildren(...rows);
  }

  private async post(path: string, body?: unknown): Promise<boolean> {
    const res = await fetch(path, { method: 'POST', headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
    const data = (await res.json()) as { code?: string; message?: string };
    this.error.textContent = res.ok ? '' : (data.message ?? `error ${res.status}`);
    return res.ok;
  }
}
