// An FDM printer on its workbench, in the style of a bed-slinger (Prusa MK4): a portal frame,
// a gantry that climbs with the layers, a hot end running along it, a heated bed moving front
// to back, a filament spool on top. Bed and nozzle are coloured by temperature; the part grows
// with progress (part.progress, 0..1). A finished part belongs to the material flow.
import * as THREE from 'three';
import type { Targets } from './bindings.ts';
import type { Machine, MaterialPoints } from './machine.ts';
import { disposeOwned, geo, mat, mesh, setTint, tinted } from './parts.ts';
import { STATUS_COLOR, type Status } from './status.ts';

/** The bed's top, above the floor. */
const BED_Y = 0.846;
/** A housing's size; the material flow's parts have the same. */
export const HOUSING: [number, number, number] = [0.2, 0.08, 0.14];
const FILAMENT = 0xd9dde2;

export class FdmPrinter implements Machine {
  readonly object = new THREE.Group();
  readonly labelHeight = 1.65;
  readonly points: MaterialPoints;
  readonly part: THREE.Mesh;
  readonly head = new THREE.Group();
  private readonly gantry = new THREE.Group();
  private readonly bed = new THREE.Group();
  private readonly plate = tinted(geo.box(), mat.paint(), [0.36, 0.012, 0.36], [0, -0.006, 0], 0x5d8aa8);
  private readonly nozzle = tinted(geo.cone(), mat.glow(), [0.02, 0.03, 0.02], [0, -0.055, 0], 0x5d8aa8);
  private readonly light = tinted(geo.sphere(), mat.glow(), [0.05, 0.05, 0.05], [0.27, 1.38, 0], 0x888888);
  private phase = Math.random() * Math.PI * 2;

  constructor() {
    const o = this.object;
    // The workbench.
    o.add(mesh(geo.box(), mat.steel(), [0.9, 0.04, 0.75], [0, 0.73, 0]));
    for (const x of [-0.41, 0.41]) for (const z of [-0.33, 0.33]) o.add(mesh(geo.box(), mat.dark(), [0.04, 0.71, 0.04], [x, 0.355, z]));
    // Base, portal frame and the spool on its holder.
    o.add(mesh(geo.rounded(), mat.dark(), [0.5, 0.07, 0.52], [0, 0.785, 0]));
    for (const x of [-0.24, 0.24]) o.add(mesh(geo.box(), mat.metal(), [0.04, 0.52, 0.04], [x, 1.07, 0]));
    o.add(mesh(geo.box(), mat.dark(), [0.52, 0.045, 0.05], [0, 1.33, 0]));
    o.add(mesh(geo.box(), mat.metal(), [0.012, 0.09, 0.012], [0, 1.4, 0]));
    const spool = new THREE.Group();
    spool.position.set(0, 1.47, 0);
    spool.rotation.y = Math.PI / 2;
    spool.add(tinted(geo.drum(), mat.paint(), [0.19, 0.19, 0.055], [0, 0, 0], FILAMENT));
    for (const z of [-0.032, 0.032]) spool.add(mesh(geo.drum(), mat.dark(), [0.22, 0.22, 0.008], [0, 0, z]));
    o.add(spool);
    // The bed, with what is printed on it.
    this.bed.position.set(0, BED_Y, 0);
    this.bed.add(this.plate);
    this.part = tinted(geo.housing(), mat.paint(), [HOUSING[0], 0.001, HOUSING[2]], [0, 0, 0], FILAMENT);
    this.part.visible = false;
    this.bed.add(this.part);
    const finished = new THREE.Object3D();
    finished.position.set(0, HOUSING[1] / 2, 0);
    this.bed.add(finished);
    // The gantry climbs with the layers; the hot end runs along it.
    this.gantry.add(mesh(geo.box(), mat.dark(), [0.46, 0.03, 0.03], [0, 0.02, -0.035]));
    this.head.add(mesh(geo.rounded(), mat.robot(), [0.07, 0.08, 0.07], [0, 0.02, 0]));
    this.head.add(mesh(geo.box(), mat.metal(), [0.03, 0.02, 0.03], [0, -0.03, 0]));
    const tip = this.nozzle;
    tip.rotation.x = Math.PI;
    this.head.add(tip);
    this.gantry.add(this.head);
    this.gantry.position.set(0, BED_Y + 0.08, 0);
    o.add(this.bed, this.gantry, this.light);
    this.points = { bed: finished };
  }

  update(t: Targets, status: Status, dt: number): boolean {
    const progress = typeof t['part.progress'] === 'number' ? (t['part.progress'] as number) : 0;
    const height = Math.max(0.001, progress * HOUSING[1]);
    // A finished part is the material flow's: it waits on the bed for the robot from there.
    this.part.visible = progress > 0 && progress < 0.999;
    this.part.scale.y = height;
    this.part.position.y = height / 2;
    if (typeof t['nozzle.color'] === 'number') setTint(this.nozzle, t['nozzle.color'] as number);
    if (typeof t['bed.color'] === 'number') setTint(this.plate, t['bed.color'] as number);
    setTint(this.light, STATUS_COLOR[status]);
    this.gantry.position.y = BED_Y + height + 0.065;
    const moving = status === 'running' && progress > 0 && progress < 0.999;
    if (moving) {
      // Like a bed-slinger: the hot end moves in x, the bed (with the part) in z, tracing the outline.
      this.phase += dt * 3;
      this.head.position.x = Math.cos(this.phase) * 0.09;
      this.bed.position.z = -Math.sin(this.phase) * 0.06;
    }
    return moving;
  }

  dispose(): void {
    disposeOwned(this.object);
  }
}
