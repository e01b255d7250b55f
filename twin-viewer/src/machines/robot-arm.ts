// A six-axis arm whose joints take the angles its profile binds (joint1..6.rotation, radians):
// a pedestal, a turret, an upper arm and a tapering forearm between joint housings, a wrist
// and a two-finger gripper (gripper.closed). The status light sits on the pedestal.
import * as THREE from 'three';
import type { Targets } from './bindings.ts';
import type { Machine, MaterialPoints } from './machine.ts';
import { disposeOwned, geo, mat, mesh, setTint, tinted } from './parts.ts';
import { STATUS_COLOR, type Status } from './status.ts';

const FINGER_OPEN = 0.13;
const FINGER_CLOSED = 0.107;

export class RobotArm implements Machine {
  readonly object = new THREE.Group();
  readonly labelHeight = 1.9;
  /** joints[0] turns about the vertical; 1, 2, 4 pitch; 3, 5 roll. */
  readonly joints: THREE.Group[] = [];
  readonly points: MaterialPoints;
  private readonly fingers: THREE.Mesh[] = [];
  private readonly light = tinted(geo.sphere(), mat.glow(), [0.07, 0.07, 0.07], [0.24, 0.2, 0], 0x888888);

  constructor() {
    const o = this.object;
    o.add(mesh(geo.cylinder(), mat.steel(), [0.46, 0.08, 0.46], [0, 0.04, 0]));
    o.add(mesh(geo.cylinder(), mat.dark(), [0.34, 0.22, 0.34], [0, 0.19, 0]));
    o.add(mesh(geo.box(), mat.steel(), [0.03, 0.12, 0.03], [0.24, 0.1, 0]), this.light);
    const j1 = this.joint(o, [0, 0.3, 0]);
    j1.add(mesh(geo.cylinder(), mat.robot(), [0.3, 0.16, 0.3], [0, 0.08, 0]));
    j1.add(mesh(geo.rounded(), mat.robot(), [0.2, 0.22, 0.24], [0, 0.22, 0]));
    const j2 = this.joint(j1, [0, 0.3, 0]);
    j2.add(mesh(geo.drum(), mat.dark(), [0.2, 0.2, 0.3], [0, 0, 0]));
    j2.add(mesh(geo.rounded(), mat.robot(), [0.15, 0.62, 0.13], [0, 0.275, 0.1]));
    const j3 = this.joint(j2, [0, 0.55, 0]);
    j3.add(mesh(geo.drum(), mat.dark(), [0.16, 0.16, 0.26], [0, 0, 0]));
    j3.add(mesh(geo.rounded(), mat.dark(), [0.1, 0.14, 0.1], [0, -0.09, 0]));
    j3.add(mesh(geo.taper(), mat.robot(), [0.12, 0.46, 0.12], [0, 0.25, 0]));
    const j4 = this.joint(j3, [0, 0.5, 0]);
    j4.add(mesh(geo.cylinder(), mat.metal(), [0.09, 0.08, 0.09], [0, 0.04, 0]));
    const j5 = this.joint(j4, [0, 0.08, 0]);
    j5.add(mesh(geo.drum(), mat.dark(), [0.09, 0.09, 0.11], [0, 0, 0]));
    j5.add(mesh(geo.box(), mat.metal(), [0.07, 0.1, 0.07], [0, 0.06, 0]));
    const j6 = this.joint(j5, [0, 0.12, 0]);
    j6.add(mesh(geo.cylinder(), mat.metal(), [0.08, 0.02, 0.08], [0, 0.01, 0]));
    j6.add(mesh(geo.rounded(), mat.dark(), [0.3, 0.04, 0.07], [0, 0.035, 0]));
    for (const side of [-1, 1]) {
      const f = mesh(geo.box(), mat.metal(), [0.018, 0.09, 0.05], [side * FINGER_OPEN, 0.1, 0]);
      this.fingers.push(f);
      j6.add(f);
    }
    const grip = new THREE.Object3D();
    grip.position.set(0, 0.11, 0);
    j6.add(grip);
    this.points = { grip };
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
    this.fingers.forEach((f, i) => (f.position.x = (i === 0 ? -1 : 1) * (closed ? FINGER_CLOSED : FINGER_OPEN)));
    setTint(this.light, STATUS_COLOR[status]);
    return false;
  }

  dispose(): void {
    disposeOwned(this.object);
  }
}
