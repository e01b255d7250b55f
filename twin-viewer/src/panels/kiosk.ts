// Visitor mode: no controls, a slow camera tour along the material flow (each line's stations
// in order, the machines at each), then a summary shot of the whole line with its live OEE,
// and a large caption saying what is happening, readable across a hall on a 1080p screen.
// With a prepared experiment (`?experiment=`), the tour alternates the live line with it: a
// stop after the line's summary shows the machines it would add, see-through, and says what
// they would bring ("this line would make 26 % more housings an hour").
// The tour reads the scene's machines at every step, so a rebuild (a gateway restarted with
// another site) only changes where it goes next; it stops when the scene is disposed.
import type { LiveSnapshot } from '../../../gateway/src/core/live-events.ts';
import type { ShownState } from '../live/shown-state.ts';
import type { ExperimentResult } from '../../../simulators/src/experiments/run-experiment.ts';
import { ghostSpecsOf } from '../scene/ghost-machines.ts';
import type { PlacedMachine, TwinScene } from '../scene/twin-scene.ts';
import type { SiteWords } from './change-words.ts';
import { describe, experimentCaption, runningSeries, summarize } from './kiosk-captions.ts';

const DWELL_MS = 12_000;
const SUMMARY_MS = 15_000;
const EXPERIMENT_MS = 20_000;

/** Where the tour stands: a machine, the whole of one line, or a prepared experiment on a line. */
type Stop = { readonly device: string } | { readonly line: string; readonly name: string; readonly experiment?: true };

export interface KioskSources {
  /** The state on show: live, or a recorded shift replayed. */
  shown(): ShownState;
  /** What is replayed ("yesterday, 06:00–14:00, at 240×"), said above the tour's caption; undefined live. */
  replaying(): string | undefined;
  /** A prepared experiment to show between the rounds of the tour, if any. */
  experiment?(): ExperimentResult | undefined;
  /** Seconds at each machine (`?dwell=`); the line's summary and the experiment stay a little longer in proportion. */
  readonly dwellSeconds?: number | undefined;
}

export class Kiosk {
  private lines: LiveSnapshot['lines'];
  private stop: Stop | undefined;
  private position = -1;
  private tour: number | undefined;
  private readonly live: number;

  constructor(
    private readonly scene: TwinScene,
    snapshot: LiveSnapshot,
    private readonly caption: HTMLElement,
    private readonly sources: KioskSources,
  ) {
    this.lines = snapshot.lines;
    document.body.classList.add('kiosk');
    scene.controls.enabled = false;
    scene.controls.autoRotate = true;
    scene.controls.autoRotateSpeed = 0.6;
    scene.addEventListener('build', this.onBuild);
    scene.addEventListener('dispose', this.dispose);
    this.next();
    // Keep the caption's numbers live between moves.
    this.live = window.setInterval(() => this.tell(), 1000);
  }

  /** The tour's stops in the order material flows: by line, by station, then the line's summary. */
  stops(): Stop[] {
    const machines = [...this.scene.machines.values()];
    const seen = machines.filter((m) => m.status !== 'unknown');
    // Before any data the tour still moves, so a visitor sees the line rather than one view.
    const pool = seen.length > 0 ? seen : machines;
    const out: Stop[] = [];
    for (const line of this.lines) {
      for (const st of line.stations) for (const m of pool) if (m.device.line === line.id && m.device.station === st.id) out.push({ device: m.device.id });
      out.push({ line: line.id, name: line.name });
      if (this.experimentOn(line.id)) out.push({ line: line.id, name: line.name, experiment: true });
    }
    // Machines on a line or station the layout does not list still get their turn.
    for (const m of pool) if (!out.some((s) => 'device' in s && s.device === m.device.id)) out.push({ device: m.device.id });
    return out;
  }

  /** The prepared experiment, if it is of this line and may be shown to visitors. */
  private experimentOn(line: string): ExperimentResult | undefined {
    const r = this.sources.experiment?.();
    return r && r.line === line && experimentCaption(r, this.words) !== undefined ? r : undefined;
  }

  private readonly words: SiteWords = {
    device: (id) => this.scene.machines.get(id)?.device,
    stationName: (id) => this.lines.flatMap((l) => l.stations).find((s) => s.id === id)?.name ?? id ?? '—',
  };

  private next(): void {
    const stops = this.stops();
    if (stops.length === 0) return;
    if (this.stop && 'experiment' in this.stop) {
      this.scene.setGhosts([]);
      this.scene.setMarks({});
    }
    this.position = (this.position + 1) % stops.length;
    this.stop = stops[this.position]!;
    const experiment = 'experiment' in this.stop ? this.experimentOn(this.stop.line) : undefined;
    if (experiment?.scenario) {
      this.scene.setGhosts(ghostSpecsOf(experiment.scenario.changes, [...this.scene.machines.values()].map((m) => m.device)));
      const after = experiment.bottleneck.after;
      if (after?.machine) this.scene.setMarks({ [after.machine]: 'bottleneck with the change' });
      this.scene.overview();
      this.scene.highlight(undefined);
    } else if ('device' in this.stop) {
      this.scene.focus(this.stop.device, 6);
      // Pointed at, not selected: no panel opens and the URL does not follow the tour.
      this.scene.highlight(this.stop.device);
    } else {
      this.scene.overview();
      this.scene.highlight(undefined);
    }
    this.tell();
    window.clearTimeout(this.tour);
    const scale = this.sources.dwellSeconds !== undefined ? (this.sources.dwellSeconds * 1000) / DWELL_MS : 1;
    this.tour = window.setTimeout(() => this.next(), scale * ('device' in this.stop ? DWELL_MS : experiment ? EXPERIMENT_MS : SUMMARY_MS));
  }

  private tell(): void {
    const told = this.captionFor(this.stop);
    const replaying = this.sources.replaying();
    const text = told !== undefined && replaying ? `${replaying}\n${told}` : told;
    if (text !== undefined && this.caption.textContent !== text) this.caption.textContent = text;
  }

  private captionFor(stop: Stop | undefined): string | undefined {
    if (!stop) return undefined;
    const shown = this.sources.shown();
    const series = shown.insight.series;
    if ('device' in stop) {
      const m = this.scene.machines.get(stop.device);
      return m ? describe(m, shown.history.stateAt(m.device.id), runningSeries(series, m.device.line), shown.mode !== 'live') : undefined;
    }
    if (stop.experiment) {
      const r = this.experimentOn(stop.line);
      return r ? experimentCaption(r, this.words, runningSeries(series, stop.line)?.product) : undefined;
    }
    const machines: PlacedMachine[] = [...this.scene.machines.values()].filter((m) => m.device.line === stop.line);
    return summarize(stop.name, machines, runningSeries(series, stop.line));
  }

  private readonly onBuild = (e: { snapshot: LiveSnapshot }) => {
    this.lines = e.snapshot.lines;
    // The machine on show may be gone: move on now rather than show a caption for nothing.
    if (this.stop && 'device' in this.stop && !this.scene.machines.has(this.stop.device)) this.next();
  };

  private readonly dispose = () => {
    window.clearTimeout(this.tour);
    window.clearInterval(this.live);
    this.scene.removeEventListener('build', this.onBuild);
    this.scene.removeEventListener('dispose', this.dispose);
  };
}
