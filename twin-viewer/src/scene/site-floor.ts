// The shop floor of a site: the ground, its grid, and a pad with a name per station. One
// group, so that a rebuild takes out the old floor whole (disposeOwned) and puts in a new one.
import * as THREE from 'three';
import { CSS2DObject } from 'three/addons/renderers/CSS2DRenderer.js';
import type { LiveSnapshot } from '../../../gateway/src/core/live-events.ts';

/** The ground mesh's name: exactly one stands in a scene. */
export const FLOOR_NAME = 'floor';

type ToWorld = (p: { x: number; y: number }, height: number) => THREE.Vector3;

export function buildFloor(snapshot: LiveSnapshot, toWorld: ToWorld): THREE.Group {
  const group = new THREE.Group();
  group.name = 'site';
  const { width, depth } = snapshot.site.floor;
  const ground = new THREE.Mesh(new THREE.PlaneGeometry(width, depth), new THREE.MeshStandardMaterial({ color: 0x1d252e, roughness: 0.95 }));
  ground.name = FLOOR_NAME;
  ground.rotation.x = -Math.PI / 2;
  group.add(ground);
  const grid = new THREE.GridHelper(Math.max(width, depth), Math.max(width, depth), 0x2f3a45, 0x26303a);
  grid.position.y = 0.002;
  group.add(grid);
  // One geometry and material for every pad; each pad is scaled to its station's size.
  const padGeometry = new THREE.BoxGeometry(1, 1, 1);
  const padMaterial = new THREE.MeshStandardMaterial({ color: 0x24405a, roughness: 0.9 });
  for (const line of snapshot.lines) {
    for (const st of line.stations) {
      const size = st.size ?? { width: 3, depth: 3 };
      const pad = new THREE.Mesh(padGeometry, padMaterial);
      pad.scale.set(size.width, 0.02, size.depth);
      pad.position.copy(toWorld(st.position, 0.01));
      group.add(pad);
      const tag = document.createElement('div');
      tag.className = 'station-label';
      tag.textContent = st.name;
      const obj = new CSS2DObject(tag);
      obj.position.copy(toWorld({ x: st.position.x, y: st.position.y - size.depth / 2 }, 0.05));
      group.add(obj);
    }
  }
  return group;
}
