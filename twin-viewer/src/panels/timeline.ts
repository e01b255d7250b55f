// The timeline bar: Live / Replay, a scrubber over the last hours or days with the history's
// marks as ticks (alarms red, clears green, state changes grey, series yellow), play/pause,
// speed, a step to the previous/next alarm or state change, and back to live. It only
// drives the Playback; what is shown follows from there. While a simulated scenario plays,
// the same bar runs over simulated time: the scrubber spans the simulated window.
import type { TimelineMark } from '../../../gateway/src/core/history.ts';
import type { HistoryApi } from '../replay/history-api.ts';
import { SPEEDS, type Playback } from '../replay/playback.ts';

export const RANGES = [
  { label: 'last hour', ms: 3_600_000 },
  { label: 'last 8 h', ms: 8 * 3_600_000 },
  { label: 'last 24 h', ms: 24 * 3_600_000 },
  { label: 'last 7 days', ms: 7 * 24 * 3_600_000 },
] as const;

const MARK_COLOR: Record<TimelineMark['kind'], string> = {
  state: '#7f93a6',
  alarm_raised: '#e74c3c',
  alarm_acknowledged: '#4fc3f7',
  alarm_cleared: '#2ecc71',
  series_start: '#f5d76e',
  series_pause: '#f5d76e',
  series_resume: '#f5d76e',
  series_stop: '#f5d76e',
};
// Drawn, not typed: a kiosk or phone font may not have the media symbols.
const icon = (d: string) => `<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="${d}" fill="currentColor"/></svg>`;
const ICON = { prev: icon('M3 2h2v12H3zM14 2v12L6 8z'), next: icon('M11 2h2v12h-2zM2 2v12l8-6z'), play: icon('M4 2v12l10-6z'), pause: icon('M3 2h4v12H3zM9 2h4v12H9z') };
/** What the step buttons jump between. */
const STEPPED = new Set<TimelineMark['kind']>(['state', 'alarm_raised', 'alarm_cleared']);
const MARKS_EVERY_MS = 30_000;
/** A drag seeks at most this often; its release seeks at once. */
const DRAG_SEEK_MS = 150;

export class Timeline {
  marks: TimelineMark[] = [];
  rangeMs: number = RANGES[1].ms;
  private readonly play: HTMLButtonElement;
  private readonly speed: HTMLSelectElement;
  private readonly scrub: HTMLInputElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly when: HTMLElement;
  private readonly range: HTMLSelectElement;
  private readonly mode: HTMLButtonElement;
  private marksFor = '';
  private marksAt = 0;
  private dragTimer: number | undefined;
  private dragging = false;
  private readonly timer: number;

  constructor(
    private readonly root: HTMLElement,
    private readonly playback: Playback,
    private readonly api: HistoryApi,
    /** The gateway's clock: the range ends there. */
    private readonly liveNow: () => number,
  ) {
    root.innerHTML = `
      <button class="tl-mode" type="button" title="Live or replay"></button>
      <button class="tl-prev" type="button" title="Previous alarm or state change" aria-label="Previous alarm or state change">${ICON.prev}</button>
      <button class="tl-play" type="button" aria-label="Play"></button>
      <button class="tl-next" type="button" title="Next alarm or state change" aria-label="Next alarm or state change">${ICON.next}</button>
      <select class="tl-speed" aria-label="Speed">${SPEEDS.map((s) => `<option value="${s}">${s}×</option>`).join('')}</select>
      <div class="tl-track"><canvas class="tl-marks"></canvas><input class="tl-scrub" type="range" min="0" max="1" step="1000" aria-label="Time"></div>
      <span class="tl-when"></span>
      <select class="tl-range" aria-label="Time range">${RANGES.map((r) => `<option value="${r.ms}">${r.label}</option>`).join('')}</select>
      <button class="tl-live" type="button">Back to live</button>`;
    const q = <T extends HTMLElement>(s: string) => root.querySelector<T>(s)!;
    this.mode = q('.tl-mode');
    this.play = q('.tl-play');
    this.speed = q('.tl-speed');
    this.scrub = q('.tl-scrub');
    this.canvas = q('.tl-marks');
    this.when = q('.tl-when');
    this.range = q('.tl-range');
    this.range.value = String(this.rangeMs);
    this.mode.addEventListener('click', () => {
      if (playback.mode === 'live') void playback.seek(playback.at - 60_000);
    });
    q('.tl-live').addEventListener('click', () => playback.goLive());
    this.play.addEventListener('click', () => {
      if (playback.mode === 'live') void playback.seek(playback.at - 5 * 60_000, { play: true });
      else if (playback.playing) playback.pause();
      else playback.play();
    });
    this.speed.addEventListener('change', () => {
      playback.speed = Number(this.speed.value);
      if (playback.mode !== 'live' && playback.playing) playback.play(playback.speed);
      this.refresh();
    });
    q('.tl-prev').addEventListener('click', () => this.step(-1));
    q('.tl-next').addEventListener('click', () => this.step(1));
    this.range.addEventListener('change', () => {
      this.rangeMs = Number(this.range.value);
      this.marksAt = 0;
      this.refresh();
    });
    this.scrub.addEventListener('pointerdown', () => (this.dragging = true));
    this.scrub.addEventListener('input', () => {
      this.showWhen(Number(this.scrub.value));
      if (this.dragTimer !== undefined) return;
      this.dragTimer = window.setTimeout(() => {
        this.dragTimer = undefined;
        void this.playback.seek(Number(this.scrub.value));
      }, DRAG_SEEK_MS);
    });
    this.scrub.addEventListener('change', () => {
      this.dragging = false;
      window.clearTimeout(this.dragTimer);
      this.dragTimer = undefined;
      void this.playback.seek(Number(this.scrub.value));
    });
    playback.addEventListener('change', () => this.refresh());
    playback.addEventListener('tick', () => this.moveThumb());
    this.timer = window.setInterval(() => this.refresh(), 1000);
    this.refresh();
  }

  /** The range shown: it ends now, and widens to hold a replayed instant older than it; in a scenario, the simulated window. */
  window(): { from: number; to: number } {
    const sc = this.playback.mode === 'scenario' ? this.playback.scenario : undefined;
    const sim = sc?.arms[sc.shown];
    if (sim) return { from: sim.startMs + sim.fromSeconds * 1000, to: sim.startMs + sim.toSeconds * 1000 };
    const to = this.liveNow();
    const at = this.playback.at;
    let span = this.rangeMs;
    if (to - at > span) span = RANGES.find((r) => r.ms >= to - at)?.ms ?? 31 * 86_400_000;
    return { from: to - span, to };
  }

  /** Jumps to the nearest alarm or state change before (-1) or after (1) the instant shown. */
  /**
   * The last production series its marks show: from its start to its stop, or to now while it
   * runs. An experiment calibrates from it in one click.
   */
  lastSeries(): { from: number; to: number } | undefined {
    const series = this.marks.filter((m) => m.kind === 'series_start' || m.kind === 'series_stop').sort((a, b) => a.t - b.t);
    const start = series.findLast((m) => m.kind === 'series_start');
    if (!start) return undefined;
    const stop = series.find((m) => m.kind === 'series_stop' && m.t > start.t);
    return { from: start.t, to: stop?.t ?? this.liveNow() };
  }

  step(direction: -1 | 1): void {
    const at = this.playback.at;
    const marks = this.marks.filter((m) => STEPPED.has(m.kind));
    const target = direction < 0 ? marks.findLast((m) => m.t < at - 500) : marks.find((m) => m.t > at + 500);
    if (target) void this.playback.seek(target.t, { play: false });
  }

  dispose(): void {
    window.clearInterval(this.timer);
  }

  refresh(): void {
    const p = this.playback;
    const live = p.mode === 'live';
    this.root.dataset.mode = p.mode;
    this.root.dataset.history = p.available ? 'on' : 'off';
    const scenario = p.mode === 'scenario';
    this.mode.textContent = live ? '● Live' : scenario ? '◆ Simulated' : '⟲ Replay';
    this.mode.title = live ? 'Replay the recorded past' : scenario ? 'Playing a simulated replication of an experiment' : 'Replaying the recorded past';
    const playIcon = p.playing ? 'pause' : 'play';
    if (this.play.dataset.icon !== playIcon) {
      this.play.dataset.icon = playIcon;
      this.play.innerHTML = ICON[playIcon];
    }
    this.play.setAttribute('aria-label', p.playing ? 'Pause' : 'Play');
    // A speed from a shared link need not be one of the list's.
    if (!Array.from(this.speed.options).some((o) => Number(o.value) === p.speed)) this.speed.add(new Option(`${p.speed}×`, String(p.speed)));
    this.speed.value = String(p.speed);
    const { from, to } = this.window();
    this.scrub.min = String(from);
    this.scrub.max = String(to);
    this.moveThumb();
    // The history's marks are of the recorded past, not of a simulated one.
    if (p.available && !scenario) void this.loadMarks(from, to);
    this.drawMarks(from, to);
  }

  private moveThumb(): void {
    if (this.dragging) return;
    const at = this.playback.at;
    this.scrub.value = String(at);
    this.showWhen(at);
  }

  private showWhen(t: number): void {
    const p = this.playback;
    if (!p.available) {
      const notice = p.notice ?? '';
      if (this.when.textContent !== notice) this.when.textContent = notice;
      return;
    }
    const arm = p.mode === 'scenario' && p.scenario ? (p.scenario.shown === 'baseline' ? 'as it is' : 'with the change') : '';
    const text = p.mode === 'live' && !this.dragging ? 'now' : p.mode === 'scenario' ? `simulated, ${arm}: ${describeInstant(t, this.liveNow())}` : describeInstant(t, this.liveNow());
    const stalled = p.mode === 'replay' && p.playing && !p.replay.ready ? ' · loading' : '';
    const error = p.mode === 'replay' && p.replay.error ? ` · ${p.replay.error}` : '';
    const full = `${text}${p.mode !== 'live' && p.playing ? ` · ${p.speed}×` : ''}${stalled}${error}`;
    if (this.when.textContent !== full) this.when.textContent = full;
  }

  private async loadMarks(from: number, to: number): Promise<void> {
    const key = `${this.rangeMs}:${Math.round(from / MARKS_EVERY_MS)}`;
    if (key === this.marksFor || Date.now() - this.marksAt < MARKS_EVERY_MS / 3) return;
    this.marksFor = key;
    this.marksAt = Date.now();
    try {
      this.marks = (await this.api.marks(from, to)).marks;
      this.drawMarks(from, to);
    } catch {
      // No history (a gateway without InfluxDB): the bar stays without ticks; replay says why.
      this.marks = [];
    }
  }

  private drawMarks(from: number, to: number): void {
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    if (w === 0 || h === 0) return;
    const ratio = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(w * ratio)) this.canvas.width = Math.round(w * ratio);
    if (this.canvas.height !== Math.round(h * ratio)) this.canvas.height = Math.round(h * ratio);
    const g = this.canvas.getContext('2d');
    if (!g) return;
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, w, h);
    // Alarms last, so a red tick is never hidden under a grey one.
    const order = [...this.marks].sort((a, b) => Number(a.kind.startsWith('alarm')) - Number(b.kind.startsWith('alarm')));
    if (this.playback.mode === 'scenario') return;
    for (const m of order) {
      if (m.t < from || m.t > to) continue;
      g.fillStyle = MARK_COLOR[m.kind];
      const x = Math.round(((m.t - from) / (to - from)) * (w - 1));
      const tall = m.kind === 'state' ? 0.45 : 1;
      g.fillRect(x, h * (1 - tall), 1, h * tall);
    }
  }
}

/** "14:32:05", "yesterday 14:32:05", "Mon 30 Nov 14:32:05": an instant as people say it. */
export function describeInstant(t: number, now: number): string {
  const d = new Date(t);
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  const day = (x: Date) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const days = Math.round((day(new Date(now)) - day(d)) / 86_400_000);
  if (days === 0) return time;
  if (days === 1) return `yesterday ${time}`;
  return `${d.toLocaleDateString([], { weekday: 'short', day: 'numeric', month: 'short' })} ${time}`;
}
