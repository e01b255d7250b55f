// The twin viewer: the shop floor in 3D, fed by the gateway's live hub. This file only
// assembles: the scene announces selection, camera moves and builds as events, and each
// panel subscribes to what it shows (as three.js's editor panels do to its signals).
import './style.css';
import { LiveClient } from './live/live-client.ts';
import { formatAge } from './panels/format.ts';
import { Kiosk } from './panels/kiosk.ts';
import { AlarmList } from './panels/alarm-list.ts';
import { BottomSheet } from './panels/bottom-sheet.ts';
import { MachineList } from './panels/machine-list.ts';
import { SeriesPanel } from './panels/series-panel.ts';
import { MachinePanel } from './panels/machine-panel.ts';
import { TwinScene } from './scene/twin-scene.ts';
import { installTestHook } from './test-hook.ts';
import { ViewInUrl } from './view-url.ts';
import type { LiveSnapshot } from '../../gateway/src/core/live-events.ts';

const kiosk = new URLSearchParams(location.search).get('mode') === 'kiosk';
const client = new LiveClient();
const SEVERITY_ORDER = ['critical', 'warning', 'info'] as const;
const scene = new TwinScene(document.getElementById('scene')!, {
  history: client.history,
  clock: () => client.serverNow(),
  judged: (id) => {
    const active = client.insight.alarms.filter((a) => a.device === id && a.clearedAt === undefined);
    return { state: client.insight.states[id]?.state, alarm: SEVERITY_ORDER.find((s) => active.some((a) => a.severity === s)) };
  },
  judgedVersion: () => client.insightVersion,
});
const view = new ViewInUrl(scene, kiosk);
const list = new MachineList(document.getElementById('machines')!, scene);
const panel = new MachinePanel(document.getElementById('panel')!, scene, client.history);
const alarms = new AlarmList(document.getElementById('alarms')!, scene, client);
const sheet = new BottomSheet(document.querySelector('nav')!, scene);
const series = new SeriesPanel(document.getElementById('series')!, scene, kiosk);

// A later snapshot (a reconnect after the gateway restarted, a resync after falling behind)
// refreshes the data; the scene is rebuilt only when the layout it was built from changed.
let builtFrom: string | undefined;
client.whenSnapshot((s) => {
  document.getElementById('title')!.textContent = s.site.name;
  const layout = layoutKey(s);
  if (layout === builtFrom) return;
  const first = builtFrom === undefined;
  builtFrom = layout;
  scene.build(s);
  if (!first) return;
  if (!view.restoreCamera()) scene.overview();
  if (kiosk) new Kiosk(scene, s, document.getElementById('caption')!, { history: client.history, series: () => client.insight.series });
  else scene.select(view.device);
});

// Connection and data age are always in view; stale data shows as stale.
const status = document.getElementById('connection')!;
const refresh = setInterval(() => {
  const now = client.serverNow();
  const newest = Math.max(0, ...[...scene.machines.keys()].map((id) => client.history.lastSeen(id)));
  status.dataset.state = client.state;
  status.textContent = `${client.state === 'live' ? '● live' : client.state === 'connecting' ? '○ connecting' : '○ reconnecting'} · newest data ${newest ? formatAge(now - newest) : '—'}`;
  list.refresh();
  sheet.refresh(scene.machines.size, client.insight.alarms.filter((a) => a.clearedAt === undefined).length);
  alarms.refresh(client.insight.alarms, now);
  series.refresh(client.insight.series);
  panel.refresh(now);
}, 500);
scene.addEventListener('dispose', () => clearInterval(refresh));

installTestHook(scene, client);

/** What the scene is built from: the site, its lines and its devices, not their values. */
function layoutKey(s: LiveSnapshot): string {
  return JSON.stringify([s.site, s.lines, s.devices.map(({ values: _v, lastSeen: _l, ...d }) => d)]);
}
