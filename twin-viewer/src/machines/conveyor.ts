// A belt conveyor whose carriers move with belt.speed (m/s); carriers are instanced.
import * as THREE from 'three';
import type { Targets } from './bindings.ts';
import type { Machine } from './machine.ts';
import { disposeOwned, geo, mat, mesh, tintable } from './parts.ts';
import { STATUS_COLOR, type Status } from './status.ts';

const LENGTH = 7;
const CARRIERS = 8;

export class Conveyor implements Machine {
  readonly object = new THREE.Group();
  readonly labelHeight = 1.1;
  private readonly carriers = new THREE.InstancedMesh(geo.box(), mat.carrier(), CARRIERS);
  private readonly light = tintable(0x888888, true);
  private offset = 0;
  private readonly m = new THREE.Matrix4();

  constructor() {
    this.object.add(mesh(geo.box(), mat.belt(), [LENGTH, 0.08, 0.6], [0, 0.75, 0]));
    for (const x of [-LENGTH / 2 + 0.2, 0, LENGTH / 2 - 0.2]) for (const z of [-0.25, 0.25]) this.object.add(mesh(geo.box(), mat.metal(), [0.06, 0.72, 0.06], [x, 0.36, z]));
    this.object.add(this.carriers, mesh(geo.sphere(), this.light, [0.08, 0.08, 0.08], [LENGTH / 2, 1, 0.35]));
    this.place();
  }

  private place(): void {
    for (let i = 0; i < CARRIERS; i++) {
      const x = ((((i / CARRIERS) * LENGTH + this.offset) % LENGTH) + LENGTH) % LENGTH - LENGTH / 2;
      this.m.makeScale(0.35, 0.12, 0.35).setPosition(x, 0.85, 0);
      this.carriers.setMatrixAt(i, this.m);
    }
    this.carriers.instanceMatrix.needsUpdate = true;
  }

  update(t: Targets, status: Status, dt: number): boolean {
    this.light.color.setHex(STATUS_COLOR[status]);
    this.light.emissive.setHex(STATUS_COLOR[status]);
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
