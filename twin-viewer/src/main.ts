// The twin viewer: the shop floor in 3D, fed by the gateway's live hub.
import './style.css';
import { LiveClient } from './live/live-client.ts';
import { formatAge } from './panels/format.ts';
import { startKiosk } from './panels/kiosk.ts';
import { AlarmList } from './panels/alarm-list.ts';
import { MachineList } from './panels/machine-list.ts';
import { SeriesPanel } from './panels/series-panel.ts';
import { MachinePanel } from './panels/machine-panel.ts';
import { TwinScene } from './scene/twin-scene.ts';

const params = new URLSearchParams(location.search);
const kiosk = params.get('mode') === 'kiosk';
const client = new LiveClient();
const scene = new TwinScene(document.getElementById('scene')!, client.history);
scene.clock = () => client.serverNow();
const SEVERITY_ORDER = ['critical', 'warning', 'info'] as const;
scene.insight = (id) => {
  const active = client.insight.alarms.filter((a) => a.device === id && a.clearedAt === undefined);
  return { state: client.insight.states[id]?.state, alarm: SEVERITY_ORDER.find((s) => active.some((a) => a.severity === s)) };
};
scene.insightVersion = () => client.insightVersion;
const panel = new MachinePanel(document.getElementById('panel')!, client.history);
let selected: string | undefined = params.get('device') ?? undefined;

const select = (id: string | undefined) => {
  selected = id && scene.machines.has(id) ? id : undefined;
  scene.select(selected);
  panel.show(selected ? scene.machines.get(selected) : undefined);
  saveView();
};
const list = new MachineList(document.getElementById('machines')!, scene, (id) => {
  select(id);
  scene.focus(id);
});
scene.onPick = (id) => select(id);
const alarms = new AlarmList(
  document.getElementById('alarms')!,
  (id) => scene.machines.get(id)?.device.name ?? id,
  (device, alarm, by) => client.acknowledge(device, alarm, by),
  (id) => {
    select(id);
    scene.focus(id);
  },
);
document.getElementById('panel')!.addEventListener('click', (e) => {
  if ((e.target as HTMLElement).classList.contains('close')) select(undefined);
});

// The view lives in the URL, so it can be shared: selected machine, camera, mode.
let saveTimer: number | undefined;
function saveView(): void {
  clearTimeout(saveTimer);
  saveTimer = window.setTimeout(() => {
    const p = new URLSearchParams(location.search);
    if (selected) p.set('device', selected);
    else p.delete('device');
    const c = scene.camera.position;
    const t = scene.controls.target;
    if (!kiosk) p.set('cam', [c.x, c.y, c.z, t.x, t.y, t.z].map((n) => n.toFixed(2)).join(','));
    history.replaceState(null, '', `?${p}`);
  }, 300);
}
scene.onCameraChange = saveView;

const seriesPanel = new SeriesPanel(
  document.getElementById('series')!,
  {
    station: (line, station) => client.snapshot?.lines.find((l) => l.id === line)?.stations.find((st) => st.id === station)?.name ?? station,
    // "Printer 1 — Prusa MK4 (OctoPrint)" → "Printer 1": the table has little room.
    device: (id) => scene.machines.get(id)?.device.name.split(' — ')[0] ?? id,
  },
  kiosk,
);

let built = false;
client.whenSnapshot((s) => {
  document.getElementById('title')!.textContent = s.site.name;
  if (built) return; // later snapshots (resync) only refresh the data
  built = true;
  scene.build(s);
  list.build();
  seriesPanel.build(s);
  const cam = params.get('cam')?.split(',').map(Number);
  if (cam?.length === 6 && cam.every(Number.isFinite)) {
    scene.camera.position.set(cam[0]!, cam[1]!, cam[2]!);
    scene.controls.target.set(cam[3]!, cam[4]!, cam[5]!);
    scene.controls.update();
  } else scene.overview();
  if (kiosk) startKiosk(scene, client.history, document.getElementById('caption')!);
  else select(selected);
});

// Connection and data age are always in view; stale data shows as stale.
const status = document.getElementById('connection')!;
setInterval(() => {
  const now = client.serverNow();
  const newest = Math.max(0, ...[...scene.machines.keys()].map((id) => client.history.lastSeen(id)));
  status.dataset.state = client.state;
  status.textContent = `${client.state === 'live' ? '● live' : client.state === 'connecting' ? '○ connecting' : '○ reconnecting'} · newest data ${newest ? formatAge(now - newest) : '—'}`;
  list.refresh(selected);
  alarms.refresh(client.insight.alarms, now);
  seriesPanel.refresh(client.insight.series);
  panel.refresh(selected ? scene.machines.get(selected) : undefined, now);
}, 500);

// For tests and the curious: what the scene shows, without reading pixels.
Object.assign(window, {
  fieldlabTwin: {
    devices: () => [...scene.machines.keys()],
    targets: (id: string) => ({ ...scene.machines.get(id)?.targets }),
    status: (id: string) => scene.machines.get(id)?.status,
    values: (id: string) => ({ ...client.history.stateAt(id) }),
    joint: (id: string, n: number) => {
      const arm = scene.machines.get(id)?.machine as unknown as { joints?: { rotation: { y: number; z: number } }[] };
      const j = arm.joints?.[n - 1];
      return j ? (n === 1 || n === 4 || n === 6 ? j.rotation.y : j.rotation.z) : undefined;
    },
    drawCalls: () => scene.drawCalls,
    gltfLoaded: (id: string) => (scene.machines.get(id)?.machine as { loaded?: boolean } | undefined)?.loaded === true,
    node: (id: string, name: string) => {
      const n = scene.machines.get(id)?.machine.object.getObjectByName(name);
      return n ? { rx: n.rotation.x, ry: n.rotation.y, rz: n.rotation.z } : undefined;
    },
    measureFrames: (n: number) => scene.measure(n),
    frames: () => scene.frames,
    connection: () => client.state,
    insight: () => client.insight,
  },
});
