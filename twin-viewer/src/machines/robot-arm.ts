// A six-axis arm whose joints take the angles its profile binds (joint1..6.rotation, radians).
import * as THREE from 'three';
import type { Targets } from './bindings.ts';
import type { Machine } from './machine.ts';
import { disposeOwned, geo, mat, mesh, tintable } from './parts.ts';
import { STATUS_COLOR, type Status } from './status.ts';

export class RobotArm implements Machine {
  readonly object = new THREE.Group();
  readonly labelHeight = 1.9;
  /** joints[0] turns about the vertical; 1, 2, 4 pitch; 3, 5 roll. */
  readonly joints: THREE.Group[] = [];
  private readonly fingers: THREE.Mesh[] = [];
  private readonly light = tintable(0x888888, true);

  constructor() {
    const base = mesh(geo.cylinder(), mat.dark(), [0.5, 0.3, 0.5], [0, 0.15, 0]);
    this.object.add(base);
    const j1 = this.joint(this.object, [0, 0.3, 0]);
    j1.add(mesh(geo.cylinder(), mat.robot(), [0.36, 0.25, 0.36], [0, 0.12, 0]));
    const j2 = this.joint(j1, [0, 0.3, 0]);
    j2.add(mesh(geo.box(), mat.robot(), [0.16, 0.55, 0.16], [0, 0.27, 0]));
    const j3 = this.joint(j2, [0, 0.55, 0]);
    j3.add(mesh(geo.box(), mat.robot(), [0.13, 0.5, 0.13], [0, 0.25, 0]));
    const j4 = this.joint(j3, [0, 0.5, 0]);
    j4.add(mesh(geo.cylinder(), mat.metal(), [0.1, 0.08, 0.1], [0, 0.04, 0]));
    const j5 = this.joint(j4, [0, 0.08, 0]);
    j5.add(mesh(geo.box(), mat.metal(), [0.08, 0.12, 0.08], [0, 0.06, 0]));
    const j6 = this.joint(j5, [0, 0.12, 0]);
    j6.add(mesh(geo.box(), mat.dark(), [0.16, 0.03, 0.05], [0, 0.015, 0]));
    for (const side of [-1, 1]) {
      const f = mesh(geo.box(), mat.dark(), [0.02, 0.08, 0.04], [side * 0.06, 0.07, 0]);
      this.fingers.push(f);
      j6.add(f);
    }
    const lamp = mesh(geo.sphere(), this.light, [0.1, 0.1, 0.1], [0.22, 0.3, 0]);
    this.object.add(lamp);
  }

  private joint(parent: THREE.Object3D, at: [number, number, number]): THREE.Group {
    const g = new THREE.Group();
    g.position.set(...at);
    parent.add(g);
    this.joints.push(g);
    return g;
  }

  update(t: Targets, status: Status): boolean {
    const angle = (i: number) => (typeof t[`joint${i}.rotation`] === 'number' ? (t[`joint${i}.rotation`] as number) : undefined);
    const [a1, a2, a3, a4, a5, a6] = [1, 2, 3, 4, 5, 6].map(angle);
    const [j1, j2, j3, j4, j5, j6] = this.joints as [THREE.Group, THREE.Group, THREE.Group, THREE.Group, THREE.Group, THREE.Group];
    // Axis 1 turns the whole arm; the pitch axes are offset so that the home pose
    // (0, -90, 90, 0, 90, 0 degrees) stands the upper arm up with the forearm forward.
    if (a1 !== undefined) j1.rotation.y = a1;
    if (a2 !== undefined) j2.rotation.z = -(a2 + Math.PI / 2);
    if (a3 !== undefined) j3.rotation.z = -a3;
    if (a4 !== undefined) j4.rotation.y = a4;
    if (a5 !== undefined) j5.rotation.z = -a5 + Math.PI / 2;
    if (a6 !== undefined) j6.rotation.y = a6;
    const closed = t['gripper.closed'] === 1;
    this.fingers.forEach((f, i) => (f.position.x = (i === 0 ? -1 : 1) * (closed ? 0.03 : 0.06)));
    this.light.color.setHex(STATUS_COLOR[status]);
    this.light.emissive.setHex(STATUS_COLOR[status]);
    return false;
  }

  dispose(): void {
    disposeOwned(this.object);
  }
}
