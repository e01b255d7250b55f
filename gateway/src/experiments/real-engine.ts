// The one place the real engine (simulators/src/experiments/) is wired in: its scenario
// schema and its check against the site run here, at the edge, so a wrong scenario is a 400
// before anything is queued; its module is what the worker thread imports.
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import { ScenarioSchema, type Scenario } from '../../../simulators/src/experiments/scenario.ts';
import { checkScenario } from '../../../simulators/src/experiments/scenario-check.ts';
import { FieldlabError } from '../core/errors.ts';
import { engineFromSchema, type ExperimentEngine } from './engine.ts';

function againstSite(scenario: unknown, site: SiteModel): void {
  const problems = checkScenario(site, scenario as Scenario);
  if (problems.length > 0) throw new FieldlabError('FL_SCENARIO_INVALID', { problems: problems.map((p) => `${p.path || 'scenario'}: ${p.message}`).join('; ') });
}

export const REAL_ENGINE: ExperimentEngine | undefined = engineFromSchema(new URL('../../../simulators/src/experiments/run-experiment.ts', import.meta.url), ScenarioSchema, againstSite);
