// What a person sees on a terminal, and what a log collector reads when there is none.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, type LogFormat } from '../../gateway/src/cli/logger.ts';
import { eventually } from '../support/services.ts';

/** A destination that keeps what is written; `isTTY` as a terminal would say it. */
function capture(isTTY = false) {
  let text = '';
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        text += chunk.toString();
        done();
      },
    }),
    { isTTY },
  );
  return { stream, lines: () => text.split('\n').filter((l) => l !== '') };
}

/** The events of a demo start, as the gateway's parts log them. */
function logStart(level: string, format: LogFormat, isTTY = false) {
  const out = capture(isTTY);
  const log = createLogger(level, format, out.stream);
  log.info({ source: 'mqtt', state: 'starting' }, 'source mqtt starting');
  log.info({ source: 'mqtt', state: 'connected', why: 'mqtt://127.0.0.1:1883' }, 'source mqtt connected: mqtt://127.0.0.1:1883');
  log.info({ devices: ['printer-01', 'printer-02'] }, 'simulating 2 printers on mqtt://127.0.0.1:1883');
  log.warn({ reason: 'invalid_json', topic: 'octoprint/printer-01/temperature', suppressedSinceLastLog: 3 }, 'message rejected (invalid_json): not JSON');
  log.error({ err: new Error('ENOSPC: no space left on device') }, 'sink influxdb: appending to the spool failed');
  return out;
}

const EVENTS = 5;

describe('createLogger on a terminal (pretty)', () => {
  it('writes one line per event, without restating the fields the message says', async () => {
    const out = logStart('info', 'pretty');
    await eventually(() => out.lines().length >= EVENTS, 2000, 'five lines');
    const lines = out.lines();
    expect(lines).toHaveLength(EVENTS);
    for (const line of lines) expect(line).toMatch(/^\[\d\d:\d\d:\d\d\] (INFO|WARN|ERROR): \S/);
    expect(lines.join('\n')).not.toMatch(/state:|source:|why:|printer-02"|\bat .*logger\.test/);
  });

  it('keeps on the line what the message leaves out: the topic, the count not logged, the error', async () => {
    const out = logStart('info', 'pretty');
    await eventually(() => out.lines().length >= EVENTS, 2000, 'five lines');
    const [, , , rejected, failed] = out.lines();
    expect(rejected).toContain('topic=octoprint/printer-01/temperature');
    expect(rejected).toContain('suppressedSinceLastLog=3');
    expect(failed).toContain('appending to the spool failed: ENOSPC: no space left on device');
  });

  it('shows every field and the stack at debug', async () => {
    const out = logStart('debug', 'pretty');
    await eventually(() => out.lines().some((l) => l.includes('ENOSPC')) && out.lines().length > EVENTS + 5, 2000, 'the fields');
    const text = out.lines().join('\n');
    expect(text).toContain('state: "connected"');
    expect(text).toContain('"printer-02"');
    expect(text).toMatch(/\n\s+at .*logger\.test\.ts/);
  });

  it('is chosen by auto when the destination is a terminal', async () => {
    const out = logStart('info', 'auto', true);
    await eventually(() => out.lines().length >= EVENTS, 2000, 'five lines');
    expect(out.lines()[0]).toMatch(/INFO.*source mqtt starting/);
  });
});

describe('createLogger without a terminal (JSON)', () => {
  it.each<LogFormat>(['json', 'auto'])('%s: one JSON object per event, with every field', async (format) => {
    const out = logStart('info', format, format === 'json');
    await eventually(() => out.lines().length >= EVENTS, 2000, 'five lines');
    const events = out.lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events).toHaveLength(EVENTS);
    expect(Object.keys(events[1]!)).toEqual(['level', 'time', 'pid', 'hostname', 'name', 'source', 'state', 'why', 'msg']);
    expect(events[1]).toMatchObject({ level: 30, name: 'fieldlab', source: 'mqtt', state: 'connected', msg: 'source mqtt connected: mqtt://127.0.0.1:1883' });
    expect(events[4]).toMatchObject({ level: 50, err: { type: 'Error', message: 'ENOSPC: no space left on device' } });
  });
});
