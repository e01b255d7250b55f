// The parts of a simulated line, where the line model has them: queued in each station's
// buffer (in rows beside the station) and held by its machines (on a printer's bed, in a
// robot's gripper, in the inspection cell), as a discrete-event model knows them. The live
// material flow animates parts between signals; a simulation has no signals, only where each
// part is at each instant, so while a scenario plays this takes the flow's place. One
// InstancedMesh over a fixed pool: nothing is allocated per frame.
import * as THREE from 'three';
import type { LiveSnapshot } from '../../../gateway/src/core/live-events.ts';
import type { LineStock } from '../live/shown-state.ts';
import { HOUSING } from '../machines/fdm-printer.ts';
import { geo, tintable } from '../machines/parts.ts';
import type { PlacedMachine } from './twin-scene.ts';

const POOL = 400;
const PER_ROW = 6;
const GAP = 0.26;

export class StationStock {
  readonly object: THREE.InstancedMesh;
  /** Parts drawn at the last update, and where, for tests. */
  drawn = 0;
  private readonly material = tintable(0xd9dde2);
  private readonly m = new THREE.Matrix4();
  private readonly v = new THREE.Vector3();
  private readonly w = new THREE.Vector3();
  private readonly q = new THREE.Quaternion();
  private readonly s = new THREE.Vector3(...HOUSING);
  private readonly stations: { id: string; at: THREE.Vector3 }[];

  constructor(
    snapshot: LiveSnapshot,
    toWorld: (p: { x: number; y: number }, height: number) => THREE.Vector3,
  ) {
    this.object = new THREE.InstancedMesh(geo.housing(), this.material, POOL);
    this.object.name = 'station-stock';
    this.object.count = 0;
    this.object.frustumCulled = false;
    this.object.visible = false;
    // A station's queue starts at the front edge of its area, on the floor.
    this.stations = snapshot.lines.flatMap((l) =>
      l.stations.map((st) => ({ id: st.id, at: toWorld({ x: st.position.x - (st.size?.width ?? 2) / 2 + 0.2, y: st.position.y - (st.size?.depth ?? 2) / 2 - 0.3 }, HOUSING[1] / 2) })),
    );
  }

  /** Shows `stock` (undefined: nothing, the live flow shows parts). */
  update(stock: LineStock | undefined, machines: Iterable<PlacedMachine>): void {
    this.object.visible = stock !== undefined;
    if (!stock) {
      this.drawn = 0;
      this.object.count = 0;
      return;
    }
    let n = 0;
    const put = (p: THREE.Vector3) => {
      if (n >= POOL) return;
      this.m.compose(p, this.q, this.s);
      this.object.setMatrixAt(n++, this.m);
    };
    for (const st of this.stations) {
      const level = stock.bufferAt(st.id);
      // Rows of six along the station's front, six rows deep, then a layer up.
      for (let i = 0; i < level && n < POOL; i++) put(this.v.copy(st.at).add(this.w.set((i % PER_ROW) * GAP, Math.floor(i / (PER_ROW * PER_ROW)) * HOUSING[1], -(Math.floor(i / PER_ROW) % PER_ROW) * GAP)));
    }
    for (const m of machines) {
      if (!stock.holds(m.device.id)) continue;
      const point = m.machine.points?.bed ?? m.machine.points?.grip ?? m.machine.points?.cell;
      if (point) point.getWorldPosition(this.v);
      else this.v.copy(m.machine.object.position).setY(m.machine.labelHeight * 0.5);
      put(this.v);
    }
    this.drawn = n;
    this.object.count = n;
    this.object.instanceMatrix.needsUpdate = true;
  }

  dispose(): void {
    this.object.dispose();
    this.material.dispose();
    this.object.removeFromParent();
  }
}
