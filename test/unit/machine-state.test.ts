// Machine states against a controllable clock, with durations computed by hand.
import { describe, expect, it } from 'vitest';
import { StatesSchema, type Signal } from '../../device-profiles/schema/profile.ts';
import { MachineStateTracker, evaluateState } from '../../gateway/src/state/device-machine-state.ts';

const signals: Record<string, Signal> = {
  job_state: { type: 'enum', store: true, event: false, values: { OPERATIONAL: 'idle', PRINTING: 'printing', STARTING: 'heating', PAUSED: 'paused', ERROR: 'error' } },
  spindle: { type: 'float', store: true, event: false },
  door_open: { type: 'bool', store: true, event: false },
};
const states = StatesSchema.parse({
  offlineAfterSeconds: 10,
  rules: [
    { state: 'fault', signal: 'job_state', in: ['error'] },
    { state: 'setup', signal: 'door_open', in: [true] },
    { state: 'producing', signal: 'job_state', in: ['printing'] },
    { state: 'producing', signal: 'spindle', above: 100 },
    { state: 'setup', signal: 'job_state', in: ['heating', 'paused'] },
  ],
});

describe('machine state rules', () => {
  it('takes the first rule that matches, by meaning or vendor value; the default otherwise', () => {
    expect(evaluateState(states, signals, { job_state: 'PRINTING' }).state).toBe('producing');
    expect(evaluateState(states, signals, { job_state: 'ERROR', door_open: true }).state).toBe('fault');
    expect(evaluateState(states, signals, { job_state: 'PRINTING', door_open: true }).state).toBe('setup');
    expect(evaluateState(states, signals, { job_state: 'STARTING' }).state).toBe('setup');
    expect(evaluateState(states, signals, { spindle: 100 }).state).toBe('idle'); // above is strict
    expect(evaluateState(states, signals, { spindle: 100.5 }).state).toBe('producing');
    expect(evaluateState(states, signals, {}).state).toBe('idle');
    const byVendor = StatesSchema.parse({ rules: [{ state: 'fault', signal: 'job_state', in: ['ERROR'] }] });
    expect(evaluateState(byVendor, signals, { job_state: 'ERROR' })).toEqual({ state: 'fault', reason: 'job_state = ERROR' });
  });
});

describe('machine state tracker', () => {
  it('counts the time in each state, going offline the moment data turns stale', () => {
    const t = new MachineStateTracker(states, signals, 0);
    expect(t.state).toBe('offline');
    expect(t.observe({ job_state: 'OPERATIONAL' }, 1_000)).toMatchObject([{ state: 'idle', previous: 'offline', at: 1_000, previousMs: 1_000 }]);
    expect(t.observe({ job_state: 'PRINTING' }, 5_000)).toMatchObject([{ state: 'producing', previous: 'idle', previousMs: 4_000 }]);
    expect(t.observe({ job_state: 'PRINTING' }, 14_000)).toEqual([]);
    expect(t.check(23_999)).toEqual([]);
    // Exactly 10 s after the last data: offline, at that instant.
    expect(t.check(24_000)).toMatchObject([{ state: 'offline', previous: 'producing', at: 24_000, previousMs: 19_000 }]);
    expect(t.durations(30_000)).toEqual({ offline: 7_000, idle: 4_000, producing: 19_000, setup: 0, fault: 0 });
  });

  it('dates offline from when the data went stale, however late the check comes', () => {
    const t = new MachineStateTracker(states, signals, 0);
    t.observe({ job_state: 'PRINTING' }, 0);
    expect(t.check(60_000)).toMatchObject([{ state: 'offline', at: 10_000, previousMs: 10_000 }]);
    expect(t.observe({ job_state: 'PRINTING' }, 61_000)).toMatchObject([{ state: 'producing', previous: 'offline', previousMs: 51_000 }]);
    expect(t.durations(61_000)).toEqual({ producing: 10_000, offline: 51_000, idle: 0, setup: 0, fault: 0 });
  });

  it('data arriving at the very moment it would go stale: offline for 0 ms, whichever call comes first', () => {
    const a = new MachineStateTracker(states, signals, 0);
    a.observe({ job_state: 'PRINTING' }, 0);
    const changes = a.observe({ job_state: 'PRINTING' }, 10_000);
    expect(changes.map((c) => [c.state, c.at, c.previousMs])).toEqual([
      ['offline', 10_000, 10_000],
      ['producing', 10_000, 0],
    ]);
    const b = new MachineStateTracker(states, signals, 0);
    b.observe({ job_state: 'PRINTING' }, 0);
    b.check(10_000);
    b.observe({ job_state: 'PRINTING' }, 10_000);
    expect(b.durations(20_000)).toEqual(a.durations(20_000));
    expect(a.durations(20_000)).toEqual({ producing: 20_000, offline: 0, idle: 0, setup: 0, fault: 0 });
  });

  it('a state that flaps is counted interval by interval, and the totals add up to the elapsed time', () => {
    const t = new MachineStateTracker(states, signals, 0);
    let at = 0;
    for (let i = 0; i < 50; i++) {
      at += 1_000 + (i % 3) * 500;
      t.observe({ job_state: i % 2 ? 'ERROR' : 'PRINTING' }, at);
    }
    const d = t.durations(at + 2_000);
    expect(Object.values(d).reduce((a, b) => a + b, 0)).toBe(at + 2_000);
    expect(d.offline).toBe(1_000);
    expect(t.state).toBe('fault');
  });

  it('counts from the first data when it comes from before the start (a recorded past)', () => {
    const t = new MachineStateTracker(states, signals, 10_000);
    t.observe({ job_state: 'PRINTING' }, 4_000);
    expect(t.durations(9_000).producing).toBe(5_000);
    expect(t.stateSince).toBe(4_000);
  });
});
