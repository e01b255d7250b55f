// `npm run demo` as a new user sees it on a terminal: the start fits a screen, one line per
// event, the addresses last, and no notice about a security policy the fieldlab does not use.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../gateway/src/services/free-port.ts';
import { demoSiteFile } from '../support/fixtures.ts';
import { eventually, tempDir } from '../support/services.ts';

const EVENT_LINE = /^\[\d\d:\d\d:\d\d\] (INFO|WARN|ERROR): \S/;

describe('fieldlab demo on a terminal', () => {
  it('starts in one screen: a line per event, then the short block of addresses', { timeout: 120_000 }, async () => {
    const dir = tempDir('demo-terminal');
    const [port, robot1, robot2, influx] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const siteFile = demoSiteFile(dir.path, [robot1, robot2]);
    // --log-format pretty prints what a terminal gets without needing one. Nothing answers at
    // the InfluxDB address and the demo starts no influxd for [::1], so it runs on live data
    // only and its one child is this process.
    const args = ['demo', '--site', siteFile, '--port', String(port), '--influx', `http://[::1]:${influx}`, '--data-dir', join(dir.path, 'data'), '--log-format', 'pretty'];
    const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/cli/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      await eventually(() => output.includes('Press Ctrl+C to stop.'), 60_000, 'the block of addresses').catch((err: Error) => {
        throw new Error(`${err.message}; the demo printed:\n${output}`);
      });
    } finally {
      await stop(child);
      dir.remove();
    }
    const lines = output.slice(0, output.indexOf('Press Ctrl+C to stop.')).split('\n');
    const banner = lines.findIndex((l) => l.includes('Fieldlab demo running'));
    expect(lines.length, output).toBeLessThanOrEqual(25);
    expect(lines.length - banner, 'the block of addresses is short').toBeLessThanOrEqual(8);
    for (const line of lines.slice(0, banner + 1)) expect(line, output).toMatch(EVENT_LINE);
    expect(output).not.toMatch(/PKCS|CVE-2023-46809|NODE-OPCUA/);
    // Every source has said how it is before the addresses, so they are not scrolled away.
    const connected = lines.map((l, i) => (/source .* connected/.test(l) ? i : -1)).filter((i) => i >= 0);
    expect(connected).toHaveLength(3);
    expect(Math.max(...connected)).toBeLessThan(banner);
    expect(lines.slice(banner).join('\n')).toContain(`http://127.0.0.1:${port}/?mode=kiosk`);
  });
});

/** Ctrl+C, as a user stops it; killed if it has not stopped in 20 s. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGINT');
  });
}
