// Who is asking: the users file's people and tokens, the logged-in sessions (kept beside the
// users file as digests of their ids, so a restart logs nobody out and the file gives no
// cookie away), and the anonymous visitor. Every check resolves a credential
// afresh, so a removed user, a changed password or a revoked token counts at once; the file is
// followed while the gateway runs, and listeners hear of every change that may revoke something
// (the live hub then drops the sockets that lost their right).
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { mkdirSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Logger } from 'pino';
import { DUMMY_HASH, newSessionId, sameDigest, tokenDigest, tokenIdOf, verifyPassword } from './passwords.ts';
import { addToken, endSessions, revokeToken } from './user-admin.ts';
import type { Role } from './roles.ts';
import { EMPTY_USERS, readUsersFile, writeFileAtomically, type TokenEntry, type UsersFile } from './users-file.ts';

export type Credential = { readonly kind: 'anonymous' } | { readonly kind: 'session'; readonly id: string } | { readonly kind: 'token'; readonly id: string };

export interface Identity {
  /** The user's or token's name; null for an anonymous visitor. */
  readonly user: string | null;
  /** null: nobody (anonymous access is off). */
  readonly role: Role | null;
  readonly credential: Credential | null;
}

export const NOBODY: Identity = Object.freeze({ user: null, role: null, credential: null });

/** The login cookie's name, for the HTTP routes and the socket's handshake alike. */
export const SESSION_COOKIE = 'fieldlab_session';

/** What the site lets visitors see, or everything: a visitor's view leaves out what the site hides. */
export const seesVisitorView = (identity: Identity): boolean => identity.role === 'visitor' || identity.role === null;

export interface AuthOptions {
  readonly usersFile: string;
  /** What an anonymous request is: a visitor, or nobody (then everything but the login page needs a login). */
  readonly anonymous: 'visitor' | 'none';
  readonly sessionHours: number;
}

const SessionsFileSchema = z.strictObject({
  version: z.literal(1),
  sessions: z.array(z.strictObject({ digest: z.string().regex(/^[0-9a-f]{64}$/), user: z.string(), stamp: z.string(), since: z.number(), expires: z.number() })),
});

interface Session {
  readonly user: string;
  /** The password hash at login: a changed password ends the session. */
  readonly stamp: string;
  /** When it began: `fieldlab users logout` ends those begun before. */
  readonly since: number;
  readonly expires: number;
}

/** Sessions kept at most; the oldest go first (a flood of logins cannot grow memory without bound). */
const MAX_SESSIONS = 10_000;

export class AuthStore {
  private data: UsersFile = EMPTY_USERS;
  private readonly sessions = new Map<string, Session>();
  private readonly listeners: (() => void)[] = [];
  private watcher: FSWatcher | undefined;
  private readonly file: string;

  constructor(
    readonly options: AuthOptions,
    private readonly log: Logger,
  ) {
    this.file = resolve(options.usersFile);
    this.sessionsFile = join(dirname(this.file), 'sessions.json');
  }

  private readonly sessionsFile: string;

  /** Reads the users file (a bad one is refused: the gateway does not start) and follows it. */
  open(): void {
    this.data = readUsersFile(this.file);
    this.loadSessions();
    mkdirSync(dirname(this.file), { recursive: true });
    // The directory, not the file: the file is replaced by a rename, which a watch on it would miss.
    this.watcher = watch(dirname(this.file), (_event, name) => {
      if (name === null || name === basename(this.file)) this.reload();
    });
    this.watcher.on('error', (err) => this.log.warn({ err }, `cannot follow ${this.file}: changes to it apply after a restart`));
    if (this.data.users.length === 0) {
      this.log.warn(`no users yet in ${this.file}: everyone is ${this.options.anonymous === 'visitor' ? 'a visitor' : 'refused'}. Create one with: fieldlab users add <name> --role admin`);
    }
  }

  /** Sessions from before a restart; a file that does not parse (or is gone) leaves none, so everybody logs in again. */
  private loadSessions(): void {
    try {
      const parsed = SessionsFileSchema.safeParse(JSON.parse(readFileSync(this.sessionsFile, 'utf8')));
      if (!parsed.success) return;
      const now = Date.now();
      for (const s of parsed.data.sessions) if (s.expires > now) this.sessions.set(s.digest, { user: s.user, stamp: s.stamp, since: s.since, expires: s.expires });
    } catch {
      // none yet
    }
  }

  private saveSessions(): void {
    const now = Date.now();
    const sessions = [...this.sessions].filter(([, s]) => s.expires > now).map(([digest, s]) => ({ digest, ...s }));
    try {
      writeFileAtomically(this.sessionsFile, `${JSON.stringify({ version: 1, sessions })}\n`);
    } catch (err) {
      this.log.warn({ problem: (err as Error).message }, `cannot keep the sessions in ${this.sessionsFile}: a restart will log everybody out`);
    }
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  private reload(): void {
    try {
      this.data = readUsersFile(this.file);
    } catch (err) {
      // Fail closed: a hand edit that removes a compromised user must not leave that user in
      // force because of a typo elsewhere in the file. Nobody logs in until it parses again.
      this.data = EMPTY_USERS;
      this.log.error({ problem: (err as Error).message }, `${this.file} does not parse: every login and token is refused until it is mended`);
    }
    this.changed();
  }

  /** `listener` is called after every change that may revoke a credential. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  get hasUsers(): boolean {
    return this.data.users.length > 0;
  }

  anonymous(): Identity {
    return this.options.anonymous === 'visitor' ? { user: null, role: 'visitor', credential: { kind: 'anonymous' } } : NOBODY;
  }

  /** A session for the user when the password is right; undefined otherwise (taking as long either way). */
  async login(user: string, password: string): Promise<{ sessionId: string; identity: Identity } | undefined> {
    const entry = this.data.users.find((u) => u.name === user);
    const ok = await verifyPassword(password, entry?.password ?? DUMMY_HASH);
    // Read again after the await: the user may have gone meanwhile.
    const now = this.data.users.find((u) => u.name === user);
    if (!ok || !entry || !now || now.password !== entry.password) return undefined;
    const sessionId = newSessionId();
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(tokenDigest(sessionId), { user, stamp: entry.password, since: Date.now(), expires: Date.now() + this.options.sessionHours * 3_600_000 });
    this.saveSessions();
    return { sessionId, identity: { user, role: now.role, credential: { kind: 'session', id: sessionId } } };
  }

  logout(sessionId: string): void {
    if (this.sessions.delete(tokenDigest(sessionId))) {
      this.saveSessions();
      this.changed();
    }
  }

  fromSession(sessionId: string): Identity | undefined {
    const digest = tokenDigest(sessionId);
    const s = this.sessions.get(digest);
    if (!s) return undefined;
    const user = this.data.users.find((u) => u.name === s.user);
    const ended = user?.sessionsFrom !== undefined && s.since < Date.parse(user.sessionsFrom);
    if (!user || user.password !== s.stamp || ended || s.expires < Date.now()) {
      this.sessions.delete(digest);
      return undefined;
    }
    return { user: user.name, role: user.role, credential: { kind: 'session', id: sessionId } };
  }

  fromToken(secret: string): Identity | undefined {
    const id = tokenIdOf(secret);
    const entry = id === undefined ? undefined : this.data.tokens.find((t) => t.id === id);
    if (!entry || !sameDigest(tokenDigest(secret), entry.digest)) return undefined;
    return { user: entry.name, role: entry.role, credential: { kind: 'token', id: entry.id } };
  }

  /**
   * Who a request or socket is: a token wins, then the login cookie's session, else the
   * anonymous visitor (or nobody). A token that does not check out gives undefined — refused,
   * not taken as anonymous; a stale cookie leaves a visitor, so a kiosk keeps showing.
   */
  identify(token: string | undefined, sessionId: string | undefined): Identity | undefined {
    if (token !== undefined) return this.fromToken(token);
    return (sessionId !== undefined ? this.fromSession(sessionId) : undefined) ?? this.anonymous();
  }

  /** The identity a credential has now; undefined once it is revoked (or expired). */
  resolve(credential: Credential | null): Identity | undefined {
    if (credential === null) return undefined;
    if (credential.kind === 'anonymous') {
      const a = this.anonymous();
      return a.role ? a : undefined;
    }
    if (credential.kind === 'session') return this.fromSession(credential.id);
    const entry = this.data.tokens.find((t) => t.id === credential.id);
    return entry && { user: entry.name, role: entry.role, credential };
  }

  listUsers(): { name: string; role: Role; changedAt: string }[] {
    return this.data.users.map(({ name, role, changedAt }) => ({ name, role, changedAt }));
  }

  listTokens(): Omit<TokenEntry, 'digest'>[] {
    return this.data.tokens.map(({ digest: _digest, ...t }) => t);
  }

  /** A new token, written to the users file; its secret is returned this once and never stored. */
  createToken(name: string, role: Role, createdBy: string): { secret: string; token: Omit<TokenEntry, 'digest'> } {
    const made = addToken(this.file, name, role, createdBy);
    this.reload(); // at once, not when the watch fires
    return made;
  }

  /** Ends every session of a user (false: no such user); their sockets go at once. */
  endSessionsOf(name: string): boolean {
    if (!this.data.users.some((u) => u.name === name)) return false;
    endSessions(this.file, name);
    this.reload();
    return true;
  }

  /** False when there is no such token. */
  revokeToken(id: string): boolean {
    if (!revokeToken(this.file, id)) return false;
    this.reload();
    return true;
  }
}
