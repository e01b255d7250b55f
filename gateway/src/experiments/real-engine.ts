// The one place the real engine (simulators/src/experiments/, issue 14) is wired in. Until
// it lands there is none: a gateway answers the experiments API with 503
// FL_EXPERIMENTS_UNAVAILABLE, and tests hand in engines of their own. Wiring it is this:
//
//   import { ScenarioSchema } from '../../../simulators/src/experiments/scenario.ts';
//   import { engineFromSchema, type ExperimentEngine } from './engine.ts';
//   export const REAL_ENGINE: ExperimentEngine | undefined = engineFromSchema(
//     new URL('../../../simulators/src/experiments/run-experiment.ts', import.meta.url),
//     ScenarioSchema,
//   );
import type { ExperimentEngine } from './engine.ts';

export const REAL_ENGINE: ExperimentEngine | undefined = undefined;
