import { describe, expect, it } from 'vitest';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { evaluateBindings, heatColor } from '../../twin-viewer/src/machines/bindings.ts';

const site = loadSite();
const byProfile = (id: string) => site.profiles.get(id)!;

describe('twin bindings', () => {
  it('turns robot joint degrees into radians and states into a status', () => {
    const p = byProfile('robotics-arm');
    const t = evaluateBindings(p.twin!, p.signals, { axis1_position: 90, axis6_position: -180, item_state: 'OutOfService', gripper_closed: true, emergency_stop: true });
    expect(t['joint1.rotation']).toBeCloseTo(Math.PI / 2, 4);
    expect(t['joint6.rotation']).toBeCloseTo(-Math.PI, 4);
    expect(t.status).toBe('fault');
    expect(t['gripper.closed']).toBe(1);
    expect(t.alarm).toBe(1);
    expect(t['joint2.rotation']).toBeUndefined();
  });

  it('maps every printer vendor word through its meaning to one status', () => {
    for (const [profile, word] of [['bambu-lab-fdm', 'RUNNING'], ['moonraker-klipper', 'printing'], ['octoprint-fdm', 'PRINTING']] as const) {
      const p = byProfile(profile);
      expect(evaluateBindings(p.twin!, p.signals, { job_state: word }).status, profile).toBe('running');
    }
    const bambu = byProfile('bambu-lab-fdm');
    expect(evaluateBindings(bambu.twin!, bambu.signals, { job_state: 'FAILED' }).status).toBe('fault');
  });

  it('clamps progress and colours temperatures from cold to hot', () => {
    const p = byProfile('moonraker-klipper');
    const t = evaluateBindings(p.twin!, p.signals, { progress: 42.5, nozzle_temp: 260, bed_temp: 20 });
    expect(t['part.progress']).toBeCloseTo(0.425, 6);
    expect(evaluateBindings(p.twin!, p.signals, { progress: 130 })['part.progress']).toBe(1);
    expect(t['nozzle.color']).toBe(heatColor(260, 20, 260));
    expect(heatColor(260, 20, 260) >> 16).toBeGreaterThan(200); // red
    expect(heatColor(20, 20, 110) & 0xff).toBeGreaterThan(200); // blue
  });
});
