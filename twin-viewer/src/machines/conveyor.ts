// A belt conveyor on legs: side rails, end rollers, a drive motor, and cleats that move with
// belt.speed (m/s) so a running belt reads as running. Parts on it are the material flow's.
import * as THREE from 'three';
import type { Targets } from './bindings.ts';
import type { Machine, MaterialPoints } from './machine.ts';
import { disposeOwned, geo, mat, mesh, setTint, tinted } from './parts.ts';
import { STATUS_COLOR, type Status } from './status.ts';

/** As long as the simulated line's belt (LineFlow's beltLength), so parts leave it when it says. */
const LENGTH = 8;
const TOP = 0.82;
const CLEATS = 16;

export class Conveyor implements Machine {
  readonly object = new THREE.Group();
  readonly labelHeight = 1.2;
  readonly points: MaterialPoints;
  private readonly cleats: THREE.Mesh[] = [];
  private readonly light = tinted(geo.sphere(), mat.glow(), [0.07, 0.07, 0.07], [LENGTH / 2 - 0.1, 1.32, 0.42], 0x888888);
  private offset = 0;

  constructor() {
    const o = this.object;
    o.add(mesh(geo.box(), mat.belt(), [LENGTH, 0.04, 0.56], [0, TOP - 0.02, 0]));
    for (const z of [-0.31, 0.31]) o.add(mesh(geo.box(), mat.metal(), [LENGTH + 0.1, 0.1, 0.04], [0, TOP - 0.03, z]));
    for (const x of [-LENGTH / 2, LENGTH / 2]) o.add(mesh(geo.drum(), mat.metal(), [0.1, 0.1, 0.58], [x, TOP - 0.05, 0]));
    for (const x of [-LENGTH / 2 + 0.2, -1.3, 1.3, LENGTH / 2 - 0.2]) {
      for (const z of [-0.27, 0.27]) o.add(mesh(geo.box(), mat.steel(), [0.05, TOP - 0.08, 0.05], [x, (TOP - 0.08) / 2, z]));
      o.add(mesh(geo.box(), mat.steel(), [0.04, 0.04, 0.54], [x, 0.18, 0]));
    }
    o.add(mesh(geo.rounded(), mat.steel(), [0.22, 0.2, 0.2], [LENGTH / 2 - 0.25, TOP - 0.22, -0.45]));
    o.add(mesh(geo.drum(), mat.dark(), [0.14, 0.14, 0.12], [LENGTH / 2 - 0.25, TOP - 0.22, -0.3]));
    o.add(mesh(geo.box(), mat.metal(), [0.03, 0.5, 0.03], [LENGTH / 2 - 0.1, 1.05, 0.42]), this.light);
    for (let i = 0; i < CLEATS; i++) {
      const c = mesh(geo.box(), mat.steel(), [0.03, 0.012, 0.5], [0, TOP + 0.006, 0]);
      this.cleats.push(c);
      o.add(c);
    }
    const start = new THREE.Object3D();
    start.position.set(-LENGTH / 2 + 0.25, TOP + 0.05, 0);
    const end = new THREE.Object3D();
    end.position.set(LENGTH / 2 - 0.2, TOP + 0.05, 0);
    o.add(start, end);
    this.points = { beltStart: start, beltEnd: end };
    this.place();
  }

  private place(): void {
    this.cleats.forEach((c, i) => {
      c.position.x = ((((i / CLEATS) * LENGTH + this.offset) % LENGTH) + LENGTH) % LENGTH - LENGTH / 2;
    });
  }

  update(t: Targets, status: Status, dt: number): boolean {
    setTint(this.light, STATUS_COLOR[status]);
    const speed = typeof t['belt.speed'] === 'number' ? (t['belt.speed'] as number) : 0;
    if (speed <= 0 || status !== 'running') return false;
    this.offset += speed * dt;
    this.place();
    return true;
  }

  dispose(): void {
    disposeOwned(this.object);
  }
}
