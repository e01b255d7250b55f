// The admin's calls to the gateway: its users, API tokens and audit trail. Every answer is
// parsed at the edge (a field of the wrong type is an error, not a guess), and every refusal
// comes back as the gateway's `{code, message}`, so the panel says it in words.
import { ROLES, type Role } from './session-info.ts';

export interface UserRow {
  readonly name: string;
  readonly role: Role;
  readonly changedAt: string;
}

export interface TokenRow {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface AuditRow {
  readonly t: number;
  readonly action: string;
  readonly outcome: string;
  readonly user: string | null;
  readonly role: string | null;
  readonly address: string;
  readonly target: string;
  readonly status: number;
}

/** A refused or failed call: the gateway's code (undefined when it gave none) and its message. */
export class AdminError extends Error {
  constructor(
    readonly code: string | undefined,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }

  /** What the panel shows: the gateway's message, and its code for whoever reads the log. */
  get text(): string {
    return this.code ? `${this.message} (${this.code})` : this.message;
  }
}

type Fields = Record<string, unknown>;

function object(v: unknown, what: string): Fields {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new AdminError(undefined, `${what}: not an object`, 0);
  return v as Fields;
}

function text(o: Fields, k: string, what: string): string {
  const v = o[k];
  if (typeof v !== 'string') throw new AdminError(undefined, `${what}: ${k} is not a string`, 0);
  return v;
}

function role(o: Fields, what: string): Role {
  const v = o.role;
  if (!ROLES.includes(v as Role)) throw new AdminError(undefined, `${what}: unknown role ${JSON.stringify(v)}`, 0);
  return v as Role;
}

function list<T>(v: unknown, what: string, row: (o: Fields) => T): T[] {
  if (!Array.isArray(v)) throw new AdminError(undefined, `${what}: not a list`, 0);
  return v.map((x) => row(object(x, what)));
}

export function parseUsers(v: unknown): UserRow[] {
  return list(v, 'users', (o) => ({ name: text(o, 'name', 'user'), role: role(o, 'user'), changedAt: text(o, 'changedAt', 'user') }));
}

function parseToken(o: Fields): TokenRow {
  return { id: text(o, 'id', 'token'), name: text(o, 'name', 'token'), role: role(o, 'token'), createdAt: text(o, 'createdAt', 'token'), createdBy: text(o, 'createdBy', 'token') };
}

export function parseTokens(v: unknown): TokenRow[] {
  return list(v, 'tokens', parseToken);
}

export function parseAudit(v: unknown): AuditRow[] {
  const orNull = (o: Fields, k: string) => (o[k] === null ? null : text(o, k, 'audit entry'));
  return list(v, 'audit', (o) => {
    if (typeof o.t !== 'number' || typeof o.status !== 'number') throw new AdminError(undefined, 'audit entry: t or status is not a number', 0);
    return { t: o.t, action: text(o, 'action', 'audit entry'), outcome: text(o, 'outcome', 'audit entry'), user: orNull(o, 'user'), role: orNull(o, 'role'), address: text(o, 'address', 'audit entry'), target: text(o, 'target', 'audit entry'), status: o.status };
  });
}

/** One call: its JSON body (undefined for 204), or an AdminError with the gateway's code and message. */
async function call(path: string, init?: RequestInit): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: { accept: 'application/json', ...(init?.body !== undefined && { 'content-type': 'application/json' }) } });
  } catch {
    throw new AdminError(undefined, 'The gateway cannot be reached.', 0);
  }
  const body: unknown = res.status === 204 ? undefined : await res.json().catch(() => undefined);
  if (!res.ok) {
    const b = typeof body === 'object' && body !== null ? (body as Fields) : {};
    const message = typeof b.message === 'string' && b.message.trim() !== '' ? b.message : `The gateway answered ${res.status}.`;
    throw new AdminError(typeof b.code === 'string' ? b.code : undefined, message, res.status);
  }
  return body;
}

export const adminApi = {
  users: async () => parseUsers(await call('/api/users')),
  logoutUser: async (name: string) => void (await call(`/api/users/${encodeURIComponent(name)}/logout`, { method: 'POST' })),
  tokens: async () => parseTokens(await call('/api/tokens')),
  /** A new token and its secret, which the gateway shows this once. */
  createToken: async (name: string, r: Role): Promise<{ token: TokenRow; secret: string }> => {
    const o = object(await call('/api/tokens', { method: 'POST', body: JSON.stringify({ name, role: r }) }), 'token');
    return { token: parseToken(o), secret: text(o, 'token', 'token') };
  },
  revokeToken: async (id: string) => void (await call(`/api/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' })),
  audit: async (limit: number) => parseAudit(await call(`/api/audit?limit=${limit}`)),
};

export type AdminApi = typeof adminApi;
