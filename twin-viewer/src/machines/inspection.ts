// An inspection cell: a frame over a short table, a camera looking down through a ring light,
// a stack light showing the last verdict (verdict: 1 pass, -1 fail) and a reject bin beside it.
import * as THREE from 'three';
import type { Targets } from './bindings.ts';
import type { Machine, MaterialPoints } from './machine.ts';
import { disposeOwned, geo, mat, mesh, setTint, tinted } from './parts.ts';
import { STATUS_COLOR, type Status } from './status.ts';

const TOP = 0.82;
const PASS = 0x2ecc71;
const FAIL = 0xe74c3c;
const NONE = 0x59606a;

export class Inspection implements Machine {
  readonly object = new THREE.Group();
  readonly labelHeight = 2.15;
  readonly points: MaterialPoints;
  private readonly green = tinted(geo.cylinder(), mat.glow(), [0.09, 0.08, 0.09], [0.62, 2.0, 0.42], NONE);
  private readonly red = tinted(geo.cylinder(), mat.glow(), [0.09, 0.08, 0.09], [0.62, 2.09, 0.42], NONE);
  private readonly ringLight = tinted(geo.ring(), mat.glow(), [0.32, 0.32, 0.32], [0, 1.42, 0], 0xdfefff);
  private readonly light = tinted(geo.sphere(), mat.glow(), [0.07, 0.07, 0.07], [-0.62, 1.9, 0.42], 0x888888);

  constructor() {
    const o = this.object;
    o.add(mesh(geo.box(), mat.steel(), [1.3, 0.05, 0.6], [0, TOP - 0.025, 0]));
    o.add(mesh(geo.box(), mat.belt(), [1.3, 0.01, 0.5], [0, TOP + 0.005, 0]));
    for (const x of [-0.6, 0.6]) for (const z of [-0.25, 0.25]) o.add(mesh(geo.box(), mat.steel(), [0.04, TOP - 0.05, 0.04], [x, (TOP - 0.05) / 2, z]));
    // The frame round it, with a camera looking down.
    for (const x of [-0.68, 0.68]) for (const z of [-0.42, 0.42]) o.add(mesh(geo.box(), mat.metal(), [0.05, 1.86, 0.05], [x, 0.93, z]));
    for (const z of [-0.42, 0.42]) o.add(mesh(geo.box(), mat.metal(), [1.41, 0.05, 0.05], [0, 1.86, z]));
    for (const x of [-0.68, 0.68]) o.add(mesh(geo.box(), mat.metal(), [0.05, 0.05, 0.89], [x, 1.86, 0]));
    o.add(mesh(geo.box(), mat.metal(), [1.41, 0.05, 0.05], [0, 1.86, 0]));
    o.add(mesh(geo.rounded(), mat.dark(), [0.12, 0.16, 0.12], [0, 1.74, 0]));
    o.add(mesh(geo.cylinder(), mat.dark(), [0.07, 0.1, 0.07], [0, 1.62, 0]));
    o.add(this.ringLight);
    for (const x of [-0.68, 0.68]) o.add(mesh(geo.box(), mat.glass(), [0.01, 1.0, 0.84], [x, TOP + 0.5, 0]));
    // Stack light (verdict) and status light on the frame's front corners.
    o.add(mesh(geo.cylinder(), mat.dark(), [0.07, 0.1, 0.07], [0.62, 1.91, 0.42]), this.green, this.red, this.light);
    o.add(mesh(geo.rounded(), mat.robot(), [0.4, 0.32, 0.34], [0, 0.16, -0.75]));
    const cell = new THREE.Object3D();
    cell.position.set(0, TOP + 0.05, 0);
    const reject = new THREE.Object3D();
    reject.position.set(0, 0.36, -0.75);
    o.add(cell, reject);
    this.points = { cell, reject };
  }

  update(t: Targets, status: Status): boolean {
    const v = t.verdict;
    setTint(this.green, v === 1 ? PASS : NONE);
    setTint(this.red, v === -1 ? FAIL : NONE);
    setTint(this.light, STATUS_COLOR[status]);
    return false;
  }

  dispose(): void {
    disposeOwned(this.object);
  }
}
