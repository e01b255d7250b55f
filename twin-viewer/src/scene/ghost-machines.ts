// Machines an experiment would add, shown in the scene before they exist: a model like the
// machine they copy, see-through, standing beside the others at their station. They are
// not the site's devices (no panel, no list entry, not picked); a scenario played in the
// scene gives them states like any machine of the simulated line.
import * as THREE from 'three';
import type { LiveDevice } from '../../../gateway/src/core/live-events.ts';
import type { Change } from '../../../simulators/src/experiments/scenario.ts';
import { isSharedPart, tintOf } from '../machines/parts.ts';

/** One machine to add: its id as the line model names it (`printer-04+1`) and the device it copies. */
export interface GhostSpec {
  readonly id: string;
  readonly like: LiveDevice;
}

const OPACITY = 0.4;

/**
 * The machines the "+N" changes add, named as the line model names them: the device copied
 * (`like`, default the station's first), `+1`, `+2`… per copied device.
 */
export function ghostSpecsOf(changes: readonly Change[], devices: readonly LiveDevice[]): GhostSpec[] {
  const specs: GhostSpec[] = [];
  const taken = new Map<string, number>();
  for (const c of changes) {
    if (c.add === undefined || c.station === undefined) continue;
    const like = c.like !== undefined ? devices.find((d) => d.id === c.like) : devices.find((d) => d.station === c.station);
    if (!like) continue;
    for (let i = 0; i < c.add; i++) {
      const n = (taken.get(like.id) ?? 0) + 1;
      taken.set(like.id, n);
      specs.push({ id: `${like.id}+${n}`, like });
    }
  }
  return specs;
}
const DEFAULT_STEP = { x: 2, y: 0 };

/**
 * Where the `k`-th (1-based) added machine at a station stands, in site metres: one more
 * step of the station's own spacing past its last machine (a row of printers grows along
 * its row), or two metres east of a station's only machine.
 */
export function ghostPosition(mates: readonly LiveDevice[], k: number): { x: number; y: number } {
  const last = mates[mates.length - 1]!;
  const prev = mates[mates.length - 2];
  const step = prev ? { x: last.position.x - prev.position.x, y: last.position.y - prev.position.y } : DEFAULT_STEP;
  const far = Math.hypot(step.x, step.y) < 0.5 ? DEFAULT_STEP : step;
  return { x: last.position.x + far.x * k, y: last.position.y + far.y * k };
}

/**
 * Makes a machine's model see-through. Shared parts get a translucent copy of their
 * material each (the shared one stays as it is for every other machine) whose colour
 * `sync` keeps at the part's tint, as the batcher would draw it; the model's own materials
 * are made translucent in place. Returns what to call each drawn frame and on removal.
 */
export function ghostify(root: THREE.Object3D): { sync(): void; dispose(): void } {
  const copies: { mesh: THREE.Mesh; base: THREE.Color; copy: THREE.MeshStandardMaterial | THREE.MeshBasicMaterial }[] = [];
  root.traverse((o) => {
    if (!(o instanceof THREE.Mesh)) return;
    o.castShadow = false;
    if (isSharedPart(o)) {
      const material = (o.material as THREE.MeshStandardMaterial).clone();
      material.transparent = true;
      material.opacity = OPACITY;
      material.depthWrite = false;
      copies.push({ mesh: o, base: material.color.clone(), copy: material });
      o.material = material;
    } else {
      for (const m of [o.material as THREE.Material | THREE.Material[]].flat()) {
        m.transparent = true;
        m.opacity = OPACITY;
        m.depthWrite = false;
      }
    }
  });
  return {
    sync() {
      for (const c of copies) {
        const tint = tintOf(c.mesh);
        if (tint) c.copy.color.copy(c.base).multiply(tint);
      }
    },
    dispose() {
      for (const c of copies) c.copy.dispose();
    },
  };
}
