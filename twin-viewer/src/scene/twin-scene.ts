// The 3D shop floor, built from the site layout in the snapshot. Every frame asks the
// state source for each device's state at the scene's clock and applies the profile's
// bindings; it draws only when something changed, moved or animates (render on demand).
import * as THREE from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import { CSS2DObject, CSS2DRenderer } from 'three/addons/renderers/CSS2DRenderer.js';
import type { LiveDevice, LiveSnapshot } from '../../../gateway/src/core/live-events.ts';
import type { DeviceHistory } from '../live/device-history.ts';
import { evaluateBindings, type Targets } from '../machines/bindings.ts';
import { createMachine } from '../machines/index.ts';
import { GltfMachine } from '../machines/gltf-machine.ts';
import type { Machine } from '../machines/machine.ts';
import { statusOf, withInsight, type Status } from '../machines/status.ts';
import { formatValue } from '../panels/format.ts';

export interface PlacedMachine {
  readonly device: LiveDevice;
  readonly machine: Machine;
  readonly label: HTMLDivElement;
  targets: Targets;
  status: Status;
  /** An alarm is listed for it: its label is marked. */
  alarmed: boolean;
}

/** What the gateway says of a device: its machine state and its worst active alarm. */
export interface Judged {
  readonly state: string | undefined;
  readonly alarm: 'critical' | 'warning' | 'info' | undefined;
}

export class TwinScene {
  readonly renderer: THREE.WebGLRenderer;
  readonly camera = new THREE.PerspectiveCamera(50, 1, 0.1, 500);
  readonly controls: OrbitControls;
  readonly machines = new Map<string, PlacedMachine>();
  onPick: (id: string | undefined) => void = () => {};
  onCameraChange: () => void = () => {};
  /** The gateway's clock, for staleness. */
  clock: () => number = () => Date.now();
  /** The gateway's judgement per device (machine state, alarms), and its version. */
  insight: (id: string) => Judged = () => ({ state: undefined, alarm: undefined });
  insightVersion: () => number = () => 0;
  private seenInsight = -1;
  /** The time whose state is shown: undefined follows the live edge; a time replays that moment. */
  showing: number | undefined;
  private readonly scene = new THREE.Scene();
  private readonly labels = new CSS2DRenderer();
  private readonly raycaster = new THREE.Raycaster();
  private readonly pointer = new THREE.Vector2();
  private floor = { width: 40, depth: 24 };
  private seenVersion = -1;
  private dirty = true;
  private animating = false;
  private last = performance.now();
  private selected: string | undefined;
  drawCalls = 0;
  frames = 0;

  constructor(
    private readonly host: HTMLElement,
    private readonly history: DeviceHistory,
  ) {
    this.renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.renderer.setClearColor(0x11161c);
    host.appendChild(this.renderer.domElement);
    this.labels.domElement.className = 'labels';
    host.appendChild(this.labels.domElement);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.enableDamping = true;
    this.controls.maxPolarAngle = Math.PI / 2.05;
    this.controls.addEventListener('change', () => {
      this.dirty = true;
      this.onCameraChange();
    });
    this.scene.add(new THREE.HemisphereLight(0xdfe8f0, 0x30363d, 1.6));
    const sun = new THREE.DirectionalLight(0xffffff, 1.6);
    sun.position.set(10, 20, 8);
    this.scene.add(sun);
    new ResizeObserver(() => this.resize()).observe(host);
    this.renderer.domElement.addEventListener('click', (e) => this.pick(e));
    this.resize();
    this.renderer.setAnimationLoop(() => this.frame());
  }

  build(snapshot: LiveSnapshot): void {
    for (const m of this.machines.values()) {
      this.scene.remove(m.machine.object);
      m.label.parentElement?.remove();
    }
    this.machines.clear();
    this.floor = snapshot.site.floor;
    const { width, depth } = this.floor;
    const ground = new THREE.Mesh(new THREE.PlaneGeometry(width, depth), new THREE.MeshStandardMaterial({ color: 0x1d252e, roughness: 0.95 }));
    ground.rotation.x = -Math.PI / 2;
    this.scene.add(ground);
    const grid = new THREE.GridHelper(Math.max(width, depth), Math.max(width, depth), 0x2f3a45, 0x26303a);
    grid.position.y = 0.002;
    this.scene.add(grid);
    for (const line of snapshot.lines) {
      for (const st of line.stations) {
        const size = st.size ?? { width: 3, depth: 3 };
        const pad = new THREE.Mesh(new THREE.BoxGeometry(size.width, 0.02, size.depth), new THREE.MeshStandardMaterial({ color: 0x24405a, roughness: 0.9 }));
        pad.position.copy(this.toWorld(st.position, 0.01));
        this.scene.add(pad);
        const tag = document.createElement('div');
        tag.className = 'station-label';
        tag.textContent = st.name;
        const obj = new CSS2DObject(tag);
        obj.position.copy(this.toWorld({ x: st.position.x, y: st.position.y - size.depth / 2 }, 0.05));
        this.scene.add(obj);
      }
    }
    for (const device of snapshot.devices) {
      const machine = device.twin?.gltf
        ? new GltfMachine(new URL(device.twin.gltf, location.href).toString(), () => (this.dirty = true))
        : createMachine(device.twin?.model ?? device.kind);
      machine.object.position.copy(this.toWorld(device.position, 0));
      machine.object.rotation.y = (device.rotation * Math.PI) / 180;
      machine.object.traverse((o) => (o.userData.deviceId = device.id));
      this.scene.add(machine.object);
      const label = document.createElement('div');
      label.className = 'machine-label';
      label.dataset.device = device.id;
      const labelObject = new CSS2DObject(label);
      labelObject.position.set(0, machine.labelHeight, 0);
      machine.object.add(labelObject);
      this.machines.set(device.id, { device, machine, label, targets: {}, status: 'unknown', alarmed: false });
    }
    this.dirty = true;
  }

  /** Site metres (x east, y north) to scene coordinates (x, y up, z south). */
  toWorld(p: { x: number; y: number }, height: number): THREE.Vector3 {
    return new THREE.Vector3(p.x - this.floor.width / 2, height, this.floor.depth / 2 - p.y);
  }

  /** The whole line in view: framed on the machines, not the empty floor. */
  overview(): void {
    const box = new THREE.Box3();
    for (const m of this.machines.values()) box.expandByObject(m.machine.object);
    if (box.isEmpty()) box.set(new THREE.Vector3(-this.floor.width / 2, 0, -this.floor.depth / 2), new THREE.Vector3(this.floor.width / 2, 1, this.floor.depth / 2));
    const center = box.getCenter(new THREE.Vector3());
    const span = Math.max(box.max.x - box.min.x, box.max.z - box.min.z, 6);
    this.controls.target.set(center.x, 0, center.z);
    this.camera.position.set(center.x, span * 0.5, center.z + span * 0.7);
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

  select(id: string | undefined): void {
    this.selected = id;
    for (const m of this.machines.values()) m.label.classList.toggle('selected', m.device.id === id);
    this.dirty = true;
  }

  /** Draws `n` frames back to back (as if everything changed) and reports the mean time of one. */
  measure(n: number): { meanMs: number; drawCalls: number; triangles: number } {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      this.dirty = true;
      this.frame();
      // Reading a pixel waits for the GPU (here SwiftShader) to finish the frame.
      const gl = this.renderer.getContext();
      gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
    }
    return { meanMs: (performance.now() - t0) / n, drawCalls: this.renderer.info.render.calls, triangles: this.renderer.info.render.triangles };
  }

  private frame(): void {
    const now = performance.now();
    const dt = Math.min(0.1, (now - this.last) / 1000);
    this.last = now;
    const damped = this.controls.update();
    const changed = this.history.version !== this.seenVersion || this.insightVersion() !== this.seenInsight;
    this.seenInsight = this.insightVersion();
    // Staleness moves with time even when no data comes: look again twice a second.
    const tick = Math.floor(now / 500) !== Math.floor((now - dt * 1000) / 500);
    if (!changed && !this.animating && !this.dirty && !damped && !tick) return;
    this.seenVersion = this.history.version;
    const t = this.clock();
    let animating = false;
    for (const m of this.machines.values()) {
      const values = this.history.stateAt(m.device.id, this.showing);
      const twin = m.device.twin;
      // The same targets object every frame: cleared and refilled, not reallocated.
      for (const k in m.targets) delete m.targets[k];
      if (twin) evaluateBindings(twin, m.device.signals, values, m.targets);
      const judged = this.insight(m.device.id);
      m.status = withInsight(
        statusOf(m.targets.status, m.targets.alarm, this.history.lastSeen(m.device.id), t, twin?.staleAfterSeconds ?? 10, Object.keys(m.device.values).length > 0 || this.history.lastSeen(m.device.id) > 0),
        judged.state,
        judged.alarm,
      );
      m.alarmed = judged.alarm !== undefined;
      if (m.machine.update(m.targets, m.status, dt)) animating = true;
      this.label(m, values);
    }
    this.animating = animating;
    this.dirty = false;
    this.renderer.render(this.scene, this.camera);
    this.labels.render(this.scene, this.camera);
    this.drawCalls = this.renderer.info.render.calls;
    this.frames++;
  }

  private label(m: PlacedMachine, values: Record<string, unknown>): void {
    const keys = m.device.twin?.labels ?? [];
    const parts = keys.filter((k) => values[k] !== undefined).map((k) => formatValue(values[k], m.device.signals[k]?.unit));
    const text = `${m.device.name}${parts.length ? `\n${parts.join(' · ')}` : ''}`;
    if (m.label.textContent !== text) m.label.textContent = text;
    m.label.dataset.status = m.status;
    m.label.classList.toggle('alarmed', m.alarmed);
    // Labels shrink with distance, so the near ones stay readable and the far ones out of the way.
    const d = this.camera.position.distanceTo(m.machine.object.position);
    m.label.style.fontSize = `${Math.max(9, Math.min(16, 180 / d))}px`;
  }

  private pick(e: MouseEvent): void {
    const rect = this.renderer.domElement.getBoundingClientRect();
    this.pointer.set(((e.clientX - rect.left) / rect.width) * 2 - 1, -((e.clientY - rect.top) / rect.height) * 2 + 1);
    this.raycaster.setFromCamera(this.pointer, this.camera);
    const hit = this.raycaster.intersectObjects([...this.machines.values()].map((m) => m.machine.object), true)[0];
    this.onPick(hit?.object.userData.deviceId as string | undefined);
  }

  private resize(): void {
    const w = this.host.clientWidth || 1;
    const h = this.host.clientHeight || 1;
    this.renderer.setSize(w, h);
    this.labels.setSize(w, h);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.dirty = true;
  }
}
