// Geometries and materials shared by every machine of a kind: one GPU buffer per shape,
// however many printers stand on the floor.
import * as THREE from 'three';

const cache = new Map<string, THREE.BufferGeometry | THREE.Material>();
function once<T extends THREE.BufferGeometry | THREE.Material>(key: string, make: () => T): T {
  let v = cache.get(key) as T | undefined;
  if (!v) cache.set(key, (v = make()));
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
