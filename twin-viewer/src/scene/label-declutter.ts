// Labels never overlap: after the CSS2D labels are placed, each is projected to the screen,
// the labels are ranked (the selected machine, then alarmed ones, then machines, then
// stations; nearer before farther) and a label that would overlap a higher-ranked one is
// hidden until the camera or the text makes room for it. The ranking reads the classes the
// scene already sets (`selected`, `alarmed`, `machine-label`), so the scene needs no
// second notion of importance. Runs on drawn frames only; it reuses its entries and vector,
// and reads the labels' sizes once per frame, after the scene has written them.
import * as THREE from 'three';
import { CSS2DObject } from 'three/addons/renderers/CSS2DRenderer.js';

/** The class of a label hidden because a more important one stands where it would. */
export const DECLUTTERED = 'decluttered';

// Room kept between two labels so that borders do not touch.
const GAP_PX = 2;

interface Entry {
  readonly object: CSS2DObject;
  readonly element: HTMLElement;
  rank: number;
  distance: number;
  left: number;
  top: number;
  right: number;
  bottom: number;
  /** In view this frame (the CSS2D renderer shows it: in front of the camera, inside the frustum). */
  shown: boolean;
}

export class LabelDeclutter {
  private entries: Entry[] = [];
  /** The entries kept this frame, by rank; reused between frames. */
  private readonly kept: Entry[] = [];
  private readonly at = new THREE.Vector3();
  private width = 1;
  private height = 1;

  /** Takes every CSS2D label under `root` (after a build); forgets the ones before. */
  track(root: THREE.Object3D | undefined): void {
    for (const e of this.entries) e.element.classList.remove(DECLUTTERED);
    this.entries = [];
    this.kept.length = 0;
    root?.traverse((o) => {
      if (o instanceof CSS2DObject) this.entries.push({ object: o, element: o.element, rank: 0, distance: 0, left: 0, top: 0, right: 0, bottom: 0, shown: false });
    });
  }

  setSize(width: number, height: number): void {
    this.width = width;
    this.height = height;
  }

  /** Hides the labels that overlap a higher-ranked one; call after the CSS2D renderer drew. */
  update(camera: THREE.Camera): void {
    const halfW = this.width / 2;
    const halfH = this.height / 2;
    for (const e of this.entries) {
      // The CSS2D renderer hides labels behind the camera or outside the view with display: none.
      e.shown = e.element.style.display !== 'none' && e.element.isConnected;
      if (!e.shown) continue;
      const cls = e.element.classList;
      e.rank = cls.contains('selected') ? 0 : cls.contains('alarmed') ? 1 : cls.contains('machine-label') ? 2 : 3;
      e.object.getWorldPosition(this.at);
      e.distance = this.at.distanceTo(camera.position);
      this.at.project(camera);
      // The CSS2D renderer centres each label on its projected point (translate -50% -50%).
      const x = this.at.x * halfW + halfW;
      const y = -this.at.y * halfH + halfH;
      // offsetWidth ignores transforms: the label's own box, whatever its position.
      const w = e.element.offsetWidth / 2 + GAP_PX;
      const h = e.element.offsetHeight / 2 + GAP_PX;
      e.left = x - w;
      e.right = x + w;
      e.top = y - h;
      e.bottom = y + h;
    }
    this.entries.sort(byRankThenDistance);
    this.kept.length = 0;
    for (const e of this.entries) {
      if (!e.shown) continue;
      const hidden = overlapsAny(e, this.kept);
      if (!hidden) this.kept.push(e);
      // toggle touches the DOM only when the state changes.
      if (e.element.classList.contains(DECLUTTERED) !== hidden) e.element.classList.toggle(DECLUTTERED, hidden);
    }
  }
}

function byRankThenDistance(a: Entry, b: Entry): number {
  return a.rank - b.rank || a.distance - b.distance;
}

function overlapsAny(e: Entry, kept: readonly Entry[]): boolean {
  for (const k of kept) if (e.left < k.right && e.right > k.left && e.top < k.bottom && e.bottom > k.top) return true;
  return false;
}
