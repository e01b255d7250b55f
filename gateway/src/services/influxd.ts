// Starts InfluxDB 1.x from PATH with its own data folder and ports: for the demo when
// no InfluxDB answers, and for the tests and benchmarks, which each get a fresh one.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from './free-port.ts';

export interface RunningInfluxd {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

export function influxdOnPath(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v influxd'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path ? path : undefined;
}

/** Whether an InfluxDB 1.x answers /ping at `url`. */
export async function pingInflux(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const res = await fetch(new URL('/ping', url), { signal: AbortSignal.timeout(timeoutMs) });
    return res.status === 204;
  } catch {
    return false;
  }
}

export interface InfluxdOptions {
  readonly dataDir: string;
  readonly port?: number;
  readonly host?: string;
  readonly timeoutMs?: number;
  /** `[http] auth-enabled`: every request needs a user; the first one (an admin) may be created without. */
  readonly auth?: boolean;
}

export async function startInfluxd(options: InfluxdOptions): Promise<RunningInfluxd> {
  const binary = influxdOnPath();
  if (!binary) throw new Error('influxd is not on PATH (Debian: apt-get install influxdb)');
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  const rpcPort = await freePort();
  const config = join(dataDir, 'influxdb.conf');
  writeFileSync(
    config,
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpcPort}"`,
      '[meta]',
      `  dir = "${join(dataDir, 'meta')}"`,
      '[data]',
      `  dir = "${join(dataDir, 'data')}"`,
      `  wal-dir = "${join(dataDir, 'wal')}"`,
      '  query-log-enabled = false',
      '[monitor]',
      '  store-enabled = false',
      '[http]',
      `  bind-address = "${host}:${port}"`,
      '  log-enabled = false',
      ...(options.auth ? ['  auth-enabled = true'] : []),
      '[logging]',
      '  level = "warn"',
      '',
    ].join('\n'),
  );
  // Its own process group: a Ctrl+C on the terminal reaches the demo, which stops influxd
  // after the gateway has written what it holds, instead of both at once.
  const child = spawn(binary, ['-config', config], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  // Its own group also means it would outlive a demo that exits at once (a second Ctrl+C, a
  // crash): whatever way this process exits, influxd is told to stop.
  const orphaned = () => child.kill('SIGTERM');
  process.once('exit', orphaned);
  child.once('exit', () => process.removeListener('exit', orphaned));
  const url = `http://${host}:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (!(await pingInflux(url, 500))) {
    if (child.exitCode !== null) throw new Error(`influxd exited with ${child.exitCode}: ${stderr.trim()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`influxd did not answer on ${url} in time: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    dataDir,
    process: child,
    stop: () => stopChild(child),
  };
}

export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
