// `fieldlab series start|pause|resume|stop|status`: production series through a running gateway's REST API.
import type { SeriesSummary } from '../core/insight.ts';
import type { LiveSeries } from '../core/live-events.ts';
import { call, type ClientFlags as SeriesFlags } from './gateway-client.ts';

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)} %`);

/** A count a visitor may not be sent (the site's `visitors.hideSeries`). */
const n = (x: number | undefined) => (x === undefined ? '—' : String(x));

/** A series as the API answers it: whole, or as a visitor gets it, without product and counts. */
export function formatSeries(s: LiveSeries): string {
  const lines = [
    `${s.id}  ${s.product ?? '(product not shown)'}  line ${s.line}  ${s.stoppedAt !== null ? 'stopped' : s.plannedStop ? `planned stop: ${s.plannedStop.reason}` : 'running'} (${Math.round(s.plannedSeconds / 60)} min planned${s.plannedStopSeconds > 0 ? `, ${Math.round(s.plannedStopSeconds / 60)} min planned stops` : ''})`,
    `  good ${n(s.good)} of ${n(s.target)} (${pct(s.progress ?? null)})   scrap ${n(s.scrap)}   total ${n(s.total)}`,
    `  OEE ${pct(s.oee.oee)} = availability ${pct(s.oee.availability)} × performance ${pct(s.oee.performance)} × quality ${pct(s.oee.quality)}`,
    `  bottleneck ${s.bottleneck ?? '—'}`,
  ];
  for (const st of s.stations) {
    const c = st.cycleSeconds;
    lines.push(`  ${st.id.padEnd(14)} ${n(st.produced).padStart(5)} parts  ${n(st.scrap).padStart(4)} scrap  cycle ${c ? `${c.mean.toFixed(1)} s mean, p50 ${c.p50.toFixed(1)}, p90 ${c.p90.toFixed(1)}` : '—'}`);
  }
  for (const m of s.machines) {
    lines.push(`    ${m.device.padEnd(20)} OEE ${pct(m.oee.oee)} = A ${pct(m.oee.availability)} × P ${pct(m.oee.performance)} × Q ${pct(m.oee.quality)}`);
  }
  return lines.join('\n');
}

export async function seriesStart(flags: SeriesFlags & { product: string; target: number; line: string; idealCycleSeconds?: number }): Promise<void> {
  const s = (await call(flags, 'POST', '/api/series', { product: flags.product, target: flags.target, line: flags.line, idealCycleSeconds: flags.idealCycleSeconds })) as SeriesSummary;
  process.stdout.write(flags.json ? `${JSON.stringify(s)}\n` : `started ${formatSeries(s)}\n`);
}

const DONE = { stop: 'stopped', pause: 'paused', resume: 'resumed' } as const;

/** stop, pause or resume: the series named, else the one running (on --line). */
export async function seriesAct(action: 'stop' | 'pause' | 'resume', flags: SeriesFlags & { id?: string; line?: string; reason?: string }): Promise<void> {
  let id = flags.id;
  if (!id) {
    const running = ((await call(flags, 'GET', '/api/series')) as SeriesSummary[]).filter((s) => s.stoppedAt === null && (!flags.line || s.line === flags.line));
    if (running.length !== 1) throw new Error(running.length ? `${running.length} series are running (${running.map((s) => s.id).join(', ')}): name one, or --line` : 'no series is running');
    id = running[0]!.id;
  }
  const s = (await call(flags, 'POST', `/api/series/${encodeURIComponent(id)}/${action}`, action === 'pause' ? { reason: flags.reason } : undefined)) as SeriesSummary;
  process.stdout.write(flags.json ? `${JSON.stringify(s)}\n` : `${DONE[action]} ${formatSeries(s)}\n`);
}

export async function seriesStatus(flags: SeriesFlags): Promise<void> {
  const all = (await call(flags, 'GET', '/api/series')) as LiveSeries[];
  process.stdout.write(flags.json ? `${JSON.stringify(all)}\n` : all.length ? `${all.map(formatSeries).join('\n\n')}\n` : 'no series yet\n');
}
