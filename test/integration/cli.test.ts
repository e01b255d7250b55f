// The command line as a user runs it: through npm's tsx entry, as a child process.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PROFILES_DIR } from '../../device-profiles/schema/load.ts';
import { freePort } from '../../gateway/src/services/free-port.ts';
import { eventually, startTestInflux, tempDir, type TestInflux } from '../support/services.ts';
import { demoSiteFile } from '../support/fixtures.ts';

const CLI = ['--import', 'tsx', 'gateway/src/cli/main.ts'];

function fieldlab(args: string[]) {
  return spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', timeout: 30_000 });
}

describe('fieldlab profiles check', () => {
  it('accepts the shipped profiles and demo site', () => {
    const r = fieldlab(['profiles', 'check']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('profiles ok (6)');
    expect(r.stdout).toContain('site ok: Fieldlab Emmen');
  });

  it('rejects a profile with a typo, naming file, line and path, with exit code 2', () => {
    const dir = tempDir('cli-profiles');
    cpSync(DEFAULT_PROFILES_DIR, dir.path, { recursive: true, filter: (src) => !src.includes('schema') });
    const file = join(dir.path, 'bambu-lab-fdm.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('nozzle_temp:    { type: float, unit: degC', 'nozzle_temp:    { type: float, unti: degC'));
    const r = fieldlab(['profiles', 'check', '--profiles', dir.path]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bambu-lab-fdm\.yaml:9:\d+: signals\.nozzle_temp: unknown key "unti"/);
    dir.remove();
  });

  it('rejects a site file that is not YAML', () => {
    const dir = tempDir('cli-site');
    writeFileSync(join(dir.path, 'site.yaml'), 'site: [broken\n');
    const r = fieldlab(['profiles', 'check', '--site', join(dir.path, 'site.yaml')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/site\.yaml:\d+:\d+: invalid YAML/);
    dir.remove();
  });
});

describe('fieldlab demo', () => {
  let influx: TestInflux;
  beforeAll(async () => {
    influx = await startTestInflux();
  });
  afterAll(async () => {
    await influx?.stop();
  });

  it('runs the whole fieldlab: printers and robots publish, the gateway stores, health is ok; Ctrl+C stops it cleanly', async () => {
    const port = await freePort();
    const [robot1, robot2] = [await freePort(), await freePort()];
    // The demo site's robot endpoints, moved to free ports through the site's ${...} variables.
    const site = tempDir('demo-site');
    const siteFile = demoSiteFile(site.path, [robot1, robot2]);
    const child = spawn(
      process.execPath,
      [...CLI, 'demo', '--site', siteFile, '--influx', influx.url, '--port', String(port), '--time-scale', '10', '--past-hours', '0', '--database', 'demo', '--data-dir', join(site.path, 'data')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      await eventually(() => output.includes('Fieldlab demo running'), 20_000, 'the demo banner');
      const db = influx.client('demo');
      await eventually(
        async () => {
          const rows = await db.query<{ device: string }>('SELECT count(nozzle_temp) FROM fdm_printer GROUP BY device').catch(() => []);
          return rows.length === 4;
        },
        20_000,
        'points from all four printers',
      );
      await eventually(
        async () => {
          const rows = await db.query<{ device: string }>('SELECT count(axis1_position) FROM robot_arm GROUP BY device').catch(() => []);
          return rows.length === 2;
        },
        20_000,
        'joint values from both robots',
      );
      expect(output).toContain(`OPC UA robot  opc.tcp://127.0.0.1:${robot1}`);
      const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { status: string; messages: { rejectedTotal: number } };
      expect(health.status).toBe('ok');
      expect(health.messages.rejectedTotal).toBe(0);
      const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      expect(page).toContain('<title>Fieldlab');
    } finally {
      child.kill('SIGINT');
    }
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(output).toContain('stopping');
    expect(code).toBe(0);
  });
});
