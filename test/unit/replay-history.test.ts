import { describe, expect, it } from 'vitest';
import { samplesOf } from '../../twin-viewer/src/replay/history-answers.ts';
import { ReplayHistory } from '../../twin-viewer/src/replay/replay-history.ts';
import { planFor } from '../../twin-viewer/src/replay/replay.ts';

describe('replayed history (the viewer state at a past instant)', () => {
  it('answers the state at t from the last sample at or before it, and nothing after the look-back', () => {
    const h = new ReplayHistory();
    h.setLookback('r', 10_000);
    h.append('r', [
      { t: 1_000, v: { a: 1, mode: 'auto' }, slack: 0 },
      { t: 2_000, v: { a: 2, mode: 'auto' }, slack: 0 },
      { t: 30_000, v: { a: 3, mode: 'manual' }, slack: 0 },
    ]);
    expect(h.stateAt('r', 999)).toEqual({});
    expect(h.stateAt('r', 1_500)).toEqual({ a: 1, mode: 'auto' });
    expect(h.stateAt('r', 12_000)).toEqual({ a: 2, mode: 'auto' });
    // A silence longer than the look-back is a gap, not the last value frozen.
    expect(h.stateAt('r', 12_001)).toEqual({});
    expect(h.lastSeen('r', 12_001)).toBe(0);
    h.playhead = 30_500;
    expect(h.stateAt('r')).toEqual({ a: 3, mode: 'manual' });
    expect(h.lastSeen('r')).toBe(30_000);
    expect(h.series('r', 'a', 0, 40_000)).toEqual([[1, 2, 30], [1, 2, 3]]);
  });

  it('replaces what a window fetched again covers, and trims behind the playhead keeping the state at it', () => {
    const h = new ReplayHistory();
    h.append('p', [1, 2, 3, 4].map((t) => ({ t: t * 1000, v: { n: t }, slack: 0 })));
    h.append('p', [{ t: 3000, v: { n: 30 }, slack: 0 }]);
    expect(h.stateAt('p', 5000)).toEqual({ n: 30 });
    h.trimBefore(2500);
    expect(h.size).toBe(2);
    expect(h.stateAt('p', 2600)).toEqual({ n: 2 });
  });

  it('turns a stepped window into whole states: numbers at the end of their step, other signals carried from before', () => {
    const samples = samplesOf(
      { id: 'p', lookbackMs: 60_000, points: [{ t: 12_500, v: { job: 'FINISH' } }], steps: [{ t: 10_000, last: { temp: 210 }, min: { temp: 200 }, max: { temp: 215 } }, { t: 15_000, last: { temp: 190 }, min: { temp: 180 }, max: { temp: 209 } }] },
      5,
      { temp: 220, job: 'RUNNING', layer: 7 },
      18_000,
    );
    expect(samples).toEqual([
      { t: 12_500, v: { temp: 220, job: 'FINISH', layer: 7 }, slack: 0 },
      { t: 15_000, v: { temp: 210, job: 'FINISH', layer: 7 }, slack: 0 },
      // The last step is cut at the window's end.
      { t: 18_000, v: { temp: 190, job: 'FINISH', layer: 7 }, slack: 0 },
    ]);
  });

  it('fetches slow speeds raw and fast ones in steps, a bounded window per request', () => {
    expect(planFor(1)).toEqual({ stepSeconds: undefined, windowMs: 60_000 });
    expect(planFor(60)).toEqual({ stepSeconds: 2, windowMs: 480_000 });
    expect(planFor(3600)).toEqual({ stepSeconds: 120, windowMs: 3_600_000 });
  });
});
