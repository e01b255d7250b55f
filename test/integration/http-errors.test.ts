// Every refusal of the REST API is `{ code, message }` with the status of its kind, whether
// the state layer, the body schema, Fastify's own parser or the router refuses.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { testSite } from '../support/fixtures.ts';
import { spoolDir } from '../support/services.ts';
import { engineerToken } from '../support/auth.ts';

const site = testSite([{ id: 'bambu', profile: 'bambu-lab-fdm', topicId: 'S1' }]);

describe('REST errors', () => {
  let gateway: Gateway;
  const login = engineerToken();
  const call = async (method: string, path: string, body?: string) => {
    const res = await fetch(`${gateway.httpAddress()}${path}`, { method, headers: { ...login.headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    gateway = new Gateway(site, gatewayConfig({ http: { host: '127.0.0.1', port: 0 }, spool: { dir: spoolDir() }, auth: { usersFile: login.file } }), new Telemetry(pino({ level: 'silent' })), { sources: [], sinks: [] });
    await gateway.start();
  });
  afterAll(() => gateway.stop());

  it('answers each refusal with its code, a message and the status of its kind', async () => {
    const cases: [string, string, string | undefined, number, string, RegExp][] = [
      ['POST', '/api/series', JSON.stringify({ product: 'Housing', target: 0, line: 'line-a' }), 400, 'FL_BAD_REQUEST', /target/],
      ['POST', '/api/series', '{"product": ', 400, 'FL_BAD_REQUEST', /JSON/],
      ['POST', '/api/series', JSON.stringify({ product: 'Housing', target: 5, line: 'nope' }), 404, 'FL_LINE_NOT_FOUND', /no line "nope"/],
      ['GET', '/api/series/nope', undefined, 404, 'FL_SERIES_NOT_FOUND', /no series "nope"/],
      ['POST', '/api/alarms/bambu/overheat/acknowledge', JSON.stringify({ by: 'anna' }), 404, 'FL_ALARM_NOT_PENDING', /overheat on bambu/],
      ['GET', '/api/nothing-here', undefined, 404, 'FL_ROUTE_NOT_FOUND', /GET \/api\/nothing-here/],
    ];
    for (const [method, path, body, status, code, message] of cases) {
      const res = await call(method, path, body);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status, code });
      expect(Object.keys(res.body).sort()).toEqual(['code', 'message']);
      expect(res.body.message).toMatch(message);
    }
  });

  it('a conflict with the current state is a 409', async () => {
    const started = await call('POST', '/api/series', JSON.stringify({ product: 'Housing', target: 5, line: 'line-a' }));
    expect(started.status).toBe(201);
    const again = await call('POST', '/api/series', JSON.stringify({ product: 'Other', target: 5, line: 'line-a' }));
    expect(again).toEqual({ status: 409, body: { code: 'FL_SERIES_ALREADY_RUNNING', message: expect.stringContaining('is running on line "line-a"') } });
    const id = String(started.body.id);
    expect((await call('POST', `/api/series/${id}/resume`)).body.code).toBe('FL_SERIES_NOT_PAUSED');
    await call('POST', `/api/series/${id}/stop`);
    expect(await call('POST', `/api/series/${id}/stop`)).toEqual({ status: 409, body: { code: 'FL_SERIES_STOPPED', message: `series "${id}" has already stopped` } });
  });
});
