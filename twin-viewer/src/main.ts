// The twin viewer: the shop floor in 3D, fed by the gateway's live hub or, in replay, by its
// history. This file only assembles: the scene announces selection, camera moves and builds
// as events, each panel subscribes to what it shows (as three.js's editor panels do to its
// signals), and all of them read the one state on show, `playback.shown`.
import './style.css';
import { LiveClient } from './live/live-client.ts';
import { Session } from './live/session.ts';
import { formatAge } from './panels/format.ts';
import { Kiosk } from './panels/kiosk.ts';
import { replayCaption } from './panels/kiosk-captions.ts';
import { AdminPanel } from './panels/admin-panel.ts';
import { AlarmList } from './panels/alarm-list.ts';
import { BottomSheet } from './panels/bottom-sheet.ts';
import { MachineList } from './panels/machine-list.ts';
import { ExperimentsPanel } from './panels/experiments-panel.ts';
import { LoginDialog } from './panels/login-dialog.ts';
import { SeriesPanel } from './panels/series-panel.ts';
import { MachinePanel } from './panels/machine-panel.ts';
import { PreparedExperiment } from './panels/prepared-experiment.ts';
import { Timeline } from './panels/timeline.ts';
import { HistoryApi } from './replay/history-api.ts';
import { Playback } from './replay/playback.ts';
import { TwinScene } from './scene/twin-scene.ts';
import { installTestHook } from './test-hook.ts';
import { ViewInUrl } from './view-url.ts';
import type { LiveSnapshot } from '../../gateway/src/core/live-events.ts';

const params = new URLSearchParams(location.search);
const kiosk = params.get('mode') === 'kiosk';
const client = new LiveClient();
// Who is logged in decides which controls the panels offer; they follow its `change` event.
const session = new Session(client);
new LoginDialog(document.getElementById('session')!, session, kiosk);
void session.load();
const api = new HistoryApi();
const playback = new Playback(client, api);
const shown = () => playback.shown;
const scene = new TwinScene(document.getElementById('scene')!, { shown });
const view = new ViewInUrl(scene, kiosk, playback);
const list = new MachineList(document.getElementById('machines')!, scene);
const panel = new MachinePanel(document.getElementById('panel')!, scene, shown);
const alarms = new AlarmList(document.getElementById('alarms')!, scene, client, session);
const sheet = new BottomSheet(document.querySelector('nav')!, scene);
const series = new SeriesPanel(document.getElementById('series')!, scene, kiosk, session);
// Visitors only look: they neither set up nor run experiments.
const timeline = kiosk ? undefined : new Timeline(document.getElementById('timeline')!, playback, api, () => client.serverNow());
const experiments = kiosk
  ? undefined
  : new ExperimentsPanel(document.getElementById('experiments')!, scene, {
      open: view.experiment,
      shown: (id) => view.setExperiment(id),
      windows: timeline && { lastSeries: () => timeline.lastSeries(), range: () => timeline.window() },
      player: playback,
      playAt: view.playAt,
      session,
    });
// The admin's users, tokens and audit trail: offered from the session's `may.admin`, never on a hall screen.
const admin = kiosk ? undefined : new AdminPanel(document.getElementById('admin')!, session);
// A kiosk may loop a recorded shift: `replay=<hours>` back from now, in two minutes unless `speed=` says otherwise.
const replayHours = Number(params.get('replay'));
const kioskLoop = kiosk && replayHours > 0 ? { hours: Math.min(replayHours, 24 * 7), speed: view.speed } : undefined;
// A kiosk may alternate the live line with a prepared experiment: `experiment=<id>`, or `latest`.
const prepared = kiosk && view.experiment ? new PreparedExperiment(view.experiment) : undefined;

// A later snapshot (a reconnect after the gateway restarted, a resync after falling behind)
// refreshes the data; the scene is rebuilt only when the layout it was built from changed.
let builtFrom: string | undefined;
client.whenSnapshot((s) => {
  document.getElementById('title')!.textContent = s.site.name;
  playback.available = s.history;
  timeline?.refresh();
  const layout = layoutKey(s);
  if (layout === builtFrom) return;
  const first = builtFrom === undefined;
  builtFrom = layout;
  scene.build(s);
  if (!first) return;
  if (!view.restoreCamera()) scene.overview();
  if (kiosk) {
    new Kiosk(scene, s, document.getElementById('caption')!, {
      shown,
      replaying: () => (playback.mode === 'replay' && playback.loop ? replayCaption(playback.loop.from, playback.loop.to, playback.speed, client.serverNow()) : undefined),
      experiment: () => prepared?.result,
      dwellSeconds: Number(params.get('dwell')) > 0 ? Number(params.get('dwell')) : undefined,
    });
    if (kioskLoop) {
      const to = client.serverNow();
      const from = to - kioskLoop.hours * 3_600_000;
      playback.loop = { from, to };
      void playback.seek(from, { play: true, speed: kioskLoop.speed ?? (kioskLoop.hours * 3_600_000) / 120_000 });
    }
  } else {
    scene.select(view.device);
    if (view.at !== undefined) void playback.seek(view.at, { play: view.speed !== undefined, ...(view.speed !== undefined ? { speed: view.speed } : {}) });
  }
});

// Connection and data age are always in view; stale data shows as stale.
const status = document.getElementById('connection')!;
const refresh = setInterval(() => {
  const now = client.serverNow();
  const newest = Math.max(0, ...[...scene.machines.keys()].map((id) => client.history.lastSeen(id)));
  status.dataset.state = client.state;
  status.textContent = `${client.state === 'live' ? '● connected' : client.state === 'connecting' ? '○ connecting' : client.state === 'refused' ? '○ log in to see the line' : '○ reconnecting'} · newest data ${newest ? formatAge(now - newest) : '—'}`;
  const { insight } = playback.shown;
  list.refresh();
  sheet.refresh(scene.machines.size, insight.alarms.filter((a) => a.clearedAt === undefined).length);
  alarms.refresh(insight.alarms, playback.shown.now());
  series.refresh(insight.series);
  panel.refresh();
}, 500);
// The panels follow a replay as it plays, not only twice a second.
playback.addEventListener('change', () => panel.refresh());
scene.addEventListener('dispose', () => {
  clearInterval(refresh);
  timeline?.dispose();
  admin?.dispose();
  prepared?.dispose();
  playback.dispose();
});

installTestHook(scene, client, playback, timeline, experiments, session);

/** What the scene is built from: the site, its lines and its devices, not their values. */
function layoutKey(s: LiveSnapshot): string {
  return JSON.stringify([s.site, s.lines, s.devices.map(({ values: _v, lastSeen: _l, ...d }) => d)]);
}
