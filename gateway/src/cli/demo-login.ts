// The demo's own login: on a first start, a local engineer with a random password (there is
// no default password anywhere) and an API token for the CLI, kept in the demo's data folder
// with mode 0600. Visitors need nothing: anonymous users are visitors. Chosen over a "demo
// role on loopback" because the demo is also opened to phones (--host 0.0.0.0), and because
// every process on the box, an SSH tunnel or a reverse proxy would otherwise act as engineer.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { addToken, addUser } from '../auth/user-admin.ts';
import { readUsersFile } from '../auth/users-file.ts';

export const DEMO_USER = 'demo-engineer';

export interface DemoLogin {
  readonly user: string;
  /** Where its password is kept; absent when the users file was set up by hand (then no demo user is made). */
  readonly passwordFile: string | undefined;
  /** An engineer's API token for `fieldlab series|experiment` (FIELDLAB_TOKEN_FILE). */
  readonly tokenFile: string | undefined;
}

/** Makes the demo's engineer once; a users file with people of its own is left alone. */
export async function ensureDemoLogin(usersFile: string, dataDir: string): Promise<DemoLogin> {
  const passwordFile = join(dataDir, 'demo-login.txt');
  const tokenFile = join(dataDir, 'demo-engineer.token');
  const users = readUsersFile(usersFile).users;
  if (users.some((u) => u.name === DEMO_USER) && existsSync(passwordFile)) return { user: DEMO_USER, passwordFile, tokenFile: existsSync(tokenFile) ? tokenFile : undefined };
  if (users.length > 0) return { user: DEMO_USER, passwordFile: undefined, tokenFile: undefined };
  const password = randomBytes(12).toString('base64url');
  await addUser(usersFile, DEMO_USER, 'engineer', password);
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  writeFileSync(tokenFile, `${addToken(usersFile, 'demo-cli', 'engineer', 'demo').secret}\n`, { mode: 0o600 });
  return { user: DEMO_USER, passwordFile, tokenFile };
}

export function demoPassword(login: DemoLogin): string | undefined {
  return login.passwordFile && existsSync(login.passwordFile) ? readFileSync(login.passwordFile, 'utf8').trim() : undefined;
}
