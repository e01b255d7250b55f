// A Mosquitto password_file. With mosquitto_passwd on PATH its own hashing is used (`-U` on a
// plaintext file: no password ever on a command line); without it, the same PBKDF2-SHA512
// form Mosquitto 2 writes ("$7$"), so the deploy box needs no broker installed.
import { spawnSync } from 'node:child_process';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

export interface MqttUser {
  readonly username: string;
  readonly password: string;
}

const ITERATIONS = 101;

/** One password_file line in Mosquitto 2's PBKDF2-SHA512 format. */
export function hashLine(user: MqttUser, salt: Buffer = randomBytes(12)): string {
  const hash = pbkdf2Sync(user.password, salt, ITERATIONS, 64, 'sha512');
  return `${user.username}:$7$${ITERATIONS}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function mosquittoPasswdPath(): string | undefined {
  return ['/usr/bin/mosquitto_passwd', '/usr/local/bin/mosquitto_passwd', '/usr/sbin/mosquitto_passwd'].find((p) => existsSync(p));
}

export type Hasher = 'mosquitto_passwd' | 'node';

/** Writes `file` (mode 0600) for these users; returns which hasher made it. */
export function writePasswordFile(file: string, users: readonly MqttUser[], prefer: Hasher = 'mosquitto_passwd'): Hasher {
  const tool = prefer === 'mosquitto_passwd' ? mosquittoPasswdPath() : undefined;
  if (!tool) {
    writeFileSync(file, users.map((u) => `${hashLine(u)}\n`).join(''), { mode: 0o600 });
    return 'node';
  }
  // The plaintext exists only for the moment mosquitto_passwd hashes it in place.
  writeFileSync(file, users.map((u) => `${u.username}:${u.password}\n`).join(''), { mode: 0o600 });
  const run = spawnSync(tool, ['-U', file], { encoding: 'utf8' });
  if (run.status !== 0 || readFileSync(file, 'utf8').split('\n').some((l) => l !== '' && !l.includes(':$'))) {
    rmSync(file, { force: true });
    throw new Error(`mosquitto_passwd -U failed: ${(run.stderr || run.stdout || `exit ${run.status}`).trim()}`);
  }
  return 'mosquitto_passwd';
}
