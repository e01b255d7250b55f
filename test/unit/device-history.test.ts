import { describe, expect, it } from 'vitest';
import { DeviceHistory } from '../../twin-viewer/src/live/device-history.ts';

describe('device history (the viewer state at a time)', () => {
  it('answers the merged state at any time, and the latest for the live edge', () => {
    const h = new DeviceHistory();
    h.reset('p', { progress: 10, job_state: 'RUNNING' }, 1000);
    h.add('p', 2000, { progress: 20 });
    h.add('p', 3000, { progress: 30, job_state: 'FINISH' });
    expect(h.stateAt('p', 2500)).toEqual({ progress: 20, job_state: 'RUNNING' });
    expect(h.stateAt('p', 999)).toEqual({});
    expect(h.stateAt('p')).toEqual({ progress: 30, job_state: 'FINISH' });
    expect(h.lastSeen('p')).toBe(3000);
    expect(h.series('p', 'progress', 1500)).toEqual([[2, 3], [20, 30]]);
  });

  it('counts changes so a renderer knows when to draw', () => {
    const h = new DeviceHistory();
    const v0 = h.version;
    h.add('r', 1, { axis1_position: 1 });
    expect(h.version).toBe(v0 + 1);
  });
});
