// For tests and the curious: what the scene shows, without reading pixels, as
// window.fieldlabTwin. The browser tests and the frame benchmark read it; nothing in the
// viewer does. `rebuild` takes the same path as a snapshot does, so tests can swap scenes.
import type { LiveClient } from './live/live-client.ts';
import type { Session } from './live/session.ts';
import type { ExperimentsPanel } from './panels/experiments-panel.ts';
import type { Timeline } from './panels/timeline.ts';
import type { Playback } from './replay/playback.ts';
import { Box3, Vector3 } from 'three';
import { GltfMachine } from './machines/gltf-machine.ts';
import { RobotArm } from './machines/robot-arm.ts';
import type { TwinScene } from './scene/twin-scene.ts';
import { FLOOR_NAME } from './scene/site-floor.ts';

/** What a lifecycle test compares between builds: GPU resources, objects, DOM, listeners. */
export interface Lifecycle {
  geometries: number;
  textures: number;
  /** Each material drawn holds one use of its shader program until it is disposed. */
  programUses: number;
  objects: number;
  floors: number;
  machines: number;
  machineLabels: number;
  stationLabels: number;
  sceneListeners: number;
  playbackListeners: number;
}

export function createTestHook(scene: TwinScene, client: LiveClient, playback: Playback, timeline: Timeline | undefined, experiments?: ExperimentsPanel, session?: Session) {
  /** Resolves after the scene drew a frame with the state now on show. */
  const drawn = () =>
    new Promise<void>((resolve) => {
      const after = scene.frames;
      const wait = () => (scene.frames > after ? resolve() : requestAnimationFrame(wait));
      requestAnimationFrame(wait);
    });
  return {
    devices: () => [...scene.machines.keys()],
    targets: (id: string) => ({ ...scene.machines.get(id)?.targets }),
    status: (id: string) => scene.machines.get(id)?.status,
    /** The values on show (live or replayed). */
    values: (id: string) => ({ ...playback.shown.history.stateAt(id) }),
    /** Live or replay, the instant shown, and how the replay plays. */
    playback: () => ({
      mode: playback.mode,
      at: playback.at,
      playing: playback.playing,
      speed: playback.speed,
      ready: playback.replay.ready,
      error: playback.replay.error,
      stalls: playback.stalls,
      stalledMs: playback.stalledMs,
      bytes: playback.replay.api.bytes,
      requests: playback.replay.api.requests,
      samples: playback.replay.history.size,
      /** Replayed time fetched up to here: a seek's first window is in once this passes its instant. */
      loadedTo: playback.replay.loadedTo,
    }),
    /** Seeks to `t` and resolves once the scene has drawn it (the window after it may still be on its way): the seek benchmark's "request → scene updated". */
    seek: async (t: number): Promise<void> => {
      await playback.seek(t, { play: false });
      await drawn();
    },
    play: (speed: number) => playback.play(speed),
    pause: () => playback.pause(),
    goLive: () => playback.goLive(),
    marks: () => timeline?.marks.length ?? 0,
    /** The series marks on the timeline, as [t, kind]. */
    seriesMarks: (): [number, string][] => (timeline?.marks ?? []).filter((m) => m.kind.startsWith('series_')).map((m) => [m.t, m.kind]),
    insightShown: () => playback.shown.insight,
    joint: (id: string, n: number): number | undefined => {
      const arm = scene.machines.get(id)?.machine;
      const j = arm instanceof RobotArm ? arm.joints[n - 1] : undefined;
      return j ? (n === 1 || n === 4 || n === 6 ? j.rotation.y : j.rotation.z) : undefined;
    },
    drawCalls: () => scene.drawCalls,
    /** The housings travelling the line: serial, stage, position, verdict. */
    parts: () => scene.parts(),
    gltfLoaded: (id: string) => {
      const m = scene.machines.get(id)?.machine;
      return m instanceof GltfMachine && m.loaded;
    },
    node: (id: string, name: string) => {
      const n = scene.machines.get(id)?.machine.object.getObjectByName(name);
      return n ? { rx: n.rotation.x, ry: n.rotation.y, rz: n.rotation.z } : undefined;
    },
    measureFrames: (n: number) => scene.measure(n),
    /** The selected machine's id (undefined: none). */
    selected: (): string | undefined => scene.selected,
    /** A point of a station's pad near its front right corner, clear of its machines, on the page (CSS pixels). */
    stationScreenPoint: (id: string): { x: number; y: number } | undefined => {
      const st = client.snapshot?.lines.flatMap((l) => l.stations).find((s) => s.id === id);
      if (!st) return undefined;
      const { width, depth } = st.size ?? { width: 3, depth: 3 };
      const at = scene.toWorld({ x: st.position.x + width / 2 - 0.4, y: st.position.y - depth / 2 + 0.3 }, 0.01).project(scene.camera);
      const rect = scene.renderer.domElement.getBoundingClientRect();
      return { x: rect.left + ((at.x + 1) / 2) * rect.width, y: rect.top + ((1 - at.y) / 2) * rect.height };
    },
    /** Where a machine stands on the page (CSS pixels), to tap or click it. */
    screenPoint: (id: string): { x: number; y: number } | undefined => {
      const m = scene.machines.get(id) ?? scene.ghosts.get(id);
      if (!m) return undefined;
      const at = new Box3().setFromObject(m.machine.object).getCenter(new Vector3()).project(scene.camera);
      const r = scene.renderer.domElement.getBoundingClientRect();
      return { x: r.left + ((at.x + 1) / 2) * r.width, y: r.top + ((1 - at.y) / 2) * r.height };
    },
    frames: () => scene.frames,
    connection: () => client.state,
    /** Who the viewer is logged in as and what it may do, as the gateway last said. */
    session: () => session?.info,
    snapshots: () => client.snapshots,
    /** Age of the newest data from any machine, by the gateway's clock (Infinity: none yet). */
    dataAge: (): number => {
      const newest = Math.max(0, ...[...scene.machines.keys()].map((id) => client.history.lastSeen(id)));
      return newest > 0 ? client.serverNow() - newest : Infinity;
    },
    insight: () => client.insight,
    /** The Experiments panel: open, what is pointed at, the changes, the run in progress, the result on show (undefined in the kiosk). */
    experiments: () => experiments?.state(),
    /** A simulated line's parts as the scene draws them, beside where the state on show has them. */
    stock: () => {
      const stock = playback.shown.stock;
      const stations = client.snapshot?.lines.flatMap((l) => l.stations.map((s) => s.id)) ?? [];
      const machines = [...scene.machines.keys(), ...scene.ghosts.keys()];
      return {
        drawn: scene.stockDrawn(),
        buffers: Object.fromEntries(stations.map((s) => [s, stock?.bufferAt(s) ?? 0])),
        held: stock ? machines.filter((m) => stock.holds(m)) : [],
      };
    },
    /** Plays the experiment on show in the scene, as its Play button does. */
    playExperiment: () => experiments?.play(),
    /** Machines an experiment would add, standing in the scene: where (site metres), what they copy, their status and label. */
    ghosts: () =>
      [...scene.ghosts.values()].map((g) => ({ id: g.device.id, like: g.ghost!.like, position: g.device.position, status: g.status, label: g.label.textContent ?? '', visible: g.machine.object.parent !== null })),
    /** The whole line in view (as the kiosk's summary shot). */
    overview: (): void => scene.overview(),
    /** Builds the scene again from the snapshot it was built from. */
    rebuild: (): void => {
      if (!client.snapshot) throw new Error('no snapshot yet');
      scene.build(client.snapshot);
    },
    lifecycle: (): Lifecycle => {
      let objects = 0;
      let floors = 0;
      scene.world.traverse((o) => {
        objects++;
        if (o.name === FLOOR_NAME) floors++;
      });
      // three.js keeps an EventDispatcher's listeners here; it has no public count.
      const count = (d: object) => Object.values((d as { _listeners?: Record<string, unknown[]> })._listeners ?? {}).reduce((n, l) => n + l.length, 0);
      return {
        geometries: scene.renderer.info.memory.geometries,
        textures: scene.renderer.info.memory.textures,
        programUses: (scene.renderer.info.programs ?? []).reduce((n, p) => n + p.usedTimes, 0),
        objects,
        floors,
        machines: scene.machines.size,
        machineLabels: document.querySelectorAll('.machine-label').length,
        stationLabels: document.querySelectorAll('.station-label').length,
        sceneListeners: count(scene),
        playbackListeners: count(playback),
      };
    },
    dispose: () => scene.dispose(),
  };
}

export type TwinTestHook = ReturnType<typeof createTestHook>;

export function installTestHook(scene: TwinScene, client: LiveClient, playback: Playback, timeline: Timeline | undefined, experiments?: ExperimentsPanel, session?: Session): void {
  Object.assign(window, { fieldlabTwin: createTestHook(scene, client, playback, timeline, experiments, session) });
}
