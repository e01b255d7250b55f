// The 3D shop floor, built from the site layout in the snapshot. Every frame asks the
// state source for each device's state at the scene's clock and applies the profile's
// bindings; it draws only when something changed, moved or animates (render on demand).
// Like three.js's controls it announces what happens as events (select, change, build)
// for panels to subscribe to, and frees everything it holds in `dispose()`.
import * as THREE from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import { CSS2DObject, CSS2DRenderer } from 'three/addons/renderers/CSS2DRenderer.js';
import type { LiveDevice, LiveSnapshot } from '../../../gateway/src/core/live-events.ts';
import { judgedFrom, type ShownState } from '../live/shown-state.ts';
import { evaluateBindings, type Targets } from '../machines/bindings.ts';
import { createMachine } from '../machines/index.ts';
import { GltfMachine } from '../machines/gltf-machine.ts';
import type { Machine } from '../machines/machine.ts';
import { disposeOwned, releaseSharedParts, retainSharedParts } from '../machines/parts.ts';
import { statusOf, withInsight, type Status } from '../machines/status.ts';
import { kindOf } from '../panels/change-words.ts';
import { formatSignal } from '../panels/format.ts';
import { ShopLighting } from './lighting.ts';
import { MaterialFlow, type FlowPart } from './material-flow.ts';
import { BATCHED_LAYER, PartBatcher } from './part-batcher.ts';
import { ghostify, ghostPosition, type GhostSpec } from './ghost-machines.ts';
import { buildFloor } from './site-floor.ts';
import { StationStock } from './station-stock.ts';
import { LabelDeclutter } from './label-declutter.ts';

export interface PlacedMachine {
  readonly device: LiveDevice;
  readonly machine: Machine;
  readonly label: HTMLDivElement;
  targets: Targets;
  status: Status;
  /** An alarm is listed for it: its label is marked. */
  alarmed: boolean;
  /** A machine an experiment would add: see-through, not the site's, not picked. */
  readonly ghost?: { readonly like: string; sync(): void; dispose(): void };
}

/** Where the scene reads what it shows, asked every drawn frame: the live state or a replayed one. */
export interface SceneSources {
  shown(): ShownState;
}

/**
 * Dispatched synchronously: `select` after the selection changed (a pick, a list, an alarm,
 * the panel closed; also when a rebuild drops the selected machine), `change` after the
 * camera moved (the user, `focus`, `overview`), `build` after the floor and machines were
 * replaced from a snapshot, `dispose` once, before the scene frees what it holds: whatever
 * works on the scene (timers, tours) stops there.
 */
export interface TwinSceneEventMap {
  select: { id: string | undefined };
  /** A station's pad was clicked where no machine stands (the selection is cleared too). */
  station: { id: string };
  /** A ghost machine was dragged to a new place (site metres). */
  ghostmove: { id: string; position: { x: number; y: number } };
  change: {};
  build: { snapshot: LiveSnapshot };
  dispose: {};
}

export class TwinScene extends THREE.EventDispatcher<TwinSceneEventMap> {
  readonly renderer: THREE.WebGLRenderer;
  readonly camera = new THREE.PerspectiveCamera(50, 1, 0.1, 500);
  readonly controls: OrbitControls;
  readonly machines = new Map<string, PlacedMachine>();
  /** Machines an experiment would add (`setGhosts`), by their id in the line model. */
  readonly ghosts = new Map<string, PlacedMachine>();
  /** The three.js scene graph: lights, the site's floor and the machines. */
  readonly world = new THREE.Scene();
  drawCalls = 0;
  frames = 0;
  private readonly labels = new CSS2DRenderer();
  private readonly declutter = new LabelDeclutter();
  private readonly raycaster = new THREE.Raycaster();
  private readonly pointer = new THREE.Vector2();
  private readonly resizeObserver = new ResizeObserver(() => this.resize());
  private floorSize = { width: 40, depth: 24 };
  private devices: readonly LiveDevice[] = [];
  /** A word on a machine's label (an experiment's bottleneck), by machine id. */
  private readonly labelMarks = new Map<string, string>();
  /** Where a person dragged a ghost, kept while it stands (a change of its station's count keeps the others'). */
  private readonly ghostPlaces = new Map<string, { x: number; y: number }>();
  /** A ghost being dragged, and whether the pointer moved (a click that did not move is a click). */
  private drag: { ghost: PlacedMachine; moved: boolean; controls: boolean } | undefined;
  /** A ghost's drag ended and no button went down since: a click now is the drag's own, no pick. */
  private dragJustEnded = false;
  private readonly floorPlane = new THREE.Plane(new THREE.Vector3(0, 1, 0), 0);
  private readonly hitPoint = new THREE.Vector3();
  private floor: THREE.Object3D | undefined;
  /** The parts travelling the line, and the instanced drawing of the machines' shared parts; both per build. */
  private flow: MaterialFlow | undefined;
  /** A simulated line's parts, shown instead of the flow while a scenario plays; per build. */
  private stock: StationStock | undefined;
  private batcher: PartBatcher | undefined;
  private readonly lighting: ShopLighting;
  private seenVersion = -1;
  private seenJudged = -1;
  private seenSource: ShownState | undefined;
  private dirty = true;
  private animating = false;
  private last = performance.now();
  private chosen: string | undefined;
  private disposed = false;

  constructor(
    private readonly host: HTMLElement,
    private readonly sources: SceneSources,
  ) {
    super();
    retainSharedParts();
    this.renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.renderer.setClearColor(0x11161c);
    host.appendChild(this.renderer.domElement);
    this.labels.domElement.className = 'labels';
    host.appendChild(this.labels.domElement);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.enableDamping = true;
    this.controls.maxPolarAngle = Math.PI / 2.05;
    this.controls.addEventListener('change', this.onControlsChange);
    this.lighting = new ShopLighting(this.renderer, this.world);
    this.raycaster.layers.enable(BATCHED_LAYER);
    this.resizeObserver.observe(host);
    this.renderer.domElement.addEventListener('click', this.onClick);
    this.renderer.domElement.addEventListener('pointerdown', this.onPointerDown);
    this.renderer.domElement.addEventListener('pointermove', this.onPointerMove);
    this.renderer.domElement.addEventListener('pointerup', this.onPointerUp);
    this.resize();
    this.renderer.setAnimationLoop(() => this.frame());
  }

  /** The selected machine's device id (`select` announces changes). */
  get selected(): string | undefined {
    return this.chosen;
  }

  /** Replaces the floor and every machine with the snapshot's; the old ones are freed. */
  build(snapshot: LiveSnapshot): void {
    this.clear();
    this.devices = snapshot.devices;
    this.floorSize = snapshot.site.floor;
    this.floor = buildFloor(snapshot, (p, h) => this.toWorld(p, h));
    this.world.add(this.floor);
    for (const device of snapshot.devices) this.place(device);
    this.flow = new MaterialFlow(snapshot, this.machines);
    this.world.add(this.flow.object);
    this.stock = new StationStock(snapshot, (p, h) => this.toWorld(p, h));
    this.world.add(this.stock.object);
    this.batcher = new PartBatcher(this.world, [this.floor, this.flow.object, ...[...this.machines.values()].map((m) => m.machine.object)]);
    this.world.add(this.batcher.object);
    this.lighting.fit(this.floorSize);
    this.declutter.track(this.world);
    this.dirty = true;
    if (this.chosen !== undefined && !this.machines.has(this.chosen)) this.select(undefined);
    else this.highlight(this.chosen);
    this.dispatchEvent({ type: 'build', snapshot });
  }

  /**
   * Shows exactly these machines an experiment would add, each beside the last machine of
   * its station; ghosts not in the list are freed. A rebuild drops them all (the owner sets
   * them again on `build`).
   */
  setGhosts(specs: readonly GhostSpec[]): void {
    const wanted = new Set(specs.map((g) => g.id));
    for (const [id, g] of this.ghosts) {
      if (wanted.has(id)) continue;
      this.removeMachine(g);
      this.ghosts.delete(id);
      this.ghostPlaces.delete(id);
    }
    for (const spec of specs) {
      const existing = this.ghosts.get(spec.id);
      if (existing?.ghost?.like === spec.like.id) continue;
      if (existing) this.removeMachine(existing);
      const mates = this.devices.filter((d) => d.station === spec.like.station && d.line === spec.like.line);
      const k = Number(/\+(\d+)$/.exec(spec.id)?.[1] ?? 1);
      const device: LiveDevice = { ...spec.like, id: spec.id, name: `+${k} ${kindOf(spec.like)} (planned)`, position: this.ghostPlaces.get(spec.id) ?? ghostPosition(mates.length > 0 ? mates : [spec.like], k), values: {} };
      this.ghosts.set(spec.id, this.place(device, spec.like.id));
    }
    this.dirty = true;
  }

  /** Puts exactly these marks on machines' labels (ghosts included); kept across rebuilds for machines still there. */
  setMarks(marks: Readonly<Record<string, string>>): void {
    this.labelMarks.clear();
    for (const [id, text] of Object.entries(marks)) this.labelMarks.set(id, text);
    this.dirty = true;
  }

  marks(): Record<string, string> {
    return Object.fromEntries(this.labelMarks);
  }

  /** Site metres (x east, y north) to scene coordinates (x, y up, z south). */
  toWorld(p: { x: number; y: number }, height: number): THREE.Vector3 {
    return new THREE.Vector3(p.x - this.floorSize.width / 2, height, this.floorSize.depth / 2 - p.y);
  }

  /** The whole line in view: framed on the machines, not the empty floor. */
  overview(): void {
    const box = new THREE.Box3();
    for (const m of this.machines.values()) box.expandByObject(m.machine.object);
    const { width, depth } = this.floorSize;
    if (box.isEmpty()) box.set(new THREE.Vector3(-width / 2, 0, -depth / 2), new THREE.Vector3(width / 2, 1, depth / 2));
    const center = box.getCenter(new THREE.Vector3());
    const span = Math.max(box.max.x - box.min.x, box.max.z - box.min.z, 6);
    this.controls.target.set(center.x, 0, center.z);
    // A narrow view (a phone in portrait) looks along the line from its long side's end, so
    // the line runs up the screen instead of shrinking to fit across it.
    if (this.camera.aspect < 1) {
      this.controls.target.x += span * 0.1;
      this.camera.position.set(center.x + span * 0.85, span * 0.65, center.z + span * 0.25);
    } else this.camera.position.set(center.x, span * 0.5, center.z + span * 0.7);
    this.controls.update();
  }

  focus(id: string, distance = 5): void {
    const m = this.machines.get(id);
    if (!m) return;
    const at = m.machine.object.position;
    this.controls.target.copy(at).add(new THREE.Vector3(0, 0.8, 0));
    this.camera.position.copy(at).add(new THREE.Vector3(distance * 0.7, distance * 0.6, distance * 0.7));
    this.controls.update();
  }

  /** The site's machines and the ghosts. */
  private *allMachines(): Iterable<PlacedMachine> {
    yield* this.machines.values();
    yield* this.ghosts.values();
  }

  /** A simulated line's parts drawn now (0 unless a scenario plays). */
  stockDrawn(): number {
    return this.stock?.drawn ?? 0;
  }

  /** The parts on the line now, oldest first (for tests and the tour). */
  parts(): FlowPart[] {
    return this.flow?.parts() ?? [];
  }

  /** Selects a machine (an unknown id selects none) and announces it, even when unchanged. */
  select(id: string | undefined): void {
    this.chosen = id !== undefined && this.machines.has(id) ? id : undefined;
    this.highlight(this.chosen);
    this.dispatchEvent({ type: 'select', id: this.chosen });
  }

  /** Marks a machine's label without selecting it: the visitor tour points at machines so. */
  highlight(id: string | undefined): void {
    for (const m of this.machines.values()) m.label.classList.toggle('selected', m.device.id === id);
    this.dirty = true;
  }

  /** Draws `n` frames back to back (as if everything changed) and reports the mean time of one. */
  measure(n: number): { meanMs: number; drawCalls: number; triangles: number } {
    const t0 = performance.now();
    // The most of any frame: the shadow pass, redrawn a few times a second, adds its own.
    let drawCalls = 0;
    let triangles = 0;
    for (let i = 0; i < n; i++) {
      this.dirty = true;
      this.frame();
      drawCalls = Math.max(drawCalls, this.renderer.info.render.calls);
      triangles = Math.max(triangles, this.renderer.info.render.triangles);
      // Reading a pixel waits for the GPU (here SwiftShader) to finish the frame.
      const gl = this.renderer.getContext();
      gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
    }
    return { meanMs: (performance.now() - t0) / n, drawCalls, triangles };
  }

  /**
   * Stops drawing and frees the floor, the machines, the shared parts (when no other scene
   * holds them), the renderer and its canvas, the labels and every listener it added.
   * Later calls do nothing.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.dispatchEvent({ type: 'dispose' });
    this.renderer.setAnimationLoop(null);
    this.clear();
    this.declutter.track(undefined);
    this.resizeObserver.disconnect();
    this.renderer.domElement.removeEventListener('click', this.onClick);
    this.renderer.domElement.removeEventListener('pointerdown', this.onPointerDown);
    this.renderer.domElement.removeEventListener('pointermove', this.onPointerMove);
    this.renderer.domElement.removeEventListener('pointerup', this.onPointerUp);
    this.controls.removeEventListener('change', this.onControlsChange);
    this.controls.dispose();
    this.lighting.dispose();
    releaseSharedParts();
    this.renderer.dispose();
    this.renderer.domElement.remove();
    this.labels.domElement.remove();
  }

  private place(device: LiveDevice, ghostOf?: string): PlacedMachine {
    const machine = device.twin?.gltf ? new GltfMachine(new URL(device.twin.gltf, location.href).toString()) : createMachine(device.twin?.model ?? device.kind);
    if (machine instanceof GltfMachine) machine.addEventListener('load', this.onModelLoad);
    machine.object.position.copy(this.toWorld(device.position, 0));
    machine.object.rotation.y = (device.rotation * Math.PI) / 180;
    machine.object.traverse((o) => (o.userData.deviceId = device.id));
    this.world.add(machine.object);
    const label = document.createElement('div');
    label.className = 'machine-label';
    label.dataset.device = device.id;
    const labelObject = new CSS2DObject(label);
    labelObject.position.set(0, machine.labelHeight, 0);
    machine.object.add(labelObject);
    if (ghostOf !== undefined) {
      label.classList.add('ghost');
      const look = ghostify(machine.object);
      return { device, machine, label, targets: {}, status: 'unknown', alarmed: false, ghost: { like: ghostOf, ...look } };
    }
    const placed: PlacedMachine = { device, machine, label, targets: {}, status: 'unknown', alarmed: false };
    this.machines.set(device.id, placed);
    return placed;
  }

  private removeMachine(m: PlacedMachine): void {
    m.machine.object.removeFromParent();
    m.label.remove();
    if (m.machine instanceof GltfMachine) m.machine.removeEventListener('load', this.onModelLoad);
    m.machine.dispose();
    m.ghost?.dispose();
  }

  private clear(): void {
    this.batcher?.dispose();
    this.batcher = undefined;
    this.flow?.dispose();
    this.flow = undefined;
    this.stock?.dispose();
    this.stock = undefined;
    for (const m of this.machines.values()) this.removeMachine(m);
    this.machines.clear();
    for (const m of this.ghosts.values()) this.removeMachine(m);
    this.ghosts.clear();
    if (this.floor) {
      this.floor.removeFromParent();
      disposeOwned(this.floor);
      this.floor = undefined;
    }
  }

  private frame(): void {
    const now = performance.now();
    const elapsed = (now - this.last) / 1000;
    const dt = Math.min(0.1, elapsed);
    this.last = now;
    const damped = this.controls.update();
    const shown = this.sources.shown();
    const { history } = shown;
    const changed = shown !== this.seenSource || history.version !== this.seenVersion || shown.insightVersion !== this.seenJudged;
    this.seenSource = shown;
    this.seenJudged = shown.insightVersion;
    // Staleness moves with time even when no data comes: look again twice a second.
    const tick = Math.floor(now / 500) !== Math.floor((now - dt * 1000) / 500);
    if (!changed && !this.animating && !this.dirty && !damped && !tick) return;
    this.seenVersion = history.version;
    const t = shown.now();
    let animating = false;
    for (const m of this.machines.values()) {
      const values = history.stateAt(m.device.id);
      const twin = m.device.twin;
      // The same targets object every frame: cleared and refilled, not reallocated.
      for (const k in m.targets) delete m.targets[k];
      if (twin) evaluateBindings(twin, m.device.signals, values, m.targets);
      const judged = judgedFrom(shown.insight, m.device.id);
      const lastSeen = history.lastSeen(m.device.id);
      m.status = withInsight(
        statusOf(m.targets.status, m.targets.alarm, lastSeen, t, twin?.staleAfterSeconds ?? 10, Object.keys(m.device.values).length > 0 || lastSeen > 0),
        judged.state,
        judged.alarm,
      );
      m.alarmed = judged.alarm !== undefined;
      if (m.machine.update(m.targets, m.status, dt)) animating = true;
      this.label(m, values);
    }
    for (const m of this.ghosts.values()) {
      // Only a simulated line knows what a ghost does; elsewhere it is planned, not running.
      const judged = judgedFrom(shown.insight, m.device.id);
      m.status = judged.state !== undefined ? withInsight('idle', judged.state, judged.alarm) : 'unknown';
      m.alarmed = judged.alarm !== undefined;
      if (m.machine.update(m.targets, m.status, dt)) animating = true;
      m.ghost!.sync();
      this.label(m, {});
    }
    this.world.updateMatrixWorld();
    // Parts keep the line's pace even when software GL draws few frames a second (a second at most: a tab back from the background).
    // A simulated line has no signals to move parts by: its parts stand where the model has them.
    if (this.flow) this.flow.object.visible = shown.stock === undefined;
    if (shown.stock === undefined && this.flow?.update(Math.min(1, elapsed))) animating = true;
    this.stock?.update(shown.stock, this.allMachines());
    this.batcher?.update();
    this.lighting.beforeFrame(now);
    this.animating = animating;
    this.dirty = false;
    this.renderer.render(this.world, this.camera);
    this.labels.render(this.world, this.camera);
    this.declutter.update(this.camera);
    this.drawCalls = this.renderer.info.render.calls;
    this.frames++;
  }

  private label(m: PlacedMachine, values: Record<string, unknown>): void {
    const keys = m.device.twin?.labels ?? [];
    const parts = keys.filter((k) => values[k] !== undefined).map((k) => formatSignal(values[k], m.device.signals[k]));
    const text = `${m.device.name}${parts.length ? `\n${parts.join(' · ')}` : ''}`;
    if (m.label.textContent !== text) m.label.textContent = text;
    m.label.dataset.status = m.status;
    const mark = this.labelMarks.get(m.device.id);
    if (mark === undefined) delete m.label.dataset.mark;
    else if (m.label.dataset.mark !== mark) m.label.dataset.mark = mark;
    m.label.classList.toggle('alarmed', m.alarmed);
    // Labels shrink with distance, so the near ones stay readable and the far ones out of the way.
    const d = this.camera.position.distanceTo(m.machine.object.position);
    m.label.style.fontSize = `${Math.max(9, Math.min(16, 180 / d))}px`;
  }

  // Arrow properties, so that dispose() removes the very functions it added.
  private readonly onControlsChange = () => {
    this.dirty = true;
    this.dispatchEvent({ type: 'change' });
  };

  private readonly onModelLoad = () => {
    this.dirty = true;
  };

  /** Points the raycaster at the pointer's place on the canvas. */
  private aim(e: MouseEvent): void {
    const rect = this.renderer.domElement.getBoundingClientRect();
    this.pointer.set(((e.clientX - rect.left) / rect.width) * 2 - 1, -((e.clientY - rect.top) / rect.height) * 2 + 1);
    this.raycaster.setFromCamera(this.pointer, this.camera);
  }

  // A ghost is moved by dragging it across the floor; the camera stays put meanwhile.
  private readonly onPointerDown = (e: PointerEvent) => {
    // A new press: whatever drag ended before (let go off the canvas, with no click of its own) is over.
    this.dragJustEnded = false;
    if (this.ghosts.size === 0 || !this.controls.enabled) return;
    this.aim(e);
    const ghosts = [...this.ghosts.values()];
    const hit = this.raycaster.intersectObjects(ghosts.map((g) => g.machine.object), true)[0];
    const ghost = hit && ghosts.find((g) => isWithin(hit.object, g.machine.object));
    if (!ghost) return;
    this.drag = { ghost, moved: false, controls: this.controls.enabled };
    this.controls.enabled = false;
    this.renderer.domElement.setPointerCapture?.(e.pointerId);
  };

  private readonly onPointerMove = (e: PointerEvent) => {
    const d = this.drag;
    if (!d) return;
    this.aim(e);
    if (!this.raycaster.ray.intersectPlane(this.floorPlane, this.hitPoint)) return;
    d.moved = true;
    d.ghost.machine.object.position.set(this.hitPoint.x, d.ghost.machine.object.position.y, this.hitPoint.z);
    this.dirty = true;
  };

  private readonly onPointerUp = (e: PointerEvent) => {
    const d = this.drag;
    if (!d) return;
    this.drag = undefined;
    this.controls.enabled = d.controls;
    this.renderer.domElement.releasePointerCapture?.(e.pointerId);
    if (!d.moved) return;
    // The click that ends a drag is not a pick. Let go off the canvas, a drag has no click: the
    // next press clears the mark, so the next real click is not swallowed.
    this.dragJustEnded = true;
    const p = d.ghost.machine.object.position;
    const position = { x: p.x + this.floorSize.width / 2, y: this.floorSize.depth / 2 - p.z };
    this.ghostPlaces.set(d.ghost.device.id, position);
    this.ghosts.set(d.ghost.device.id, { ...d.ghost, device: { ...d.ghost.device, position } });
    this.dispatchEvent({ type: 'ghostmove', id: d.ghost.device.id, position });
  };

  private readonly onClick = (e: MouseEvent) => {
    if (this.dragJustEnded) {
      this.dragJustEnded = false;
      return;
    }
    this.aim(e);
    const hit = this.raycaster.intersectObjects([...this.machines.values()].map((m) => m.machine.object), true)[0];
    this.select(hit?.object.userData.deviceId as string | undefined);
    if (hit || !this.floor) return;
    const pads = this.floor.children.filter((o) => o.userData.stationId !== undefined);
    const pad = this.raycaster.intersectObjects(pads, false)[0];
    if (pad) this.dispatchEvent({ type: 'station', id: pad.object.userData.stationId as string });
  };

  private resize(): void {
    const w = this.host.clientWidth || 1;
    const h = this.host.clientHeight || 1;
    this.renderer.setSize(w, h);
    this.labels.setSize(w, h);
    this.declutter.setSize(w, h);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.dirty = true;
  }
}

/** Whether `o` is `root` or below it. */
function isWithin(o: THREE.Object3D, root: THREE.Object3D): boolean {
  for (let at: THREE.Object3D | null = o; at; at = at.parent) if (at === root) return true;
  return false;
}
