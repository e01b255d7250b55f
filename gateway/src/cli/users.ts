// `fieldlab users add|remove|passwd|list|token|revoke`: the users file a gateway reads (and
// follows while it runs: a removed user or a revoked token is locked out at once). Passwords
// are asked for without echo on a terminal, or read from standard input (--password-stdin);
// never taken as an argument, where they would land in the shell's history and `ps`.
import { chmodSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { isRole, ROLES, type Role } from '../auth/roles.ts';
import { addToken, addUser, endSessions, removeUser, revokeToken, setPassword, UserAdminError } from '../auth/user-admin.ts';
import { readUsersFile } from '../auth/users-file.ts';

export interface UsersFlags {
  file: string;
  role?: string;
  passwordStdin?: boolean;
  out?: string;
  json?: boolean;
}

function roleOf(flags: UsersFlags, fallback?: Role): Role {
  if (flags.role === undefined && fallback) return fallback;
  if (!isRole(flags.role)) throw new UserAdminError(`--role: expected one of ${ROLES.join(', ')}${flags.role ? `, not "${flags.role}"` : ''}`);
  return flags.role;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** A line typed without echo. */
function askHidden(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput.bind(rl);
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => write(s.startsWith(question) ? question : s.replace(/[^\r\n]/g, ''));
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

async function newPassword(flags: UsersFlags): Promise<string> {
  if (flags.passwordStdin) return readStdin();
  if (!process.stdin.isTTY) throw new UserAdminError('no terminal to ask the password on: pipe it in with --password-stdin');
  const first = await askHidden('password: ');
  const again = await askHidden('again: ');
  if (first !== again) throw new UserAdminError('the two passwords differ');
  return first;
}

export async function usersAdd(name: string, flags: UsersFlags): Promise<void> {
  const role = roleOf(flags);
  await addUser(flags.file, name, role, await newPassword(flags));
  process.stdout.write(`added ${name} (${role}) to ${flags.file}\n`);
}

export async function usersPasswd(name: string, flags: UsersFlags): Promise<void> {
  await setPassword(flags.file, name, await newPassword(flags), flags.role === undefined ? undefined : roleOf(flags));
  process.stdout.write(`changed ${name}'s password${flags.role ? ` and role (${flags.role})` : ''}; their sessions have ended\n`);
}

export function usersRemove(name: string, flags: UsersFlags): void {
  removeUser(flags.file, name);
  process.stdout.write(`removed ${name}; their sessions have ended\n`);
}

export function usersLogout(name: string, flags: UsersFlags): void {
  endSessions(flags.file, name);
  process.stdout.write(`ended every session of ${name}; a running gateway drops their sockets at once\n`);
}

export function usersList(flags: UsersFlags): void {
  const f = readUsersFile(flags.file);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ users: f.users.map(({ name, role, changedAt }) => ({ name, role, changedAt })), tokens: f.tokens.map(({ digest: _d, ...t }) => t) })}\n`);
    return;
  }
  const lines = [`users in ${flags.file}:`, ...(f.users.length ? f.users.map((u) => `  ${u.name.padEnd(20)} ${u.role.padEnd(9)} since ${u.changedAt}`) : ['  none: fieldlab users add <name> --role admin'])];
  lines.push('API tokens:', ...(f.tokens.length ? f.tokens.map((t) => `  ${t.id}  ${t.name.padEnd(20)} ${t.role.padEnd(9)} made ${t.createdAt} by ${t.createdBy || '—'}`) : ['  none']));
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The token is printed once (or written to --out, mode 0600); only its digest stays in the file. */
export function usersToken(name: string, flags: UsersFlags): void {
  const made = addToken(flags.file, name, roleOf(flags), (process.env.USER ?? 'cli').slice(0, 100));
  if (flags.out) {
    writeFileSync(flags.out, `${made.secret}\n`, { mode: 0o600 });
    chmodSync(flags.out, 0o600); // a file that was there keeps its mode otherwise
    process.stdout.write(`token ${made.token.id} (${made.token.role}) written to ${flags.out}; use it with FIELDLAB_TOKEN_FILE=${flags.out}\n`);
  } else {
    process.stdout.write(`${made.secret}\n`);
    process.stderr.write(`token ${made.token.id} (${made.token.role}): shown this once; use it as FIELDLAB_TOKEN or "Authorization: Bearer …"\n`);
  }
}

export function usersRevoke(id: string, flags: UsersFlags): void {
  if (!revokeToken(flags.file, id)) throw new UserAdminError(`no token "${id}" in ${flags.file}`);
  process.stdout.write(`revoked token ${id}\n`);
}
