// The history API: the fieldlab at an instant, the changes in a window, the timeline's
// marks. Every parameter is checked here, at the edge: times parsed, ids checked against the
// site, windows bounded; what reaches the queries is typed data (and is escaped there too).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SiteModel } from '../../../../device-profiles/schema/load.ts';
import { FieldlabError } from '../../core/errors.ts';
import type { HistoryReads, HistoryScope } from '../../core/history.ts';
import type { VisitorView } from '../../auth/visitor-view.ts';
import { isVisitor } from '../auth-hooks.ts';

const DAY = 86_400_000;
/** The longest window one request may ask for. */
export const MAX_WINDOW_MS = 31 * DAY;

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const ids = z.string().max(10_000).optional();
const AtQuery = z.strictObject({ t: z.string().max(40), device: ids, line: ids });
const WindowQuery = z.strictObject({ from: z.string().max(40), to: z.string().max(40), device: ids, line: ids, step: z.string().max(10).optional(), only: z.literal('last').optional() });

/** An ISO 8601 time with its zone, or epoch milliseconds. */
export function parseTime(text: string, name: string): number {
  const ms = /^\d{1,15}$/.test(text) ? Number(text) : ISO.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms)) throw new FieldlabError('FL_HISTORY_WINDOW', { problem: `${name}: expected an ISO 8601 time with its zone (2026-11-30T14:32:00Z) or epoch milliseconds, not "${text.slice(0, 40)}"` });
  return ms;
}

/** The devices a request names by `device=a,b` and `line=x`, each checked against the site; all of them when it names none. */
export function scopeOf(site: SiteModel, query: { device?: string | undefined; line?: string | undefined }): HistoryScope {
  const split = (s: string | undefined) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []);
  const devices = split(query.device);
  const lines = split(query.line);
  const known = new Set(site.devices.map((d) => d.id));
  for (const d of devices) if (!known.has(d)) throw new FieldlabError('FL_UNKNOWN_DEVICE', { device: d.slice(0, 100) });
  for (const l of lines) if (!site.lines.some((x) => x.id === l)) throw new FieldlabError('FL_UNKNOWN_LINE', { line: l.slice(0, 100), lines: site.lines.map((x) => x.id) });
  if (devices.length === 0 && lines.length === 0) return { devices: [...known] };
  return { devices: site.devices.filter((d) => devices.includes(d.id) || lines.includes(d.line)).map((d) => d.id) };
}

function parseQuery<T>(schema: z.ZodType<T>, query: unknown, expected: string): T {
  const parsed = schema.safeParse(query ?? {});
  if (parsed.success) return parsed.data;
  throw new FieldlabError('FL_BAD_REQUEST', { expected, problems: parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ') });
}

function windowOf(q: { from: string; to: string; step?: string | undefined }): { from: number; to: number; step: number | undefined } {
  const from = parseTime(q.from, 'from');
  const to = parseTime(q.to, 'to');
  if (to <= from) throw new FieldlabError('FL_HISTORY_WINDOW', { problem: `to (${new Date(to).toISOString()}) must come after from (${new Date(from).toISOString()})` });
  if (to - from > MAX_WINDOW_MS) throw new FieldlabError('FL_HISTORY_WINDOW', { problem: `a window of at most ${MAX_WINDOW_MS / DAY} days, not ${((to - from) / DAY).toFixed(1)}` });
  let step: number | undefined;
  if (q.step !== undefined) {
    step = /^\d{1,6}$/.test(q.step) ? Number(q.step) : Number.NaN;
    if (!(step >= 1 && step <= 86_400)) throw new FieldlabError('FL_HISTORY_WINDOW', { problem: `step: whole seconds from 1 to 86400, not "${q.step}"` });
  }
  return { from, to, step };
}

export function historyRoutes(app: FastifyInstance, site: SiteModel, history: HistoryReads | undefined, visitors: VisitorView): void {
  const reads = () => history ?? unavailable();
  app.get('/api/history/at', async (req) => {
    const q = parseQuery(AtQuery, req.query, '?t=<ISO 8601 time>[&device=<id>,...][&line=<id>,...]');
    const t = parseTime(q.t, 't');
    const at = await reads().at(t, scopeOf(site, q));
    return isVisitor(req) ? visitors.historyAt(at) : at;
  });
  app.get('/api/history/changes', async (req) => {
    const q = parseQuery(WindowQuery, req.query, '?from=<time>&to=<time>[&device=...][&line=...][&step=<seconds>][&only=last]');
    const w = windowOf(q);
    const changes = await reads().changes(w.from, w.to, scopeOf(site, q), w.step, { lastOnly: q.only === 'last' });
    return isVisitor(req) ? visitors.historyChanges(changes) : changes;
  });
  app.get('/api/history/marks', async (req) => {
    const q = parseQuery(WindowQuery.omit({ step: true, only: true }), req.query, '?from=<time>&to=<time>[&device=...][&line=...]');
    const w = windowOf(q);
    const marks = await reads().marks(w.from, w.to, scopeOf(site, q));
    return isVisitor(req) ? { ...marks, marks: visitors.marks(marks.marks) } : marks;
  });
}

function unavailable(): never {
  throw new FieldlabError('FL_HISTORY_UNAVAILABLE', { why: 'the gateway runs without InfluxDB' });
}
