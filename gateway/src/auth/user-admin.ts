// Changes to the users file, as `fieldlab users …` and the admin's token routes make them.
// Each reads the file, changes it and writes it back whole; a running gateway follows it.
import { hashPassword, newToken } from './passwords.ts';
import type { Role } from './roles.ts';
import { isValidName, updateUsersFile, type TokenEntry } from './users-file.ts';

export class UserAdminError extends Error {}

function checkName(name: string): void {
  if (!isValidName(name)) throw new UserAdminError(`"${name}" is not a valid name: letters, digits and . _ @ - (at most 64)`);
}

/** Passwords shorter than this are refused: a fieldlab's Wi-Fi is a shared network. */
export const MIN_PASSWORD = 10;

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD) throw new UserAdminError(`a password needs at least ${MIN_PASSWORD} characters`);
}

export async function addUser(file: string, name: string, role: Role, password: string): Promise<void> {
  checkName(name);
  checkPassword(password);
  const hash = await hashPassword(password);
  updateUsersFile(file, (f) => {
    if (f.users.some((u) => u.name === name)) throw new UserAdminError(`user "${name}" exists already (fieldlab users passwd, or remove it first)`);
    return { ...f, users: [...f.users, { name, role, password: hash, changedAt: new Date().toISOString() }] };
  });
}

export function removeUser(file: string, name: string): void {
  updateUsersFile(file, (f) => {
    if (!f.users.some((u) => u.name === name)) throw new UserAdminError(`no user "${name}"`);
    return { ...f, users: f.users.filter((u) => u.name !== name) };
  });
}

/** A new password (and, when given, a new role); the user's sessions end. */
export async function setPassword(file: string, name: string, password: string, role?: Role): Promise<void> {
  checkPassword(password);
  const hash = await hashPassword(password);
  updateUsersFile(file, (f) => {
    if (!f.users.some((u) => u.name === name)) throw new UserAdminError(`no user "${name}"`);
    return { ...f, users: f.users.map((u) => (u.name === name ? { ...u, password: hash, role: role ?? u.role, changedAt: new Date().toISOString() } : u)) };
  });
}

/** Ends every session the user has now, wherever they are logged in; the password stays. */
export function endSessions(file: string, name: string): void {
  updateUsersFile(file, (f) => {
    if (!f.users.some((u) => u.name === name)) throw new UserAdminError(`no user "${name}"`);
    return { ...f, users: f.users.map((u) => (u.name === name ? { ...u, sessionsFrom: new Date().toISOString() } : u)) };
  });
}

/** A new API token; its secret is returned this once, only its digest is kept. */
export function addToken(file: string, name: string, role: Role, createdBy: string): { secret: string; token: Omit<TokenEntry, 'digest'> } {
  checkName(name);
  const t = newToken();
  const entry: TokenEntry = { id: t.id, name, role, digest: t.digest, createdAt: new Date().toISOString(), createdBy };
  updateUsersFile(file, (f) => ({ ...f, tokens: [...f.tokens, entry] }));
  const { digest: _digest, ...token } = entry;
  return { secret: t.secret, token };
}

/** False when there is no such token. */
export function revokeToken(file: string, id: string): boolean {
  let found = false;
  updateUsersFile(file, (f) => {
    found = f.tokens.some((t) => t.id === id);
    return found ? { ...f, tokens: f.tokens.filter((t) => t.id !== id) } : f;
  });
  return found;
}
