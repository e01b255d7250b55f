// Geometries and materials shared by every machine of a kind: one GPU buffer per shape,
// few triangles each (software GL pays per vertex, and the shadow pass draws them twice),
// however many printers stand on the floor. They belong to this module, not to a machine:
// machines never free them, and they are freed when the last scene using them is disposed.
// Meshes made only of shared parts are drawn instanced across machines (scene/part-batcher.ts),
// so a part whose colour follows data keeps the shared material and carries a tint instead.
import * as THREE from 'three';
import { RoundedBoxGeometry } from 'three/addons/geometries/RoundedBoxGeometry.js';
import { CSS2DObject } from 'three/addons/renderers/CSS2DRenderer.js';

const cache = new Map<string, THREE.BufferGeometry | THREE.Material>();
const shared = new Set<object>();
let users = 0;

function once<T extends THREE.BufferGeometry | THREE.Material>(key: string, make: () => T): T {
  let v = cache.get(key) as T | undefined;
  if (!v) {
    cache.set(key, (v = make()));
    shared.add(v);
  }
  return v;
}

export const geo = {
  box: () => once('box', () => new THREE.BoxGeometry(1, 1, 1)),
  /** Edges softened: housings, covers, cabinets. */
  rounded: () => once('rounded', () => new RoundedBoxGeometry(1, 1, 1, 1, 0.1)),
  cylinder: () => once('cyl', () => new THREE.CylinderGeometry(0.5, 0.5, 1, 14)),
  /** A cylinder for joints and rollers, whose axis is z (pitch axes, belt rollers). */
  drum: () => once('drum', () => new THREE.CylinderGeometry(0.5, 0.5, 1, 12).rotateX(Math.PI / 2)),
  /** Narrower at the top: links of an arm, tapering to the wrist. */
  taper: () => once('taper', () => new THREE.CylinderGeometry(0.38, 0.5, 1, 10)),
  sphere: () => once('sphere', () => new THREE.SphereGeometry(0.5, 10, 6)),
  cone: () => once('cone', () => new THREE.ConeGeometry(0.5, 1, 12)),
  /** A ring about the y axis: ring lights, spool flanges. */
  ring: () => once('ring', () => new THREE.TorusGeometry(0.5, 0.1, 4, 16).rotateX(Math.PI / 2)),
  /** Faces +z: sign boards. */
  plane: () => once('plane', () => new THREE.PlaneGeometry(1, 1)),
  /** A street-light housing: the product the demo line makes. */
  housing: () => once('housing', () => new RoundedBoxGeometry(1, 1, 1, 1, 0.2)),
};

const standard = (color: number, roughness: number, metalness = 0) => new THREE.MeshStandardMaterial({ color, roughness, metalness });

export const mat = {
  /** Anodised aluminium: extrusions, frames, rails. */
  metal: () => once('metal', () => standard(0xc4cbd2, 0.4, 0.35)),
  /** Black powder coat and plastics. */
  dark: () => once('dark', () => standard(0x2b3138, 0.6, 0.2)),
  /** Painted steel of stands and cabinets. */
  steel: () => once('steel', () => standard(0x5b6670, 0.55, 0.4)),
  /** Industrial orange: robot links, a printer's printed parts. */
  robot: () => once('robot', () => standard(0xf08a00, 0.45, 0.1)),
  belt: () => once('belt', () => standard(0x1b1e21, 0.95)),
  cardboard: () => once('cardboard', () => standard(0xb98a55, 0.9)),
  glass: () => once('glass', () => new THREE.MeshStandardMaterial({ color: 0x9fd3ff, roughness: 0.05, metalness: 0.1, transparent: true, opacity: 0.18, depthWrite: false })),
  /** Floor tape: safety yellow, and the white of walkways. */
  tape: () => once('tape', () => standard(0xf2c230, 0.7)),
  walkway: () => once('walkway', () => standard(0xd8dde2, 0.8)),
  /** White, coloured per part by its tint: heated beds, spools, parts. */
  paint: () => once('paint', () => standard(0xffffff, 0.5)),
  /** Unlit white, coloured per part by its tint: lamps and lights that glow. */
  glow: () => once('glow', () => new THREE.MeshBasicMaterial({ color: 0xffffff })),
};

/** A material of its own, for the rare part that cannot share one (a machine then costs a draw call of its own). */
export function tintable(color: number, emissive = false): THREE.MeshStandardMaterial {
  return new THREE.MeshStandardMaterial({ color, roughness: 0.5, ...(emissive ? { emissive: color, emissiveIntensity: 0.6 } : {}) });
}

export function mesh(geometry: THREE.BufferGeometry, material: THREE.Material, size: [number, number, number], at: [number, number, number] = [0, 0, 0]): THREE.Mesh {
  const m = new THREE.Mesh(geometry, material);
  // Lamps, glass and floor paint cast no shadow anyone would miss: the shadow pass skips them.
  m.castShadow = !UNSHADOWED.some((k) => cache.get(k) === material) && size[1] > 0.01;
  m.scale.set(...size);
  m.position.set(...at);
  return m;
}

const UNSHADOWED = ['glow', 'glass', 'tape', 'walkway'];

const tints = new WeakMap<THREE.Object3D, THREE.Color>();

/** A shared-part mesh whose colour follows data: `setTint` changes it, the batcher draws it. */
export function tinted(geometry: THREE.BufferGeometry, material: THREE.Material, size: [number, number, number], at: [number, number, number], color: number): THREE.Mesh {
  const m = mesh(geometry, material, size, at);
  tints.set(m, new THREE.Color(color));
  return m;
}

export function setTint(m: THREE.Object3D, color: number): void {
  tints.get(m)?.setHex(color);
}

export function tintOf(m: THREE.Object3D): THREE.Color | undefined {
  return tints.get(m);
}

/** Drawn instanced with every other mesh of the same shared geometry and material. */
export function isSharedPart(o: THREE.Object3D): o is THREE.Mesh {
  return o instanceof THREE.Mesh && !(o instanceof THREE.InstancedMesh) && !(o instanceof THREE.SkinnedMesh) && shared.has(o.geometry) && !Array.isArray(o.material) && shared.has(o.material);
}

/** Called by each scene when it is made; pairs with `releaseSharedParts`. */
export function retainSharedParts(): void {
  users++;
}

/** The last scene to let go frees the shared parts; a later scene makes them afresh. */
export function releaseSharedParts(): void {
  users = Math.max(0, users - 1);
  if (users > 0) return;
  for (const r of cache.values()) r.dispose();
  cache.clear();
  shared.clear();
}

/**
 * Frees what the objects under `root` hold on the GPU and in the page: their geometries,
 * materials and the textures those use, instance buffers, skeletons, CSS2D label elements.
 * Shared parts are skipped; each resource is freed once however many meshes use it.
 */
export function disposeOwned(root: THREE.Object3D): void {
  const freed = new Set<object>();
  const free = (r: { dispose(): void }) => {
    if (shared.has(r) || freed.has(r)) return;
    freed.add(r);
    r.dispose();
  };
  root.traverse((o) => {
    if (o instanceof CSS2DObject) o.element.remove();
    if (o instanceof THREE.InstancedMesh) o.dispose();
    if (o instanceof THREE.SkinnedMesh) o.skeleton.dispose();
    if (o instanceof THREE.Mesh || o instanceof THREE.Line || o instanceof THREE.Points) {
      free(o.geometry as THREE.BufferGeometry);
      for (const m of [o.material as THREE.Material | THREE.Material[]].flat()) {
        if (shared.has(m)) continue;
        for (const v of Object.values(m)) if (v instanceof THREE.Texture) free(v);
        free(m);
      }
    }
  });
}
