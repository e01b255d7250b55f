// The view lives in the URL, so it can be shared: the selected machine, the camera (not in
// visitor mode, whose camera tours on its own), in replay the instant shown (`at`, ISO
// 8601) and the speed it plays at (`speed`), and the experiment on show (`experiment`).
// Written a moment after the last change, not on every frame of a camera move or of playback.
import type { Playback } from './replay/playback.ts';
import type { TwinScene } from './scene/twin-scene.ts';

const SAVE_AFTER_MS = 300;

export class ViewInUrl {
  // The view as the page was opened, whatever has been saved since.
  private readonly opened = new URLSearchParams(location.search);
  /** The device the URL named on load, to select once the scene is built. */
  readonly device = this.opened.get('device') ?? undefined;
  /** The instant the URL named (`at`), and the speed to play it at (`speed`), if any. */
  readonly at = parseInstant(this.opened.get('at'));
  readonly speed = positive(this.opened.get('speed'));
  private timer: number | undefined;
  private wroteAt = 0;

  constructor(
    private readonly scene: TwinScene,
    private readonly kiosk: boolean,
    private readonly playback: Playback,
  ) {
    scene.addEventListener('select', this.save);
    scene.addEventListener('change', this.save);
    scene.addEventListener('dispose', () => this.dispose());
    playback.addEventListener('change', this.save);
    playback.addEventListener('tick', this.follow);
  }

  /** The experiment the URL named (`experiment`), to open in its panel. */
  readonly experiment = this.opened.get('experiment') ?? undefined;
  /** Where in its simulated replication the link was: the arm shown and the simulated second (`arm`, `simt`). */
  readonly playAt = (() => {
    const arm = this.opened.get('arm');
    const seconds = Number(this.opened.get('simt'));
    return arm && this.opened.get('simt') !== null && Number.isFinite(seconds) ? { arm, seconds } : undefined;
  })();

  /** Names the experiment on show in the link (undefined: none), so the link shows the same result. */
  setExperiment(id: string | undefined): void {
    const p = new URLSearchParams(location.search);
    if (id === undefined) p.delete('experiment');
    else p.set('experiment', id);
    history.replaceState(null, '', `?${p}`);
  }

  /** Puts the camera where the URL says; false when it says nothing usable. */
  restoreCamera(): boolean {
    const cam = this.opened.get('cam')?.split(',').map(Number);
    if (cam?.length !== 6 || !cam.every(Number.isFinite)) return false;
    this.scene.camera.position.set(cam[0]!, cam[1]!, cam[2]!);
    this.scene.controls.target.set(cam[3]!, cam[4]!, cam[5]!);
    this.scene.controls.update();
    return true;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.scene.removeEventListener('select', this.save);
    this.scene.removeEventListener('change', this.save);
    this.playback.removeEventListener('change', this.save);
    this.playback.removeEventListener('tick', this.follow);
  }

  /** While playing, the link follows the playhead about once a second. */
  private readonly follow = () => {
    const now = performance.now();
    if (now - this.wroteAt < 1000) return;
    this.wroteAt = now;
    this.save();
  };

  private readonly save = () => {
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => {
      const p = new URLSearchParams(location.search);
      const selected = this.scene.selected;
      if (selected) p.set('device', selected);
      else p.delete('device');
      const c = this.scene.camera.position;
      const t = this.scene.controls.target;
      if (!this.kiosk) p.set('cam', [c.x, c.y, c.z, t.x, t.y, t.z].map((n) => n.toFixed(2)).join(','));
      // A simulated replication playing: the arm and the simulated second, not an instant of the record.
      const sim = this.playback.mode === 'scenario' ? this.playback.scenario : undefined;
      if (sim && !this.kiosk) {
        p.set('arm', sim.shown);
        p.set('simt', String(Math.round(sim.arms[sim.shown]!.seconds)));
      } else {
        p.delete('arm');
        p.delete('simt');
      }
      // The kiosk's loop is its own: its link keeps saying `replay=`, not an instant.
      if (this.playback.mode === 'replay' && !this.kiosk) {
        p.set('at', new Date(this.playback.at).toISOString());
        if (this.playback.playing) p.set('speed', String(this.playback.speed));
        else p.delete('speed');
      } else if (!this.kiosk) {
        // Not in replay: no instant of the record (a scenario's time is `simt`).
        p.delete('at');
        p.delete('speed');
      }
      history.replaceState(null, '', `?${p}`);
    }, SAVE_AFTER_MS);
  };
}

/** An ISO 8601 time with its zone, or epoch ms; undefined for anything else. */
export function parseInstant(s: string | null): number | undefined {
  if (!s) return undefined;
  if (/^\d{10,}$/.test(s)) return Number(s);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/i.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
}

function positive(s: string | null): number | undefined {
  const n = Number(s);
  return s !== null && Number.isFinite(n) && n > 0 ? n : undefined;
}
