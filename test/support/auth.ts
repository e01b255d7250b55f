// Logins for tests: a users file in a temporary folder with a person per role (made with the
// gateway's own functions), API tokens, and the headers that carry them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { SiteModel } from '../../device-profiles/schema/load.ts';
import { AuditTrail } from '../../gateway/src/auth/audit-trail.ts';
import { AuthStore } from '../../gateway/src/auth/auth-store.ts';
import { originPolicy } from '../../gateway/src/auth/origin.ts';
import type { Role } from '../../gateway/src/auth/roles.ts';
import { addToken, addUser } from '../../gateway/src/auth/user-admin.ts';
import { VisitorView } from '../../gateway/src/auth/visitor-view.ts';
import type { LiveAccess } from '../../gateway/src/sinks/live/live-hub.ts';

export const PASSWORD: Readonly<Record<Role, string>> = { visitor: 'visitor-pass-1', operator: 'operator-pass-1', engineer: 'engineer-pass-1', admin: 'admin-pass-1234' };

/** A users file with no one in it yet, in a fresh temporary folder. */
export function usersFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'fieldlab-users-')), 'users.json');
}

/** One user per role given, named after it ("operator"), with PASSWORD[role]. */
export async function withUsers(file: string, roles: readonly Role[]): Promise<string> {
  for (const role of roles) await addUser(file, role, role, PASSWORD[role]);
  return file;
}

/** An API token of this role; its secret. */
export function tokenOf(file: string, role: Role, name = `test-${role}`): string {
  return addToken(file, name, role, 'test').secret;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A users file with an engineer's token, for tests that act on a gateway and are not about who may: its file and headers. */
export function engineerToken(): { file: string; headers: { authorization: string } } {
  const file = usersFile();
  return { file, headers: bearer(tokenOf(file, 'engineer')) };
}

/** What a bare LiveHub needs: anonymous visitors, nothing hidden unless the site hides it, an audit going nowhere. */
export function openAccess(site: SiteModel, file = usersFile()): LiveAccess {
  const store = new AuthStore({ usersFile: file, anonymous: 'visitor', sessionHours: 1 }, pino({ level: 'silent' }));
  return { store, audit: new AuditTrail(site.site.id, () => {}, undefined), visitors: new VisitorView(site), origins: originPolicy(false, []), corsOrigins: [] };
}

/** Logs in over REST; the headers a browser page of the gateway would then send (its cookie and its Origin). */
export async function loginHeaders(url: string, user: string, password: string): Promise<{ cookie: string; origin: string }> {
  const res = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, password }) });
  if (res.status !== 200) throw new Error(`login as ${user}: ${res.status} ${await res.text()}`);
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
  return { cookie, origin: new URL(url).origin };
}

/** Logs a browser page's context in (its cookie jar), before it opens the viewer. */
export async function loginPage(page: { request: { post(url: string, options: { data: unknown; headers: Record<string, string> }): Promise<{ status(): number }> } }, url: string, user: string, password: string): Promise<void> {
  const res = await page.request.post(`${url}/api/login`, { data: { user, password }, headers: { origin: new URL(url).origin } });
  if (res.status() !== 200) throw new Error(`login as ${user} answered ${res.status()}`);
}
