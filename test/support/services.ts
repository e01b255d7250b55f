// Real services for the tests, each on a free loopback port with its own temporary folder.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxDB } from 'influx';
import { freePort } from '../../gateway/src/services/free-port.ts';
import { startInfluxd, stopChild } from '../../gateway/src/services/influxd.ts';

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `fieldlab-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

const leftovers: string[] = [];
process.once('exit', () => {
  for (const path of leftovers) rmSync(path, { recursive: true, force: true });
});

/** A spool folder for one test gateway, removed when the test process exits. */
export function spoolDir(): string {
  const dir = tempDir('spool');
  leftovers.push(dir.path);
  return dir.path;
}

export interface TestInflux {
  readonly url: string;
  /** A client of `database`, as the admin when auth is on. */
  readonly client: (database: string) => InfluxDB;
  stop(): Promise<void>;
}

export interface TestInfluxOptions {
  /** With auth enabled, and this admin created first (any other user is the test's to create). */
  readonly admin?: { readonly username: string; readonly password: string };
}

export async function startTestInflux(options: TestInfluxOptions = {}): Promise<TestInflux> {
  const dir = tempDir('influx');
  const influxd = await startInfluxd({ dataDir: dir.path, auth: options.admin !== undefined });
  const u = new URL(influxd.url);
  const admin = options.admin;
  // With auth on, InfluxDB lets the first user be created without one, if it is an admin.
  if (admin) await new InfluxDB({ host: u.hostname, port: Number(u.port) }).createUser(admin.username, admin.password, true);
  return {
    url: influxd.url,
    client: (database) => new InfluxDB({ host: u.hostname, port: Number(u.port), database, ...(admin && { username: admin.username, password: admin.password }) }),
    stop: async () => {
      await influxd.stop();
      dir.remove();
    },
  };
}

export interface TestMosquitto {
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

export function mosquittoPath(): string | undefined {
  for (const p of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto']) {
    if (spawnSync('test', ['-x', p]).status === 0) return p;
  }
  return undefined;
}

/**
 * Mosquitto on a free loopback port. With `persistDir`, sessions and queued messages are
 * saved there on stop and loaded on start (a broker restart that keeps the gateway's session).
 */
export interface MosquittoOptions {
  readonly persistDir?: string;
  /** Closed to anonymous clients: these users and rights (as `fieldlab deploy credentials` writes them). */
  readonly auth?: { readonly passwordFile: string; readonly aclFile: string };
  /** A second, TLS listener on `port` with these PEM files. */
  readonly tls?: { readonly port: number; readonly cafile: string; readonly certfile: string; readonly keyfile: string };
}

export async function startMosquitto(port?: number, options: MosquittoOptions = {}): Promise<TestMosquitto> {
  const binary = mosquittoPath();
  if (!binary) throw new Error('mosquitto is not installed (Debian: apt-get install mosquitto)');
  const dir = tempDir('mosquitto');
  const actual = port ?? (await freePort());
  const conf = join(dir.path, 'mosquitto.conf');
  if (options.persistDir) mkdirSync(options.persistDir, { recursive: true });
  // Started as root (CI containers), mosquitto drops to its own user, which could not write in our private temp folder.
  // The same for the 0600 credential files it is given.
  const asRoot = process.getuid?.() === 0 && (options.persistDir || options.auth || options.tls) ? ['user root'] : [];
  const persistence = options.persistDir ? ['persistence true', `persistence_location ${options.persistDir}/`] : ['persistence false'];
  const auth = options.auth ? ['allow_anonymous false', `password_file ${options.auth.passwordFile}`, `acl_file ${options.auth.aclFile}`] : ['allow_anonymous true'];
  const t = options.tls;
  const tls = t ? [`listener ${t.port} 127.0.0.1`, `cafile ${t.cafile}`, `certfile ${t.certfile}`, `keyfile ${t.keyfile}`] : [];
  writeFileSync(conf, [...asRoot, 'per_listener_settings false', ...auth, ...persistence, 'max_queued_messages 100000', `listener ${actual} 127.0.0.1`, ...tls, ''].join('\n'));
  const child = spawn(binary, ['-c', conf], { stdio: 'ignore' });
  await waitForPort(actual, 10_000);
  if (t) await waitForPort(t.port, 10_000);
  return {
    url: `mqtt://127.0.0.1:${actual}`,
    port: actual,
    process: child,
    stop: async () => {
      await stopChild(child);
      dir.remove();
    },
  };
}

export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await sleep(50);
  }
}

/** A fixed wait: only for "nothing happens within this window" checks; wait for a condition with `eventually`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns true or the time is up. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
