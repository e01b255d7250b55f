import { describe, expect, it } from 'vitest';
import { decodePayload, normalize } from '../../gateway/src/normalize/normalize.ts';
import { TopicRouter } from '../../gateway/src/normalize/topic-router.ts';
import { PrinterModel, type JobState } from '../../simulators/src/fdm-printer/printer-model.ts';
import { ProfileEncoder } from '../../simulators/src/mqtt/profile-encoder.ts';
import { testSite } from '../support/fixtures.ts';

const site = testSite([
  { id: 'op-1', profile: 'octoprint-fdm' },
  { id: 'voron', profile: 'moonraker-klipper' },
  { id: 'bambu', profile: 'bambu-lab-fdm', topicId: 'SERIAL01' },
]);

function runModel(seed: number, seconds: number, options = {}) {
  const model = new PrinterModel({ seed, jobSeconds: 120, ...options });
  const states: JobState[] = [];
  const events: string[] = [];
  for (let t = 0; t < seconds; t++) {
    const v = model.step(1);
    if (states.at(-1) !== v.job_state) states.push(v.job_state);
    if (v.event) events.push(v.event);
  }
  return { model, states, events };
}

describe('printer simulator', () => {
  it('is deterministic for a seed', () => {
    const a = runModel(42, 2000);
    const b = runModel(42, 2000);
    expect(a.events).toEqual(b.events);
    expect(a.model.values).toEqual(b.model.values);
    expect(runModel(43, 2000).events).not.toEqual(a.events);
  });

  it('runs the job cycle: heat-up, printing, done, and again', () => {
    const { states, model } = runModel(1, 3000, { runoutChance: 0, failureChance: 0 });
    expect(states.slice(0, 5)).toEqual(['idle', 'heating', 'printing', 'done', 'heating']);
    expect(model.jobsDone).toBeGreaterThanOrEqual(5);
  });

  it('pauses for a filament run-out and resumes; fails now and then', () => {
    const runout = runModel(5, 2000, { runoutChance: 1, failureChance: 0 });
    expect(runout.events).toContain('FilamentChange');
    expect(runout.events).toContain('PrintResumed');
    expect(runout.states).toContain('paused');
    const failing = runModel(5, 2000, { runoutChance: 0, failureChance: 1 });
    expect(failing.events).toContain('PrintFailed');
    expect(failing.states).toContain('error');
  });

  it('heats towards the target and cools back to ambient', () => {
    const model = new PrinterModel({ seed: 3, jobSeconds: 600, runoutChance: 0, failureChance: 0 });
    let hottest = 0;
    for (let t = 0; t < 200; t++) hottest = Math.max(hottest, model.step(1).nozzle_temp);
    expect(hottest).toBeGreaterThan(model.values.nozzle_target - 5);
    expect(model.values.job_state).toBe('printing');
  });
});

describe('one profile drives simulator and gateway', () => {
  const router = new TopicRouter(site);

  for (const device of site.devices) {
    it(`${device.profileDef.id}: what the simulator publishes, the gateway reads back`, () => {
      const model = new PrinterModel({ seed: 9, jobSeconds: 60, runoutChance: 1, failureChance: 0 });
      const encoder = new ProfileEncoder(device.profileDef, device.topicId);
      const signals = device.profileDef.signals;
      let checked = 0;
      for (let t = 0; t < 300; t++) {
        const values = model.step(1);
        const merged: Record<string, unknown> = {};
        for (const m of encoder.encode(values as unknown as Record<string, unknown>, Date.UTC(2026, 0, 1), t % 30 === 0)) {
          const found = router.lookup(m.topic);
          expect(found.ok, m.topic).toBe(true);
          if (!found.ok) continue;
          for (const match of found.matches) {
            const decoded = decodePayload(match.route.topic.format, Buffer.from(m.payload));
            const result = normalize(match, (decoded as { value: unknown }).value, Date.UTC(2026, 0, 1));
            expect(result.rejects, m.topic).toEqual([]);
            expect(result.reading?.device.id).toBe(device.id);
            Object.assign(merged, result.reading?.values);
          }
        }
        for (const [name, v] of Object.entries(merged)) {
          // OctoPrint reports a state change as an event of its own.
          if (name === 'event' && v === 'PrinterStateChanged') continue;
          const def = signals[name]!;
          const want = (values as unknown as Record<string, unknown>)[name];
          if (def.type === 'enum') expect(def.values![v as string]).toBeDefined();
          else if (typeof want === 'number') expect(v as number).toBeCloseTo(def.type === 'int' ? Math.round(want) : want, 1);
          else expect(v).toBe(want);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(300);
    });
  }
});
