// The demo prepares one virtual experiment once its recorded past is in: "a fifth printer?"
// on the line the simulators run, calibrated from that past, so the Experiments panel has a
// result to open and the kiosk (`?mode=kiosk&experiment=latest`) one to show visitors. Only
// where none is kept yet: a restarted demo does not queue it again.
import type { Logger } from 'pino';
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import type { ExperimentsApi } from '../core/experiments.ts';

export async function prepareDemoExperiment(options: { experiments: ExperimentsApi; site: SiteModel; line: string; from: number; until: number; log: Logger }): Promise<string | undefined> {
  const { experiments, site, line, log } = options;
  if (experiments.list().length > 0) return undefined;
  const printers = site.devices.filter((d) => d.line === line && d.profileDef.kind === 'fdm-printer');
  const like = printers[printers.length - 1];
  if (!like || like.station === null) return undefined;
  const summary = await experiments.submit({
    name: `One more printer like ${like.name.split(' — ')[0]}`,
    line,
    changes: [{ station: like.station, add: 1, like: like.id }],
    calibration: { from: new Date(options.from).toISOString(), to: new Date(options.until).toISOString() },
    horizon: { hours: 24 },
    replications: 20,
    seed: 42,
  });
  log.info({ experiment: summary.id }, `prepared experiment: +1 printer at ${like.station}, calibrated from the recorded past (${summary.id}); it shows in the Experiments panel and the kiosk`);
  return summary.id;
}
