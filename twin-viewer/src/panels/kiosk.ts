// Visitor mode: no controls, a slow camera tour from machine to machine, and a large
// caption saying what each machine is doing, readable across a hall on a 1080p screen.
import type { DeviceHistory } from '../live/device-history.ts';
import type { PlacedMachine, TwinScene } from '../scene/twin-scene.ts';
import { formatValue } from './format.ts';

const DWELL_MS = 12_000;

/** Starts the tour; it ends when the scene is disposed. */
export function startKiosk(scene: TwinScene, history: DeviceHistory, caption: HTMLElement): void {
  document.body.classList.add('kiosk');
  scene.controls.enabled = false;
  scene.controls.autoRotate = true;
  scene.controls.autoRotateSpeed = 0.6;
  let index = -1;
  const next = () => {
    const list = [...scene.machines.values()].filter((m) => m.status !== 'unknown');
    const all = list.length > 0 ? list : [...scene.machines.values()];
    if (all.length === 0) return;
    index = (index + 1) % all.length;
    const m = all[index]!;
    scene.focus(m.device.id, 6);
    // Pointed at, not selected: no panel opens and the URL does not follow the tour.
    scene.highlight(m.device.id);
    caption.textContent = describe(m, history.stateAt(m.device.id));
  };
  next();
  const tour = setInterval(next, DWELL_MS);
  // Keep the caption's numbers live between moves.
  const live = setInterval(() => {
    const id = [...scene.machines.keys()][index];
    const m = id ? scene.machines.get(id) : undefined;
    if (m) caption.textContent = describe(m, history.stateAt(m.device.id));
  }, 1000);
  scene.addEventListener('dispose', () => {
    clearInterval(tour);
    clearInterval(live);
  });
}

export function describe(m: PlacedMachine, v: Record<string, unknown>): string {
  const name = m.device.name.split(' — ')[0];
  if (m.status === 'unknown') return `${name}: waiting for its first data`;
  if (m.status === 'stale') return `${name}: no data for a while — is it switched on?`;
  if (m.device.kind === 'fdm-printer') {
    if (m.status === 'running') return `${name} is printing ${String(v.job_file ?? 'a part').replace(/\.gcode$/, '')} — ${formatValue(v.progress, 'percent')} done, nozzle at ${formatValue(v.nozzle_temp, 'degC')}`;
    if (m.status === 'warning') return `${name} has paused — filament change or an operator check`;
    if (m.status === 'fault') return `${name} stopped with a fault — an engineer is needed`;
    return `${name} is idle, waiting for the next job`;
  }
  if (m.device.kind === 'robot-arm') {
    if (m.status === 'fault') return `${name} is stopped for safety (${v.emergency_stop ? 'emergency stop' : 'protective stop'})`;
    return `${name} ${m.status === 'running' ? 'is moving parts' : 'waits for the next part'} — ${v.cycle_count ?? 0} cycles so far`;
  }
  return `${name}: ${m.status}`;
}
