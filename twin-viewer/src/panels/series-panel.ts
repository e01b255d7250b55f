// The production-series dashboard: for each running series its progress to target, good and
// scrap, OEE with its three factors, and the bottleneck; a form to start one and a button
// to stop it (hidden for visitors). Series are started and stopped over the REST API; the
// figures arrive with the gateway's insight.
import type { LiveSnapshot } from '../../../gateway/src/core/live-events.ts';
import type { SeriesSummary } from '../../../gateway/src/state/series.ts';

const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`);

export class SeriesPanel {
  private readonly body: HTMLElement;
  private readonly form: HTMLFormElement;
  private readonly error: HTMLElement;
  private shown = '';

  constructor(
    private readonly root: HTMLElement,
    private readonly stationName: (line: string, station: string) => string,
    readonly visitor: boolean,
  ) {
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
      <button class="series-new" type="button">Start a series</button>`;
    this.body = root.querySelector('.series-body')!;
    this.form = root.querySelector('.series-form')!;
    this.error = root.querySelector('.series-error')!;
    const newButton = root.querySelector<HTMLButtonElement>('.series-new')!;
    if (visitor) newButton.hidden = true;
    newButton.addEventListener('click', () => {
      this.form.hidden = false;
      newButton.hidden = true;
      this.form.querySelector<HTMLInputElement>('[name=product]')!.focus();
    });
    this.form.querySelector('.cancel')!.addEventListener('click', () => {
      this.form.hidden = true;
      newButton.hidden = visitor;
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
      const stop = (e.target as HTMLElement).closest<HTMLButtonElement>('.series-stop');
      if (stop?.dataset.id) void this.post(`/api/series/${encodeURIComponent(stop.dataset.id)}/stop`);
    });
  }

  build(snapshot: LiveSnapshot): void {
    const select = this.form.querySelector('select')!;
    select.replaceChildren(...snapshot.lines.map((l) => Object.assign(document.createElement('option'), { value: l.id, textContent: l.name })));
  }

  refresh(series: readonly SeriesSummary[]): void {
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

  private card(id: string): HTMLElement {
    const div = document.createElement('div');
    div.className = 'series-card';
    div.dataset.id = id;
    div.innerHTML = `
      <div class="title"><span class="product"></span><span class="line"></span></div>
      <div class="bar"><div class="fill"></div></div>
      <div class="counts"><span class="good"></span> good of <span class="target"></span> · <span class="scrap"></span> scrap</div>
      <div class="oee"><span class="big"></span> <span class="a"></span> <span class="p"></span> <span class="q"></span></div>
      <div class="bottleneck">bottleneck: <span></span></div>`;
    if (!this.visitor) {
      const stop = Object.assign(document.createElement('button'), { className: 'series-stop', type: 'button', textContent: 'Stop' });
      stop.dataset.id = id;
      div.appendChild(stop);
    }
    return div;
  }

  private fill(card: HTMLElement, s: SeriesSummary): void {
    const text = (selector: string, value: string) => {
      const el = card.querySelector(selector)!;
      if (el.textContent !== value) el.textContent = value;
    };
    text('.product', s.product);
    text('.line', ` · ${s.line}`);
    (card.querySelector('.fill') as HTMLElement).style.width = `${(Math.min(1, s.progress) * 100).toFixed(1)}%`;
    text('.good', String(s.good));
    text('.target', String(s.target));
    text('.scrap', String(s.scrap));
    text('.oee .big', `OEE ${pct(s.oee.oee)}`);
    text('.oee .a', `A ${pct(s.oee.availability)}`);
    text('.oee .p', `P ${pct(s.oee.performance)}`);
    text('.oee .q', `Q ${pct(s.oee.quality)}`);
    text('.bottleneck span', s.bottleneck ? this.stationName(s.line, s.bottleneck) : '—');
  }

  private async post(path: string, body?: unknown): Promise<boolean> {
    const res = await fetch(path, { method: 'POST', headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
    const data = (await res.json()) as { error?: string };
    this.error.textContent = res.ok ? '' : (data.error ?? `error ${res.status}`);
    return res.ok;
  }
}
