import type * as THREE from 'three';
import type { Targets } from './bindings.ts';
import type { Status } from './status.ts';

/**
 * One device's model in the scene. `update` is called only when something changed or it
 * animates. `dispose` is called once, after the scene took `object` out; the machine frees
 * what it alone holds (its own materials, a loaded model) and leaves the shared parts be.
 */
export interface Machine {
  readonly object: THREE.Object3D;
  /** Where the floating label sits. */
  readonly labelHeight: number;
  /** Applies binding targets and status; returns true while it still animates (more frames wanted). */
  update(targets: Targets, status: Status, dt: number): boolean;
  dispose(): void;
}
