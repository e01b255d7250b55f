// A gateway restarted against a real influxd starts with the alarm list it had, read back
// from the alarm events it stored; an acknowledgement given after the restart holds across
// the next one. Records the site cannot place, and an InfluxDB that does not answer, do not
// stop a start.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayConfig } from '../../gateway/src/config.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { Gateway } from '../../gateway/src/runtime/gateway.ts';
import { freePort } from '../../gateway/src/services/free-port.ts';
import { testSite } from '../support/fixtures.ts';
import { sleep, spoolDir, startTestInflux, type TestInflux } from '../support/services.ts';

const site = testSite([
  { id: 'bambu-1', profile: 'bambu-lab-fdm', topicId: 'S1' },
  { id: 'bambu-2', profile: 'bambu-lab-fdm', topicId: 'S2' },
  { id: 'bambu-3', profile: 'bambu-lab-fdm', topicId: 'S3' },
]);
const RUNOUT = 117473297;
const TANGLED = 117473298;

describe('alarms across a gateway restart', () => {
  let influx: TestInflux;
  const database = 'alarms';

  beforeAll(async () => {
    influx = await startTestInflux();
  }, 30_000);
  afterAll(async () => {
    await influx?.stop();
  });

  async function gateway(spool: string, influxUrl = influx.url): Promise<Gateway> {
    const config = gatewayConfig({ influx: { url: influxUrl, database, flushIntervalMs: 50 }, http: { host: '127.0.0.1', port: 0 }, spool: { dir: spool } });
    const g = new Gateway(site, config, new Telemetry(pino({ level: 'silent' })), { sources: [] });
    await g.start();
    return g;
  }
  const report = async (g: Gateway, topicId: string, code: number) => {
    g.handle({ kind: 'mqtt', source: 'test', topic: `device/${topicId}/report`, payload: Buffer.from(JSON.stringify({ print: { gcode_state: 'RUNNING', print_error: code } })), receivedAt: Date.now() });
    await sleep(3); // one alarm's events stay apart in time, as in any real run
  };
  const listed = async (g: Gateway) => (await (await fetch(`${g.httpAddress()}/api/alarms`)).json()) as { device: string; alarm: string; raisedAt: string }[];
  const write = async (lines: string[]) => {
    const res = await fetch(`${influx.url}/write?db=${database}&precision=ms`, { method: 'POST', body: lines.join('\n') });
    expect(res.status).toBe(204);
  };

  it('lists after a restart what was active or not acknowledged, with its own times; the next restart keeps a later acknowledgement', async () => {
    const spool = spoolDir();
    const first = await gateway(spool);
    await report(first, 'S1', RUNOUT);
    await report(first, 'S1', 0); // cleared, and nobody acknowledged it
    await report(first, 'S2', TANGLED);
    first.floor.acknowledgeAlarm('bambu-2', 'firmware_error', 'tess'); // acknowledged, still active
    await report(first, 'S3', RUNOUT);
    first.floor.acknowledgeAlarm('bambu-3', 'firmware_error', 'tess');
    await report(first, 'S3', 0); // acknowledged and cleared: done
    const before = await listed(first);
    expect(before.map((a) => a.device)).toEqual(['bambu-2', 'bambu-1']);
    await first.flush();
    await first.stop();

    // Beside them, what this site cannot place: another site's newer event for the same device, an unknown device, an unknown kind.
    const t = Date.now() - 1;
    await write([
      `alarm,site=elsewhere,device=bambu-1,alarm=firmware_error,event=raised,severity=warning text="theirs",value="",by="",active=true,acknowledged=false ${t}`,
      `alarm,site=test-lab,device=ghost,alarm=firmware_error,event=raised,severity=warning text="boo",value="",by="",active=true,acknowledged=false ${t}`,
      `alarm,site=test-lab,device=bambu-3,alarm=firmware_error,event=exploded,severity=warning text="?" ${t}`,
    ]);

    const second = await gateway(spool);
    expect(await listed(second)).toEqual(before);
    second.floor.acknowledgeAlarm('bambu-1', 'firmware_error', 'ruud');
    await second.flush();
    await second.stop();

    const third = await gateway(spool);
    expect(await listed(third)).toEqual(before.filter((a) => a.device === 'bambu-2'));
    await third.stop();
  }, 30_000);

  it('starts at once, its list left to live data, when InfluxDB does not answer', async () => {
    const started = Date.now();
    const g = await gateway(spoolDir(), `http://127.0.0.1:${await freePort()}`);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await listed(g)).toEqual([]);
    await g.stop();
  }, 30_000);
});
