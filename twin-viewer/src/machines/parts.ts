// Geometries and materials shared by every machine of a kind: one GPU buffer per shape,
// however many printers stand on the floor. They belong to this module, not to a machine:
// machines never free them, and they are freed when the last scene using them is disposed.
import * as THREE from 'three';
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
  cylinder: () => once('cyl', () => new THREE.CylinderGeometry(0.5, 0.5, 1, 24)),
  sphere: () => once('sphere', () => new THREE.SphereGeometry(0.5, 16, 12)),
  cone: () => once('cone', () => new THREE.ConeGeometry(0.5, 1, 12)),
  frameEdges: () => once('frameEdges', () => new THREE.EdgesGeometry(new THREE.BoxGeometry(0.6, 0.7, 0.6))),
};

export const mat = {
  metal: () => once('metal', () => new THREE.MeshStandardMaterial({ color: 0x9aa3ad, metalness: 0.6, roughness: 0.4 })),
  dark: () => once('dark', () => new THREE.MeshStandardMaterial({ color: 0x2b3138, metalness: 0.3, roughness: 0.7 })),
  robot: () => once('robot', () => new THREE.MeshStandardMaterial({ color: 0xf0a500, metalness: 0.2, roughness: 0.5 })),
  belt: () => once('belt', () => new THREE.MeshStandardMaterial({ color: 0x23272b, roughness: 0.9 })),
  carrier: () => once('carrier', () => new THREE.MeshStandardMaterial({ color: 0x3a7bd5, roughness: 0.6 })),
  frameLine: () => once('frameLine', () => new THREE.LineBasicMaterial({ color: 0xd0d6dc })),
};

/** A material of its own, for parts whose colour follows data (one per machine). */
export function tintable(color: number, emissive = false): THREE.MeshStandardMaterial {
  return new THREE.MeshStandardMaterial({ color, roughness: 0.5, ...(emissive ? { emissive: color, emissiveIntensity: 0.6 } : {}) });
}

export function mesh(geometry: THREE.BufferGeometry, material: THREE.Material, size: [number, number, number], at: [number, number, number] = [0, 0, 0]): THREE.Mesh {
  const m = new THREE.Mesh(geometry, material);
  m.scale.set(...size);
  m.position.set(...at);
  return m;
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
