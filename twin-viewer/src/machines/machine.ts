import type * as THREE from 'three';
import type { Targets } from './bindings.ts';
import type { Status } from './status.ts';

/**
 * Where a model holds material, for the material flow (scene/material-flow.ts): objects in
 * the model that move with it, read for their world position each frame. A model names
 * only the points it has.
 */
export interface MaterialPoints {
  /** A finished print waits here (a printer's bed; it moves with the bed). */
  readonly bed?: THREE.Object3D;
  /** A held part sits here (between a robot's fingers). */
  readonly grip?: THREE.Object3D;
  /** The belt's surface at its entry and at its exit end; its length is the distance between them. */
  readonly beltStart?: THREE.Object3D;
  readonly beltEnd?: THREE.Object3D;
  /** Under the camera of an inspection cell, and its reject bin. */
  readonly cell?: THREE.Object3D;
  readonly reject?: THREE.Object3D;
}

/**
 * One device's model in the scene. `update` is called only when something changed or it
 * animates. `dispose` is called once, after the scene took `object` out; the machine frees
 * what it alone holds (its own materials, a loaded model) and leaves the shared parts be.
 */
export interface Machine {
  readonly object: THREE.Object3D;
  /** Where the floating label sits. */
  readonly labelHeight: number;
  readonly points?: MaterialPoints;
  /** Applies binding targets and status; returns true while it still animates (more frames wanted). */
  update(targets: Targets, status: Status, dt: number): boolean;
  dispose(): void;
}
