// An inspection cell: a gantry with a camera and a lamp showing the last verdict (1 pass, -1 fail).
import * as THREE from 'three';
import type { Targets } from './bindings.ts';
import type { Machine } from './machine.ts';
import { disposeOwned, geo, mat, mesh, tintable } from './parts.ts';
import { STATUS_COLOR, type Status } from './status.ts';

export class Inspection implements Machine {
  readonly object = new THREE.Group();
  readonly labelHeight = 1.8;
  private readonly verdict = tintable(0x8a8f96, true);
  private readonly light = tintable(0x888888, true);

  constructor() {
    for (const x of [-0.6, 0.6]) this.object.add(mesh(geo.box(), mat.metal(), [0.08, 1.5, 0.08], [x, 0.75, 0]));
    this.object.add(mesh(geo.box(), mat.metal(), [1.3, 0.08, 0.08], [0, 1.5, 0]));
    this.object.add(mesh(geo.box(), mat.dark(), [0.15, 0.15, 0.2], [0, 1.38, 0]));
    this.object.add(mesh(geo.sphere(), this.verdict, [0.16, 0.16, 0.16], [0.6, 1.62, 0]));
    this.object.add(mesh(geo.sphere(), this.light, [0.08, 0.08, 0.08], [-0.6, 1.62, 0]));
  }

  update(t: Targets, status: Status): boolean {
    const v = t.verdict;
    this.verdict.color.setHex(v === 1 ? 0x2ecc71 : v === -1 ? 0xe74c3c : 0x8a8f96);
    this.verdict.emissive.copy(this.verdict.color);
    this.light.color.setHex(STATUS_COLOR[status]);
    this.light.emissive.setHex(STATUS_COLOR[status]);
    return false;
  }

  dispose(): void {
    disposeOwned(this.object);
  }
}
