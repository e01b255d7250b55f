// The one table of who may do what: every HTTP route and every socket event the gateway
// answers has a row here, and the server refuses to start with a route that has none
// (http/auth-hooks.ts), so a new route cannot go out unguarded. Rows that change something
// name their audit action: the audit trail records each call of them.
import type { ClientToServerEvents } from '../core/live-events.ts';
import { satisfies, type Need, type Role } from './roles.ts';

export interface Rule {
  readonly need: Need;
  /** Recorded in the audit trail on every call (allowed or refused). */
  readonly audit?: string;
}

/** `METHOD url` as the route is registered (HEAD follows its GET). */
export const ROUTE_RULES: Readonly<Record<string, Rule>> = {
  // The viewer's files and the login page load for anybody, so that a login is possible at all.
  'GET /': { need: 'public' },
  'GET /*': { need: 'public' },
  'GET /models/*': { need: 'public' },
  'GET /healthz': { need: 'public' },
  'GET /metrics': { need: 'visitor' },
  'GET /api/session': { need: 'public' },
  'POST /api/login': { need: 'public', audit: 'login' },
  'POST /api/logout': { need: 'public', audit: 'logout' },

  'GET /api/site': { need: 'visitor' },
  'GET /api/devices': { need: 'visitor' },
  'GET /api/states': { need: 'visitor' },
  'GET /api/alarms': { need: 'visitor' },
  'GET /api/series': { need: 'visitor' },
  'GET /api/series/:id': { need: 'visitor' },
  'GET /api/history/at': { need: 'visitor' },
  'GET /api/history/changes': { need: 'visitor' },
  'GET /api/history/marks': { need: 'visitor' },
  // Visitors see prepared experiments in the kiosk; running them is an engineer's.
  'GET /api/experiments': { need: 'visitor' },
  'GET /api/experiments/:id': { need: 'visitor' },
  'GET /api/experiments/:id/trace': { need: 'visitor' },

  'POST /api/alarms/:device/:alarm/acknowledge': { need: 'operator', audit: 'alarm.acknowledge' },
  'POST /api/series/:id/pause': { need: 'operator', audit: 'series.pause' },
  'POST /api/series/:id/resume': { need: 'operator', audit: 'series.resume' },
  'POST /api/series': { need: 'engineer', audit: 'series.start' },
  'POST /api/series/:id/stop': { need: 'engineer', audit: 'series.stop' },
  'POST /api/experiments': { need: 'engineer', audit: 'experiment.run' },
  'DELETE /api/experiments/:id': { need: 'engineer', audit: 'experiment.cancel' },

  'GET /api/users': { need: 'admin' },
  'POST /api/users/:name/logout': { need: 'admin', audit: 'user.logout' },
  'GET /api/tokens': { need: 'admin' },
  'POST /api/tokens': { need: 'admin', audit: 'token.create' },
  'DELETE /api/tokens/:id': { need: 'admin', audit: 'token.revoke' },
  'GET /api/audit': { need: 'admin' },
};

/** Every event a client may send; the type makes a new event without a row a compile error. */
export const SOCKET_RULES: Readonly<Record<keyof ClientToServerEvents, Rule>> = {
  subscribe: { need: 'visitor' },
  acknowledge: { need: 'operator', audit: 'alarm.acknowledge' },
};

export function routeRule(method: string, url: string): Rule | undefined {
  return ROUTE_RULES[`${method === 'HEAD' ? 'GET' : method} ${url}`];
}

/** What the viewer may offer a role, read from the same rows the server enforces. */
export function mayOf(role: Role | null) {
  const may = (key: string) => satisfies(role, ROUTE_RULES[key]!.need);
  return {
    acknowledge: may('POST /api/alarms/:device/:alarm/acknowledge'),
    plannedStop: may('POST /api/series/:id/pause'),
    series: may('POST /api/series'),
    experiments: may('POST /api/experiments'),
    admin: may('GET /api/users'),
  };
}
