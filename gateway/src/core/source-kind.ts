import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import type { GatewayConfig } from '../config.ts';
import type { Source } from './source.ts';
import type { Telemetry } from './telemetry.ts';

export interface SourceBuildContext {
  readonly site: SiteModel;
  readonly config: GatewayConfig;
  readonly telemetry: Telemetry;
}

/**
 * One kind of source, built beside its implementation (sources/<kind>/<kind>-kind.ts) and
 * listed in sources/registry.ts. `build` is called once at start and returns no source where
 * the site has no device of its kind.
 */
export interface SourceKind {
  readonly kind: string;
  build(context: SourceBuildContext): Promise<readonly Source[]>;
}
