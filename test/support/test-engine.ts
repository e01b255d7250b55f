// A stand-in experiment engine, for tests only: it is never shipped or wired into a gateway
// (the real one is simulators/src/experiments/run-experiment.ts, wired in
// gateway/src/experiments/real-engine.ts). It burns CPU for as long as the scenario asks,
// reporting progress, so tests see the worker, progress, cancelling and the event loop; its
// result is made from the record it was given, so tests see the record reach the worker.
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import type { SiteModel } from '../../device-profiles/schema/load.ts';
import { FieldlabError } from '../../gateway/src/core/errors.ts';
import { engineFromSchema } from '../../gateway/src/experiments/engine.ts';
import type { EngineHooks } from '../../gateway/src/experiments/engine.ts';
import type { RecordedLine } from '../../simulators/src/experiments/recorded-line.ts';

export const TestScenarioSchema = z.strictObject({
  line: z.string().min(1),
  changes: z.array(z.strictObject({ station: z.string().min(1), machines: z.number().int().positive() })).default([]),
  calibration: z.strictObject({ from: z.union([z.string(), z.number()]).optional(), to: z.union([z.string(), z.number()]).optional() }).optional(),
  seed: z.number().int().default(1),
  /** CPU time to burn in the worker, ms. */
  burnMs: z.number().int().min(0).max(60_000).default(0),
  /** A file the engine writes a counter to while it burns: it stops changing once the worker is gone. */
  heartbeat: z.string().optional(),
  fail: z.boolean().default(false),
});
export type TestScenario = z.infer<typeof TestScenarioSchema>;

export const TEST_ENGINE = engineFromSchema(new URL('./test-engine.ts', import.meta.url), TestScenarioSchema, (s, site) => {
  const scenario = s as TestScenario;
  scenario.changes.forEach((c, i) => {
    const line = site.lines.find((l) => l.id === scenario.line);
    if (line && !line.stations.some((st) => st.id === c.station)) throw new FieldlabError('FL_SCENARIO_INVALID', { problems: `changes.${i}.station: no station "${c.station}" on line ${line.id}` });
  });
});

export function runExperiment(site: SiteModel, recorded: RecordedLine, scenario: TestScenario, hooks: EngineHooks = {}) {
  const start = Date.now();
  let beats = 0;
  let x = 0;
  for (let now = start; now - start < scenario.burnMs; now = Date.now()) {
    for (let i = 0; i < 20_000; i++) x += Math.sqrt(i + x) % 3;
    hooks.progress?.((now - start) / scenario.burnMs);
    if (scenario.heartbeat) writeFileSync(scenario.heartbeat, String(++beats));
  }
  if (scenario.fail) throw new Error('the test engine was asked to fail');
  const hours = (recorded.to - recorded.from) / 3_600_000;
  const good = recorded.good / hours;
  const extra = scenario.changes.reduce((n, c) => n + c.machines, 0);
  return {
    baseline: { goodPerHour: { mean: good, ci95: [good * 0.95, good * 1.05] } },
    scenario: { goodPerHour: { mean: good + extra, ci95: [good + extra - 1, good + extra + 1] }, difference: { goodPerHour: { mean: extra, ci95: [extra - 0.5, extra + 0.5], significant: extra > 0 } } },
    validation: { recordedGoodPerHour: good, withinTolerance: true },
    bottleneck: { baseline: 'printing', scenario: 'unloading' },
    seed: scenario.seed,
    site: site.site.id,
    machines: recorded.machines.map((m) => m.device),
    burned: x > 0,
  };
}
