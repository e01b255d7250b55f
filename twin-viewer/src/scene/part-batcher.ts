// Draws every mesh made of one shared geometry and one shared material (machines/parts.ts)
// as one InstancedMesh, across all machines: a site with ten printers costs the draw calls of
// one. The machines keep their own scene graph (joints, picking, visibility); their shared
// meshes move to a layer the camera does not draw, and each drawn frame copies their world
// matrices and tints into the instances. Made per build, freed with it.
import * as THREE from 'three';
import { isSharedPart, tintOf } from '../machines/parts.ts';

/** The layer of meshes drawn by a batch instead of by themselves; pick with it enabled. */
export const BATCHED_LAYER = 1;

interface Batch {
  readonly drawn: THREE.InstancedMesh;
  readonly meshes: THREE.Mesh[];
  readonly tinted: boolean;
}

const HIDDEN = new THREE.Matrix4().makeScale(0, 0, 0);
const WHITE = new THREE.Color(0xffffff);

export class PartBatcher {
  readonly object = new THREE.Group();
  private readonly batches: Batch[] = [];

  /** Takes over the shared meshes under `roots` (called once, after the machines are placed). */
  constructor(
    private readonly world: THREE.Object3D,
    roots: Iterable<THREE.Object3D>,
  ) {
    this.object.name = 'batched-parts';
    const groups = new Map<string, THREE.Mesh[]>();
    for (const root of roots) {
      root.traverse((o) => {
        if (!isSharedPart(o)) return;
        const material = o.material as THREE.Material;
        const key = `${o.geometry.uuid}/${material.uuid}`;
        let list = groups.get(key);
        if (!list) groups.set(key, (list = []));
        list.push(o);
        o.layers.set(BATCHED_LAYER);
      });
    }
    for (const meshes of groups.values()) {
      const first = meshes[0]!;
      const drawn = new THREE.InstancedMesh(first.geometry, first.material as THREE.Material, meshes.length);
      // The instances move every frame; a bounding sphere computed once would cull them wrongly.
      drawn.frustumCulled = false;
      drawn.castShadow = first.castShadow;
      drawn.receiveShadow = true;
      const tinted = meshes.some((m) => tintOf(m) !== undefined);
      if (tinted) for (let i = 0; i < meshes.length; i++) drawn.setColorAt(i, WHITE);
      this.batches.push({ drawn, meshes, tinted });
      this.object.add(drawn);
    }
  }

  /** How many instanced draws there are (one per geometry and material in use). */
  get size(): number {
    return this.batches.length;
  }

  /** Copies world matrices and tints; call after the machines moved and matrices are updated. */
  update(): void {
    for (const { drawn, meshes, tinted } of this.batches) {
      for (let i = 0; i < meshes.length; i++) {
        const m = meshes[i]!;
        drawn.setMatrixAt(i, this.shown(m) ? m.matrixWorld : HIDDEN);
        if (tinted) drawn.setColorAt(i, tintOf(m) ?? WHITE);
      }
      drawn.instanceMatrix.needsUpdate = true;
      if (drawn.instanceColor) drawn.instanceColor.needsUpdate = true;
    }
  }

  /** Frees the instance buffers; the geometry and material are the shared parts'. */
  dispose(): void {
    for (const b of this.batches) b.drawn.dispose();
    this.batches.length = 0;
    this.object.removeFromParent();
  }

  /** Visible itself and all the way up, and still in the world (a glTF placeholder is taken out). */
  private shown(o: THREE.Object3D): boolean {
    let at: THREE.Object3D | null = o;
    while (at) {
      if (!at.visible) return false;
      if (at === this.world) return true;
      at = at.parent;
    }
    return false;
  }
}
