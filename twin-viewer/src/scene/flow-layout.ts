// Where material goes on a line: which machines play which part (the printers, the first
// robot unloading, the conveyor, the inspection cell, the last robot packing; station order
// decides, as the simulated line does), the fixed spots in the world between them, and the
// few pieces of furniture the flow needs there (the unloader's tray, a bridge to the cell, a
// roller track to the packer, the packing box). Built once per scene build, from shared parts.
import * as THREE from 'three';
import type { LiveDevice, LiveSnapshot } from '../../../gateway/src/core/live-events.ts';
import type { Targets } from '../machines/bindings.ts';
import type { Machine } from '../machines/machine.ts';
import { geo, mat, mesh } from '../machines/parts.ts';
import type { Status } from '../machines/status.ts';

/** What the flow reads of a placed machine (the scene's PlacedMachine is one). */
export interface PlacedMachine {
  readonly device: LiveDevice;
  readonly machine: Machine;
  readonly targets: Targets;
  readonly status: Status;
}

/**
 * Where the simulated arm's gripper is at its pick and place poses (robot-arm model, in the
 * robot's own frame): the tray and the packing box stand there, so a gripper closes on a
 * part and opens over the box. A robot with another program picks elsewhere; the part then
 * hops the last bit to the gripper.
 */
const PICK = new THREE.Vector3(0.66, 0.46, 0.56);
const PLACE = new THREE.Vector3(0.51, 0.53, -0.73);
/** Half a housing's height: spots are where a part's centre goes, surfaces 4 cm below. */
const HALF = 0.04;

export interface FlowRoles {
  readonly printers: readonly PlacedMachine[];
  readonly unloader: PlacedMachine;
  readonly conveyor: PlacedMachine;
  readonly inspection: PlacedMachine;
  readonly packer: PlacedMachine;
}

export interface FlowLayout {
  readonly roles: FlowRoles;
  readonly object: THREE.Group;
  /** The unloader's tray: its first slot, and the step from one slot to the next. */
  readonly tray: THREE.Vector3;
  readonly trayStep: THREE.Vector3;
  readonly beltStart: THREE.Vector3;
  readonly beltEnd: THREE.Vector3;
  readonly cell: THREE.Vector3;
  /** The queue before the cell: first slot, step. */
  readonly queue: THREE.Vector3;
  readonly queueStep: THREE.Vector3;
  readonly reject: THREE.Vector3;
  /** The roller track from the cell to the packer's pick spot. */
  readonly outStart: THREE.Vector3;
  readonly outEnd: THREE.Vector3;
  readonly box: THREE.Vector3;
}

const modelOf = (m: PlacedMachine) => m.device.twin?.model ?? m.device.kind;

/** The roles of the snapshot's first line that has them all, or undefined. */
export function flowRoles(snapshot: LiveSnapshot, machines: ReadonlyMap<string, PlacedMachine>): FlowRoles | undefined {
  for (const line of snapshot.lines) {
    const order = new Map(line.stations.map((s, i) => [s.id, i]));
    const inLine = [...machines.values()].filter((m) => m.device.line === line.id).sort((a, b) => (order.get(a.device.station) ?? 0) - (order.get(b.device.station) ?? 0));
    const printers = inLine.filter((m) => modelOf(m) === 'fdm-printer' || modelOf(m) === 'sla-printer' || m.machine.points?.bed !== undefined);
    const robots = inLine.filter((m) => m.machine.points?.grip !== undefined);
    const conveyor = inLine.find((m) => m.machine.points?.beltStart !== undefined);
    const inspection = inLine.find((m) => m.machine.points?.cell !== undefined);
    if (printers.length > 0 && robots.length >= 2 && conveyor && inspection) return { printers, unloader: robots[0]!, conveyor, inspection, packer: robots[robots.length - 1]! };
  }
  return undefined;
}

export function buildFlowLayout(roles: FlowRoles): FlowLayout {
  for (const m of [...roles.printers, roles.unloader, roles.conveyor, roles.inspection, roles.packer]) m.machine.object.updateMatrixWorld(true);
  const world = (o: THREE.Object3D | undefined) => (o ? o.getWorldPosition(new THREE.Vector3()) : new THREE.Vector3());
  const at = (m: PlacedMachine, local: THREE.Vector3) => m.machine.object.localToWorld(local.clone());
  const object = new THREE.Group();
  object.name = 'material-flow';
  const { points: belt } = roles.conveyor.machine;
  const { points: cellPoints } = roles.inspection.machine;
  const beltStart = world(belt?.beltStart);
  const beltEnd = world(belt?.beltEnd);
  const cell = world(cellPoints?.cell);
  const reject = world(cellPoints?.reject);

  // The tray beside the unloader, running away from the robot from its pick spot.
  const tray = at(roles.unloader, PICK);
  const trayStep = tray.clone().sub(roles.unloader.machine.object.position).setY(0).normalize().multiplyScalar(0.26);
  const trayEnd = tray.clone().addScaledVector(trayStep, 4);
  object.add(slab(tray.clone().addScaledVector(trayStep, -0.8), trayEnd, 0.36, mat.steel()));
  legs(object, tray.clone().addScaledVector(trayStep, -0.8), trayEnd);

  // A bridge from the belt's end to the cell, where parts queue for the camera.
  const toBelt = beltEnd.clone().sub(cell).setY(0);
  const queueStep = toBelt.clone().normalize().multiplyScalar(0.25);
  const queue = cell.clone().addScaledVector(queueStep, 2);
  if (toBelt.length() > 0.8) {
    const [from, to] = [beltEnd.clone(), cell.clone().addScaledVector(queueStep, 2.4)];
    object.add(slab(from, to, 0.5, mat.metal()));
    legs(object, from, to);
  }

  // A gravity roller track from the cell down to the packer's pick spot.
  const outEnd = at(roles.packer, PICK);
  const outStart = cell.clone().addScaledVector(outEnd.clone().sub(cell).setY(0).normalize(), 0.8);
  object.add(slab(outStart, outEnd.clone().addScaledVector(outEnd.clone().sub(outStart).setY(0).normalize(), 0.25), 0.34, mat.metal()));
  legs(object, outStart, outEnd);

  // The packing box on a pallet, open at the top, under the packer's place pose.
  const box = at(roles.packer, PLACE);
  const floorY = roles.packer.machine.object.position.y;
  const boxGroup = new THREE.Group();
  boxGroup.position.set(box.x, floorY, box.z);
  boxGroup.rotation.y = roles.packer.machine.object.rotation.y;
  const rim = box.y - floorY - HALF + 0.02;
  boxGroup.add(mesh(geo.box(), mat.steel(), [0.7, 0.12, 0.6], [0, 0.06, 0]));
  boxGroup.add(mesh(geo.box(), mat.cardboard(), [0.5, 0.02, 0.4], [0, 0.13, 0]));
  for (const x of [-0.25, 0.25]) boxGroup.add(mesh(geo.box(), mat.cardboard(), [0.015, rim - 0.12, 0.4], [x, 0.12 + (rim - 0.12) / 2, 0]));
  for (const z of [-0.2, 0.2]) boxGroup.add(mesh(geo.box(), mat.cardboard(), [0.5, rim - 0.12, 0.015], [0, 0.12 + (rim - 0.12) / 2, z]));
  object.add(boxGroup);
  box.y = floorY + 0.14 + HALF;
  return { roles, object, tray, trayStep, beltStart, beltEnd, cell, queue, queueStep, reject, outStart, outEnd, box };
}

/** A flat slab whose top runs from `a` to `b` (both part centres), `width` wide. */
function slab(a: THREE.Vector3, b: THREE.Vector3, width: number, material: THREE.Material): THREE.Mesh {
  const from = a.clone().setY(a.y - HALF);
  const to = b.clone().setY(b.y - HALF);
  const length = from.distanceTo(to);
  const m = mesh(geo.box(), material, [length, 0.04, width]);
  m.position.copy(from).add(to).multiplyScalar(0.5);
  m.position.y -= 0.02;
  // Along the run, tilted with it: a gravity track slopes, a tray lies level.
  m.quaternion.setFromUnitVectors(new THREE.Vector3(1, 0, 0), to.clone().sub(from).normalize());
  return m;
}

function legs(into: THREE.Object3D, a: THREE.Vector3, b: THREE.Vector3): void {
  for (const p of [a, b]) {
    const h = p.y - HALF - 0.04;
    if (h > 0.05) into.add(mesh(geo.box(), mat.steel(), [0.04, h, 0.04], [p.x, h / 2, p.z]));
  }
}
