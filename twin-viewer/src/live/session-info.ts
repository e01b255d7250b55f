// Who the viewer is signed in as and what the gateway lets them do, parsed at the edge from
// GET /api/session, and the words the header and the login dialog use. Pure: no DOM, no
// fetch, so it is tested on its own (test/unit/session-info.test.ts).

export const ROLES = ['visitor', 'operator', 'engineer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The gateway's one table of who may do what, as it applies to this viewer. */
export interface Permissions {
  readonly acknowledge: boolean;
  readonly plannedStop: boolean;
  readonly series: boolean;
  readonly experiments: boolean;
  readonly admin: boolean;
}

export interface SessionInfo {
  readonly user: string | null;
  /** null: anonymous access is off and nobody is logged in, so nothing is shown until someone logs in. */
  readonly role: Role | null;
  readonly via: 'anonymous' | 'session' | 'token' | null;
  readonly loginAvailable: boolean;
  readonly may: Permissions;
}

const NOTHING: Permissions = Object.freeze({ acknowledge: false, plannedStop: false, series: false, experiments: false, admin: false });

/** Before the gateway has answered: nothing is offered, so no control flashes up and goes. */
export const UNKNOWN_SESSION: SessionInfo = Object.freeze({ user: null, role: null, via: null, loginAvailable: false, may: NOTHING });

/** GET /api/session's body, checked; anything unexpected is an error rather than a guess at rights. */
export function parseSession(body: unknown): SessionInfo {
  if (typeof body !== 'object' || body === null) throw new Error('session: not an object');
  const b = body as Record<string, unknown>;
  const user = b.user;
  if (user !== null && typeof user !== 'string') throw new Error('session: user is neither a string nor null');
  const role = b.role;
  if (role !== null && !ROLES.includes(role as Role)) throw new Error(`session: unknown role ${JSON.stringify(role)}`);
  const via = b.via;
  if (via !== null && via !== 'anonymous' && via !== 'session' && via !== 'token') throw new Error(`session: unknown via ${JSON.stringify(via)}`);
  const may = b.may;
  if (typeof may !== 'object' || may === null) throw new Error('session: no may');
  const m = may as Record<string, unknown>;
  // A right the gateway does not name is not granted.
  const flag = (k: keyof Permissions) => m[k] === true;
  return Object.freeze({
    user,
    role: role as Role | null,
    via,
    loginAvailable: b.loginAvailable === true,
    may: Object.freeze({ acknowledge: flag('acknowledge'), plannedStop: flag('plannedStop'), series: flag('series'), experiments: flag('experiments'), admin: flag('admin') }),
  });
}

/** What the header says: "ana · engineer", "visitor", or "not logged in" when anonymous access is off. */
export function whoText(s: SessionInfo): string {
  if (s.user !== null) return s.role ? `${s.user} · ${s.role}` : s.user;
  return s.role ?? 'not logged in';
}

/** Someone logged in (a session cookie), rather than looking on as an anonymous visitor or through a token. */
export function loggedIn(s: SessionInfo): boolean {
  return s.via === 'session';
}

const LOGIN_ERRORS: Readonly<Record<string, string>> = {
  FL_LOGIN_FAILED: 'User name or password is wrong.',
  FL_TOO_MANY_LOGINS: 'Too many attempts: wait a while, then try again.',
  FL_FOREIGN_ORIGIN: 'This page was not loaded from the gateway it logs in to.',
};

/**
 * The text the login dialog shows for a refused login. Known codes get the viewer's own words
 * (and the code, for whoever reads the gateway's log); for others the gateway's message, with
 * the password blanked should a gateway ever echo it, so it is never on the screen.
 */
export function loginErrorText(status: number, body: unknown, password: string): string {
  const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const code = typeof b.code === 'string' ? b.code : undefined;
  if (code && LOGIN_ERRORS[code]) return `${LOGIN_ERRORS[code]} (${code})`;
  let message = typeof b.message === 'string' && b.message.trim() !== '' ? b.message : `The gateway answered ${status}.`;
  if (password) message = message.split(password).join('•••');
  return code ? `${message} (${code})` : message;
}
