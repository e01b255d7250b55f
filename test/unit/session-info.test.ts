// The viewer's reading of GET /api/session and of a refused login: rights the gateway does not
// grant are never assumed, the header says who is logged in, and a refused login's text never
// carries the password.
import { describe, expect, it } from 'vitest';
import { loggedIn, loginErrorText, parseSession, whoText } from '../../twin-viewer/src/live/session-info.ts';

const all = { acknowledge: true, plannedStop: true, series: true, experiments: true, admin: false };

describe('session info in the viewer', () => {
  it('reads an engineer logged in with a session', () => {
    const s = parseSession({ user: 'ana', role: 'engineer', via: 'session', loginAvailable: true, may: all });
    expect(s).toEqual({ user: 'ana', role: 'engineer', via: 'session', loginAvailable: true, may: all });
    expect(whoText(s)).toBe('ana · engineer');
    expect(loggedIn(s)).toBe(true);
  });

  it('reads an anonymous visitor, and no one at all when anonymous access is off', () => {
    const nothing = { acknowledge: false, plannedStop: false, series: false, experiments: false, admin: false };
    const visitor = parseSession({ user: null, role: 'visitor', via: 'anonymous', loginAvailable: true, may: nothing });
    expect(whoText(visitor)).toBe('visitor');
    expect(loggedIn(visitor)).toBe(false);
    const none = parseSession({ user: null, role: null, via: null, loginAvailable: true, may: nothing });
    expect(whoText(none)).toBe('not logged in');
  });

  it('grants only what the gateway says is granted, as true', () => {
    // A missing right, or one given as a truthy non-boolean, is not a right.
    const s = parseSession({ user: 'op', role: 'operator', via: 'token', loginAvailable: false, may: { acknowledge: true, plannedStop: 'yes', series: 1 } });
    expect(s.may).toEqual({ acknowledge: true, plannedStop: false, series: false, experiments: false, admin: false });
    expect(loggedIn(s)).toBe(false);
  });

  it('refuses an answer it cannot read rather than guessing', () => {
    expect(() => parseSession(null)).toThrow(/not an object/);
    expect(() => parseSession({ user: 3, role: 'visitor', via: null, may: {} })).toThrow(/user/);
    expect(() => parseSession({ user: null, role: 'root', via: null, may: {} })).toThrow(/role "root"/);
    expect(() => parseSession({ user: null, role: 'visitor', via: 'cookie', may: {} })).toThrow(/via "cookie"/);
    expect(() => parseSession({ user: null, role: 'visitor', via: null })).toThrow(/may/);
  });

  it("says a refused login in the viewer's words with the code, and never shows the password", () => {
    expect(loginErrorText(401, { code: 'FL_LOGIN_FAILED', message: 'login failed' }, 'pw')).toBe('User name or password is wrong. (FL_LOGIN_FAILED)');
    expect(loginErrorText(429, { code: 'FL_TOO_MANY_LOGINS', message: 'slow down' }, 'pw')).toMatch(/^Too many attempts.*\(FL_TOO_MANY_LOGINS\)$/);
    // A code the viewer does not know: the gateway's message, with the password blanked.
    expect(loginErrorText(400, { code: 'FL_BODY', message: 'bad body: password "hunter2" too long' }, 'hunter2')).toBe('bad body: password "•••" too long (FL_BODY)');
    expect(loginErrorText(502, 'Bad gateway', 'x')).toBe('The gateway answered 502.');
  });
});
