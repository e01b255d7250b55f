// The users file: people with a role and a password hash, and API tokens for automation
// (only their digests). Written by `fieldlab users …` and by the gateway when an admin makes
// or revokes a token; read by the gateway, which follows changes to it while it runs. JSON,
// mode 0600, replaced whole by a rename so a reader never sees half a file.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../core/errors.ts';
import { ROLES } from './roles.ts';

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'expected a name of letters, digits and . _ @ - (at most 64)');

const UserSchema = z.strictObject({
  name,
  role: z.enum(ROLES),
  /** scrypt$N$r$p$salt$hash (auth/passwords.ts). */
  password: z.string().startsWith('scrypt$', 'expected a scrypt hash (made by `fieldlab users add`)'),
  changedAt: z.iso.datetime(),
  /** Sessions begun before this are void (`fieldlab users logout`). */
  sessionsFrom: z.iso.datetime().optional(),
});

const TokenSchema = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{12}$/, 'expected 12 hex digits'),
  name,
  role: z.enum(ROLES),
  /** SHA-256 of the token, hex. */
  digest: z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 in hex'),
  createdAt: z.iso.datetime(),
  createdBy: z.string().max(100),
});

export const UsersFileSchema = z.strictObject({
  version: z.literal(1),
  users: z.array(UserSchema),
  tokens: z.array(TokenSchema),
});

export type UsersFile = z.infer<typeof UsersFileSchema>;
export type UserEntry = UsersFile['users'][number];
export type TokenEntry = UsersFile['tokens'][number];

export const EMPTY_USERS: UsersFile = Object.freeze({ version: 1, users: [], tokens: [] });
export const isValidName = (s: string) => name.safeParse(s).success;

const display = (file: string) => relative(process.cwd(), file) || file;

/** The file's users and tokens; none when it does not exist. A file that does not parse is refused, naming where. */
export function readUsersFile(file: string): UsersFile {
  if (!existsSync(file)) return EMPTY_USERS;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // Not the parser's message: in Node 20 it quotes a piece of the file, which may hold a hash.
    throw new ConfigError(display(file), [{ path: '(file)', message: 'expected JSON (it does not parse; fieldlab users … writes it)' }]);
  }
  const parsed = UsersFileSchema.safeParse(data);
  if (!parsed.success) throw new ConfigError(display(file), parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(file)', message: i.message })));
  const problems = duplicates(parsed.data);
  if (problems.length > 0) throw new ConfigError(display(file), problems);
  return parsed.data;
}

function duplicates(f: UsersFile): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  f.users.forEach((u, i) => {
    if (seen.has(u.name)) out.push({ path: `users.${i}.name`, message: `duplicate user "${u.name}"` });
    seen.add(u.name);
  });
  const ids = new Set<string>();
  f.tokens.forEach((t, i) => {
    if (ids.has(t.id)) out.push({ path: `tokens.${i}.id`, message: `duplicate token id "${t.id}"` });
    ids.add(t.id);
  });
  return out;
}

/** Checked, written to a fresh file (never through a planted link), flushed to disk, then renamed over the old: a power cut leaves the old file or the new one. */
export function writeUsersFile(file: string, data: UsersFile): void {
  writeFileAtomically(file, `${JSON.stringify(UsersFileSchema.parse(data), null, 2)}\n`);
}

/** `text` in place of `file` (mode 0600), whole or not at all. */
export function writeFileAtomically(file: string, text: string): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** Reads, changes and writes back the file in one step (the CLI and the gateway's token routes). */
export function updateUsersFile(file: string, change: (f: UsersFile) => UsersFile): UsersFile {
  const next = change(readUsersFile(file));
  writeUsersFile(file, next);
  return next;
}
