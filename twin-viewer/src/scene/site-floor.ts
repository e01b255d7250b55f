// The shop floor of a site: an epoxy-grey ground, each station's pad edged in yellow tape with
// a sign board over its back edge and a name at its front, and white walkway lines along each
// line. One group, so that a rebuild takes out the old floor whole (disposeOwned) and puts in a
// new one. Tape, posts and lines are shared parts (drawn instanced); each sign has its own text.
import * as THREE from 'three';
import { CSS2DObject } from 'three/addons/renderers/CSS2DRenderer.js';
import type { LiveSnapshot } from '../../../gateway/src/core/live-events.ts';
import { geo, mat, mesh } from '../machines/parts.ts';

/** The ground mesh's name: exactly one stands in a scene. */
export const FLOOR_NAME = 'floor';

type ToWorld = (p: { x: number; y: number }, height: number) => THREE.Vector3;

const TAPE = 0.06;

export function buildFloor(snapshot: LiveSnapshot, toWorld: ToWorld): THREE.Group {
  const group = new THREE.Group();
  group.name = 'site';
  const { width, depth } = snapshot.site.floor;
  const ground = new THREE.Mesh(new THREE.PlaneGeometry(width, depth), new THREE.MeshStandardMaterial({ color: 0x5d646c, roughness: 0.82, metalness: 0.05 }));
  ground.name = FLOOR_NAME;
  ground.rotation.x = -Math.PI / 2;
  ground.receiveShadow = true;
  group.add(ground);
  // One geometry and material for every pad; each pad is scaled to its station's size.
  const padGeometry = new THREE.BoxGeometry(1, 1, 1);
  const padMaterial = new THREE.MeshStandardMaterial({ color: 0x4b525a, roughness: 0.9 });
  for (const line of snapshot.lines) {
    let west = Infinity;
    let east = -Infinity;
    let north = -Infinity;
    let south = Infinity;
    for (const st of line.stations) {
      const size = st.size ?? { width: 3, depth: 3 };
      const pad = new THREE.Mesh(padGeometry, padMaterial);
      pad.scale.set(size.width, 0.01, size.depth);
      pad.position.copy(toWorld(st.position, 0.005));
      pad.receiveShadow = true;
      // Picked to name a change at the station (the Experiments panel's "+1 at <station>").
      pad.userData.stationId = st.id;
      group.add(pad);
      tapeAround(group, toWorld(st.position, 0.012), size.width, size.depth);
      group.add(sign(st.name, toWorld({ x: st.position.x, y: st.position.y + size.depth / 2 }, 0), Math.min(size.width * 0.8, 3)));
      const tag = document.createElement('div');
      tag.className = 'station-label';
      tag.textContent = st.name;
      const obj = new CSS2DObject(tag);
      obj.position.copy(toWorld({ x: st.position.x, y: st.position.y - size.depth / 2 }, 0.05));
      group.add(obj);
      west = Math.min(west, st.position.x - size.width / 2);
      east = Math.max(east, st.position.x + size.width / 2);
      north = Math.max(north, st.position.y + size.depth / 2);
      south = Math.min(south, st.position.y - size.depth / 2);
    }
    // Walkways a metre and a half off the line, both sides, dashed like painted aisles.
    if (Number.isFinite(west)) {
      for (const y of [north + 1.5, south - 1.5]) {
        for (let x = west; x < east; x += 1.2) group.add(mesh(geo.box(), mat.walkway(), [0.8, 0.004, 0.1], toWorld({ x: x + 0.4, y }, 0.004).toArray()));
      }
    }
  }
  return group;
}

function tapeAround(into: THREE.Object3D, at: THREE.Vector3, w: number, d: number): void {
  for (const z of [-d / 2, d / 2]) into.add(mesh(geo.box(), mat.tape(), [w + TAPE, 0.004, TAPE], [at.x, at.y, at.z + z]));
  for (const x of [-w / 2, w / 2]) into.add(mesh(geo.box(), mat.tape(), [TAPE, 0.004, d], [at.x + x, at.y, at.z]));
}

/** A station sign on two posts, facing the front of the hall (+z), its name in its own texture. */
function sign(name: string, at: THREE.Vector3, width: number): THREE.Group {
  const g = new THREE.Group();
  g.position.copy(at);
  const height = width / 4;
  const top = 2.6;
  for (const x of [-width / 2 + 0.1, width / 2 - 0.1]) g.add(mesh(geo.box(), mat.steel(), [0.05, top, 0.05], [x, top / 2, 0]));
  g.add(mesh(geo.box(), mat.dark(), [width, height, 0.03], [0, top - height / 2, 0]));
  const canvas = document.createElement('canvas');
  canvas.width = 512;
  canvas.height = 128;
  const c = canvas.getContext('2d');
  if (c) {
    c.fillStyle = '#1d3a5c';
    c.fillRect(0, 0, 512, 128);
    c.fillStyle = '#f2c230';
    c.fillRect(0, 0, 18, 128);
    c.fillStyle = '#ffffff';
    c.font = 'bold 54px system-ui, sans-serif';
    c.textBaseline = 'middle';
    c.fillText(name, 44, 66, 450);
  }
  const texture = new THREE.CanvasTexture(canvas);
  texture.colorSpace = THREE.SRGBColorSpace;
  texture.anisotropy = 4;
  const face = mesh(geo.plane(), new THREE.MeshBasicMaterial({ map: texture, toneMapped: false }), [width - 0.04, height - 0.04, 1], [0, top - height / 2, 0.017]);
  g.add(face);
  return g;
}
