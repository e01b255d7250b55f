import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { FieldlabError } from '../../core/errors.ts';
import type { GatewayCommands, GatewayReads } from '../../core/gateway-api.ts';
import type { AlarmInstance } from '../../core/insight.ts';
import { parseBody } from '../parse-body.ts';

// `by` is for a token's script that acts for a person; a logged-in user is recorded by name.
const AckBody = z.strictObject({ by: z.string().trim().min(1).max(100).optional() }).prefault({});

/** Times as ISO strings for people and scripts. */
function alarmJson(a: AlarmInstance) {
  const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
  return { ...a, value: a.value ?? null, raisedAt: iso(a.raisedAt), clearedAt: iso(a.clearedAt), acknowledgedAt: iso(a.acknowledgedAt), acknowledgedBy: a.acknowledgedBy ?? null };
}

export function alarmRoutes(app: FastifyInstance, api: GatewayReads & GatewayCommands): void {
  app.get('/api/alarms', async () => api.listAlarms().map(alarmJson));

  app.post<{ Params: { device: string; alarm: string } }>('/api/alarms/:device/:alarm/acknowledge', async (req) => {
    const body = parseBody(AckBody, req.body ?? {}, 'no body, or {"by": "name of who acknowledges"}');
    const who = req.identity.credential?.kind === 'session' ? req.identity.user! : body.by ? `${body.by} (${req.identity.user})` : req.identity.user!;
    const done = api.acknowledgeAlarm(req.params.device, req.params.alarm, who);
    if (!done) throw new FieldlabError('FL_ALARM_NOT_PENDING', { device: req.params.device, alarm: req.params.alarm });
    return alarmJson(done);
  });
}
