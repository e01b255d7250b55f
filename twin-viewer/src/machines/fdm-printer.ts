// An FDM printer: frame, bed and nozzle coloured by temperature, a print head that moves
// while printing, and the part growing with progress (part.progress, 0..1).
import * as THREE from 'three';
import type { Targets } from './bindings.ts';
import type { Machine } from './machine.ts';
import { disposeOwned, geo, mat, mesh, tintable } from './parts.ts';
import { STATUS_COLOR, type Status } from './status.ts';

export class FdmPrinter implements Machine {
  readonly object = new THREE.Group();
  readonly labelHeight = 1.35;
  readonly part: THREE.Mesh;
  readonly head: THREE.Group;
  private readonly bed = tintable(0x5d8aa8);
  private readonly nozzle = tintable(0x5d8aa8);
  private readonly light = tintable(0x888888, true);
  private phase = Math.random() * Math.PI * 2;
  private readonly bedPlate: THREE.Mesh;

  constructor() {
    const table = mesh(geo.box(), mat.dark(), [0.8, 0.5, 0.7], [0, 0.25, 0]);
    const frame = new THREE.LineSegments(geo.frameEdges(), mat.frameLine());
    frame.position.set(0, 0.85, 0);
    const bedPlate = mesh(geo.box(), this.bed, [0.5, 0.03, 0.5], [0, 0.56, 0]);
    this.bedPlate = bedPlate;
    this.part = mesh(geo.cylinder(), tintable(0xe8e8e8), [0.16, 0.001, 0.16], [0, 0.575, 0]);
    this.head = new THREE.Group();
    this.head.position.set(0, 0.95, 0);
    this.head.add(mesh(geo.box(), mat.metal(), [0.12, 0.1, 0.1]));
    const tip = mesh(geo.cone(), this.nozzle, [0.04, 0.06, 0.04], [0, -0.08, 0]);
    tip.rotation.x = Math.PI;
    this.head.add(tip);
    const lamp = mesh(geo.sphere(), this.light, [0.07, 0.07, 0.07], [0.3, 1.22, 0.3]);
    this.object.add(table, frame, bedPlate, this.part, this.head, lamp);
  }

  update(t: Targets, status: Status, dt: number): boolean {
    const progress = typeof t['part.progress'] === 'number' ? (t['part.progress'] as number) : 0;
    const height = Math.max(0.001, progress * 0.25);
    this.part.scale.y = height;
    this.part.position.y = 0.575 + height / 2;
    if (typeof t['nozzle.color'] === 'number') this.nozzle.color.setHex(t['nozzle.color'] as number);
    if (typeof t['bed.color'] === 'number') this.bed.color.setHex(t['bed.color'] as number);
    this.light.color.setHex(STATUS_COLOR[status]);
    this.light.emissive.setHex(STATUS_COLOR[status]);
    const moving = status === 'running' && progress > 0;
    if (moving) {
      // Like a bed-slinger: the head moves in x, the bed (with the part) in z, tracing the outline.
      this.phase += dt * 3;
      const z = Math.sin(this.phase) * 0.08;
      this.head.position.set(Math.cos(this.phase) * 0.08, 0.6 + height + 0.06, 0);
      this.bedPlate.position.z = -z;
      this.part.position.z = -z;
    }
    return moving;
  }

  dispose(): void {
    disposeOwned(this.object);
  }
}
