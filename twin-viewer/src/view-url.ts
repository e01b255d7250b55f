// The view lives in the URL, so it can be shared: the selected machine and the camera
// (not in visitor mode, whose camera tours on its own). Written a moment after the last
// change, not on every frame of a camera move.
import type { TwinScene } from './scene/twin-scene.ts';

const SAVE_AFTER_MS = 300;

export class ViewInUrl {
  // The view as the page was opened, whatever has been saved since.
  private readonly opened = new URLSearchParams(location.search);
  /** The device the URL named on load, to select once the scene is built. */
  readonly device = this.opened.get('device') ?? undefined;
  private timer: number | undefined;

  constructor(
    private readonly scene: TwinScene,
    private readonly kiosk: boolean,
  ) {
    scene.addEventListener('select', this.save);
    scene.addEventListener('change', this.save);
    scene.addEventListener('dispose', () => this.dispose());
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
  }

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
      history.replaceState(null, '', `?${p}`);
    }, SAVE_AFTER_MS);
  };
}
