// Parts you can follow: each housing is an instance that travels printer bed → tray → the
// unloading robot's gripper → the belt → the inspection cell (turning green or red) → the
// roller track → the packing robot's gripper → the box (or the reject bin). Nothing here is
// scripted: every move starts from a line signal, read through the profiles' bindings as
// targets — `flow.done` (a printer's job is done), `gripper.closed` (a robot closed or opened
// its gripper), `flow.carriers` (parts on the belt: up is a part put on, down one taken off),
// `belt.speed`, `flow.inspected` (a part was judged) and `verdict`. Between events parts move
// at the belt's speed or along the layout. Parts are one InstancedMesh over a fixed pool:
// nothing is allocated per frame.
import * as THREE from 'three';
import type { LiveSnapshot } from '../../../gateway/src/core/live-events.ts';
import { HOUSING } from '../machines/fdm-printer.ts';
import { geo, mat } from '../machines/parts.ts';
import { buildFlowLayout, flowRoles, type FlowLayout, type PlacedMachine } from './flow-layout.ts';

export type Stage = 'bed' | 'tray' | 'held' | 'belt' | 'queue' | 'cell' | 'judged' | 'track' | 'boxed' | 'scrap';

/** One housing, as tests and the tour see it. */
export interface FlowPart {
  readonly serial: number;
  readonly stage: Stage;
  readonly position: { x: number; y: number; z: number };
  readonly verdict: 'pass' | 'fail' | undefined;
}

interface Part {
  active: boolean;
  serial: number;
  stage: Stage;
  readonly pos: THREE.Vector3;
  readonly quat: THREE.Quaternion;
  /** Metres along the belt or the roller track. */
  s: number;
  /** Seconds in this stage. */
  age: number;
  slot: number;
  verdict: 'pass' | 'fail' | undefined;
  holder: PlacedMachine | undefined;
  /** A hop in progress from `from` to where the stage puts the part. */
  hop: number;
  hopFor: number;
  lift: number;
  readonly from: THREE.Vector3;
  readonly fromQuat: THREE.Quaternion;
}

const POOL = 128;
const SPACING = 0.26;
const TRACK_SPEED = 0.5;
const BED_WAIT = 2.5;
const JUDGED_WAIT = 1.2;
const BOX_SLOTS = 8;
const SCRAP_KEPT = 6;
const OWED_GRACE = 4;
const COLOR = { raw: new THREE.Color(0xe4e7ea), pass: new THREE.Color(0x2ecc71), fail: new THREE.Color(0xe74c3c) };

export class MaterialFlow {
  readonly object = new THREE.Group();
  private readonly layout: FlowLayout | undefined;
  private readonly drawn = new THREE.InstancedMesh(geo.housing(), mat.paint(), POOL);
  private readonly pool: Part[] = [];
  private serials = 0;
  private readonly lanes = { tray: [] as Part[], belt: [] as Part[], queue: [] as Part[], track: [] as Part[], boxed: [] as Part[], scrap: [] as Part[] };
  private readonly prevDone = new Map<PlacedMachine, boolean>();
  private prevGrip = { unloader: undefined as boolean | undefined, packer: undefined as boolean | undefined };
  private prevCarriers: number | undefined;
  private prevInspected: number | undefined;
  /** Parts the belt counted before the robot let go of them, and for how long; parts let go of before it counted them. */
  private owed = 0;
  private owedFor = 0;
  private early = 0;
  private readonly m = new THREE.Matrix4();
  private readonly v = new THREE.Vector3();
  private readonly w = new THREE.Vector3();
  private readonly q = new THREE.Quaternion();
  private readonly scale = new THREE.Vector3(...HOUSING);
  private readonly identity = new THREE.Quaternion();

  constructor(snapshot: LiveSnapshot, machines: ReadonlyMap<string, PlacedMachine>) {
    this.object.name = 'material';
    const roles = flowRoles(snapshot, machines);
    this.layout = roles ? buildFlowLayout(roles) : undefined;
    if (this.layout) this.object.add(this.layout.object);
    this.drawn.count = 0;
    this.drawn.frustumCulled = false;
    this.drawn.castShadow = true;
    this.drawn.receiveShadow = true;
    for (let i = 0; i < POOL; i++) this.drawn.setColorAt(i, COLOR.raw);
    this.object.add(this.drawn);
    for (let i = 0; i < POOL; i++) {
      this.pool.push({ active: false, serial: 0, stage: 'bed', pos: new THREE.Vector3(), quat: new THREE.Quaternion(), s: 0, age: 0, slot: -1, verdict: undefined, holder: undefined, hop: 0, hopFor: 0, lift: 0, from: new THREE.Vector3(), fromQuat: new THREE.Quaternion() });
    }
  }

  /** Reads the line's targets, moves the parts; true while something moves (more frames wanted). */
  update(dt: number): boolean {
    const L = this.layout;
    if (!L) return false;
    const { roles } = L;
    for (const p of roles.printers) {
      const done = p.targets['flow.done'] === 1;
      if (done && this.prevDone.get(p) !== true && p.machine.points?.bed) this.spawn('bed', p.machine.points.bed.getWorldPosition(this.v)).holder = p;
      this.prevDone.set(p, done);
    }
    this.gripper('unloader', roles.unloader);
    this.beltCount(roles.conveyor, dt);
    this.judgements(roles.inspection);
    this.gripper('packer', roles.packer);

    const belt = roles.conveyor;
    const speed = typeof belt.targets['belt.speed'] === 'number' && belt.status === 'running' ? (belt.targets['belt.speed'] as number) : 0;
    const beltLength = L.beltStart.distanceTo(L.beltEnd);
    const trackLength = L.outStart.distanceTo(L.outEnd);
    let moving = false;
    // Belt and track: each part moves on, but not through the one ahead.
    let ahead = Infinity;
    for (const p of this.lanes.belt) {
      const s = Math.min(p.s + speed * dt, beltLength, ahead - SPACING);
      if (s > p.s) moving = true;
      p.s = Math.max(p.s, s);
      ahead = p.s;
    }
    ahead = Infinity;
    for (const p of this.lanes.track) {
      const s = Math.min(p.s + TRACK_SPEED * dt, trackLength, ahead - SPACING);
      if (s > p.s) moving = true;
      p.s = Math.max(p.s, s);
      ahead = p.s;
    }
    // The cell takes the next queued part once it is free.
    if (!this.pool.some((p) => p.active && (p.stage === 'cell' || p.stage === 'judged')) && this.lanes.queue.length > 0) this.enter(this.lanes.queue.shift()!, 'cell');

    let n = 0;
    for (const p of this.pool) {
      if (!p.active) continue;
      p.age += dt;
      if (p.stage === 'bed' && p.age > BED_WAIT && this.lanes.tray.length < 5) this.enter(p, 'tray');
      else if (p.stage === 'judged' && p.age > JUDGED_WAIT) this.enter(p, p.verdict === 'fail' ? 'scrap' : 'track');
      if (p.stage === 'bed' || p.stage === 'judged') moving = true;
      this.place(p, dt);
      if (p.hop > 0) moving = true;
      this.m.compose(p.pos, p.quat, this.scale);
      this.drawn.setMatrixAt(n, this.m);
      this.drawn.setColorAt(n, p.verdict === 'pass' ? COLOR.pass : p.verdict === 'fail' ? COLOR.fail : COLOR.raw);
      n++;
    }
    this.drawn.count = n;
    this.drawn.instanceMatrix.needsUpdate = true;
    if (this.drawn.instanceColor) this.drawn.instanceColor.needsUpdate = true;
    return moving;
  }

  /** Every part in the scene, oldest first (for tests and the tour; allocates, so not per frame). */
  parts(): FlowPart[] {
    return this.pool
      .filter((p) => p.active)
      .sort((a, b) => a.serial - b.serial)
      .map((p) => ({ serial: p.serial, stage: p.stage, position: { x: p.pos.x, y: p.pos.y, z: p.pos.z }, verdict: p.verdict }));
  }

  /** Frees the instance buffers; geometry, materials and the layout's parts are shared. */
  dispose(): void {
    this.drawn.dispose();
    this.object.removeFromParent();
  }

  private gripper(role: 'unloader' | 'packer', robot: PlacedMachine): void {
    const closed = robot.targets['gripper.closed'] === 1;
    const was = this.prevGrip[role];
    this.prevGrip[role] = closed;
    if (closed === was || robot.targets['gripper.closed'] === undefined) return;
    const grip = robot.machine.points?.grip;
    if (!grip) return;
    if (closed) {
      // The oldest part waiting for this robot; a robot that closes on nothing we drew (we
      // joined mid-shift, or missed an event) picks one up all the same.
      const lane = role === 'unloader' ? this.lanes.tray : this.lanes.track;
      const bed = role === 'unloader' ? this.pool.find((p) => p.active && p.stage === 'bed') : undefined;
      const part = lane.shift() ?? bed ?? this.spawn('held', grip.getWorldPosition(this.v));
      part.holder = robot;
      this.enter(part, 'held');
      return;
    }
    const held = this.pool.find((p) => p.active && p.stage === 'held' && p.holder === robot);
    if (!held) return;
    if (role === 'packer') {
      this.enter(held, 'boxed');
      return;
    }
    this.enter(held, 'belt');
    if (this.owed > 0) this.owed--;
    else this.early++;
  }

  private beltCount(conveyor: PlacedMachine, dt: number): void {
    const carriers = conveyor.targets['flow.carriers'];
    if (typeof carriers !== 'number') return;
    const L = this.layout!;
    if (this.prevCarriers === undefined) {
      // Joined a running line: the parts the belt reports are drawn spread along it.
      const length = L.beltStart.distanceTo(L.beltEnd);
      for (let i = carriers - 1; i >= 0; i--) this.spawn('belt', L.beltStart).s = (length * (i + 0.5)) / carriers;
      this.lanes.belt.sort((a, b) => b.s - a.s);
    } else if (carriers > this.prevCarriers) {
      const put = carriers - this.prevCarriers;
      const matched = Math.min(put, this.early);
      this.early -= matched;
      if (put > matched) this.owedFor = 0;
      this.owed += put - matched;
    } else if (carriers < this.prevCarriers) {
      for (let k = carriers; k < this.prevCarriers; k++) this.enter(this.lanes.belt[0] ?? this.spawn('belt', L.beltEnd), 'queue');
    }
    this.prevCarriers = carriers;
    // Counted on the belt, but no robot let go of it: it is there all the same.
    if (this.owed > 0 && (this.owedFor += dt) > OWED_GRACE) {
      for (; this.owed > 0; this.owed--) this.spawn('belt', L.beltStart);
      this.early = 0;
    }
  }

  private judgements(inspection: PlacedMachine): void {
    const inspected = inspection.targets['flow.inspected'];
    if (typeof inspected !== 'number') return;
    const before = this.prevInspected;
    this.prevInspected = inspected;
    if (before === undefined || inspected <= before) return;
    const failed = inspection.targets.verdict === -1;
    for (let k = before; k < inspected; k++) {
      const part = this.pool.find((p) => p.active && p.stage === 'cell') ?? this.lanes.queue.shift() ?? this.spawn('cell', this.layout!.cell);
      // Only the newest verdict is known when several arrive at once; the others passed.
      part.verdict = failed && k === inspected - 1 ? 'fail' : 'pass';
      this.enter(part, 'judged');
    }
  }

  /** A part out of the pool, already in `stage` at `at` (the pool recycles the oldest when full). */
  private spawn(stage: Stage, at: THREE.Vector3): Part {
    const free = this.pool.find((p) => !p.active) ?? this.oldest();
    this.leave(free);
    Object.assign(free, { active: true, serial: ++this.serials, stage, s: 0, age: 0, slot: -1, verdict: undefined, holder: undefined, hop: 0 });
    free.pos.copy(at);
    free.quat.identity();
    this.lane(stage)?.push(free);
    return free;
  }

  private oldest(): Part {
    return this.pool.reduce((a, b) => (b.serial < a.serial ? b : a));
  }

  /** Moves a part into a stage with a hop from where it is now. */
  private enter(p: Part, stage: Stage): void {
    this.leave(p);
    p.stage = stage;
    p.age = 0;
    p.s = 0;
    p.slot = -1;
    if (stage === 'boxed' && this.lanes.boxed.length >= BOX_SLOTS) for (const b of this.lanes.boxed.splice(0)) b.active = false;
    if (stage === 'scrap' && this.lanes.scrap.length >= SCRAP_KEPT) this.lanes.scrap.shift()!.active = false;
    this.lane(stage)?.push(p);
    this.startHop(p, stage === 'held' ? 0.35 : undefined);
  }

  private leave(p: Part): void {
    if (!p.active) return;
    const lane = this.lane(p.stage);
    const i = lane ? lane.indexOf(p) : -1;
    if (i >= 0) lane!.splice(i, 1);
  }

  private lane(stage: Stage): Part[] | undefined {
    return stage === 'tray' || stage === 'belt' || stage === 'queue' || stage === 'track' || stage === 'boxed' || stage === 'scrap' ? this.lanes[stage] : undefined;
  }

  private startHop(p: Part, seconds?: number): void {
    p.from.copy(p.pos);
    p.fromQuat.copy(p.quat);
    const d = this.target(p, this.v).distanceTo(p.pos);
    p.hopFor = seconds ?? Math.min(2.2, Math.max(0.3, d / 1.8));
    p.hop = p.hopFor;
    p.lift = Math.min(0.8, d * 0.18);
  }

  /** Where the stage puts the part now (an anchor's world position, a slot, a place along a run). */
  private target(p: Part, out: THREE.Vector3): THREE.Vector3 {
    const L = this.layout!;
    const slot = (lane: Part[], first: THREE.Vector3, step: THREE.Vector3) => out.copy(first).addScaledVector(step, Math.max(0, lane.indexOf(p)));
    switch (p.stage) {
      case 'bed':
        return p.holder?.machine.points?.bed ? p.holder.machine.points.bed.getWorldPosition(out) : out.copy(p.pos);
      case 'held':
        return p.holder?.machine.points?.grip ? p.holder.machine.points.grip.getWorldPosition(out) : out.copy(p.pos);
      case 'tray':
        return slot(this.lanes.tray, L.tray, L.trayStep);
      case 'queue':
        return slot(this.lanes.queue, L.queue, L.queueStep);
      case 'belt':
        return out.lerpVectors(L.beltStart, L.beltEnd, p.s / (L.beltStart.distanceTo(L.beltEnd) || 1));
      case 'track':
        return out.lerpVectors(L.outStart, L.outEnd, p.s / (L.outStart.distanceTo(L.outEnd) || 1));
      case 'cell':
      case 'judged':
        return out.copy(L.cell);
      case 'boxed': {
        const i = this.lanes.boxed.indexOf(p);
        return out.copy(L.box).add(this.w.set((i % 2) * 0.22 - 0.11, Math.floor(i / 4) * 0.085, (Math.floor(i / 2) % 2) * 0.16 - 0.08));
      }
      case 'scrap': {
        const i = this.lanes.scrap.indexOf(p);
        return out.copy(L.reject).add(this.w.set(((i % 3) - 1) * 0.1, Math.floor(i / 3) * 0.085, 0));
      }
    }
  }

  private place(p: Part, dt: number): void {
    // A queued part whose place moved up (the one ahead left) slides there.
    const lane = this.lane(p.stage);
    const slot = lane && p.stage !== 'belt' && p.stage !== 'track' ? lane.indexOf(p) : -1;
    if (slot !== p.slot) {
      if (p.slot >= 0 && p.hop <= 0) this.startHop(p, 0.4);
      p.slot = slot;
    }
    const to = this.target(p, this.v);
    const holding = p.stage === 'held' && p.holder?.machine.points?.grip;
    const toQuat = holding ? p.holder!.machine.points!.grip!.getWorldQuaternion(this.q) : this.identity;
    if (p.hop > 0) {
      p.hop = Math.max(0, p.hop - dt);
      const f = 1 - p.hop / p.hopFor;
      const e = f * f * (3 - 2 * f);
      p.pos.lerpVectors(p.from, to, e);
      p.pos.y += p.lift * 4 * e * (1 - e);
      p.quat.slerpQuaternions(p.fromQuat, toQuat, e);
      return;
    }
    p.pos.copy(to);
    p.quat.copy(toQuat);
  }
}
