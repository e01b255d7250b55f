// A lab of "meters" for reliability tests: a profile whose every message carries a
// sequence number and its own timestamp, so what InfluxDB holds can be counted exactly
// against what was published, and a replayed point lands on itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { stringify } from 'yaml';
import type { InfluxDB } from 'influx';
import { loadSite, type SiteModel } from '../../device-profiles/schema/load.ts';
import { eventually } from './services.ts';

export const METER_PROFILE = {
  id: 'test-meter',
  kind: 'cnc',
  vendor: 'Test',
  model: 'Sequence meter',
  signals: {
    seq: { type: 'int', range: [0, 1e9] },
    value: { type: 'float', range: [-1e6, 1e6] },
    note: { type: 'string' },
  },
  mqtt: { subscribe: ['lab/{id}/#'], topics: [{ topic: 'lab/{id}/count', timestamp: { path: 'ts', unit: 'ms' }, fields: { seq: 'seq', value: 'value', note: 'note' } }] },
};

/**
 * The same meter judged like a machine: producing while the value is positive (offline
 * after a second of silence), an alarm above 100, a part per step of the sequence number.
 * The reliability tests use the plain meter, so that one message is exactly one point.
 */
export const JUDGED_METER_PROFILE = {
  ...METER_PROFILE,
  states: { offlineAfterSeconds: 1, rules: [{ state: 'producing', signal: 'value', above: 0 }], default: 'idle' },
  // Every step of the sequence number is a part made.
  production: { idealCycleSeconds: 0.1, parts: [{ type: 'increment', signal: 'seq' }] },
  alarms: [{ id: 'too_high', type: 'threshold', signal: 'value', above: 100, hysteresis: 10, severity: 'critical', text: 'Value above 100' }],
};

/** Writes the profile and a site with `ids` into `dir`; returns the site file. */
export function writeMeterLab(dir: string, ids: readonly string[], options: { judged?: boolean } = {}): string {
  const profiles = join(dir, 'profiles');
  mkdirSync(profiles, { recursive: true });
  writeFileSync(join(profiles, 'test-meter.yaml'), stringify(options.judged ? JUDGED_METER_PROFILE : METER_PROFILE));
  const file = join(dir, 'site.yaml');
  writeFileSync(
    file,
    stringify({
      site: { id: 'meter-lab', name: 'Meter lab', floor: { width: 10, depth: 10 }, seed: 1 },
      profiles: './profiles',
      lines: [{ id: 'line-a', name: 'Line A', stations: [{ id: 'st-1', name: 'Station 1', position: { x: 1, y: 1 } }] }],
      devices: ids.map((id, i) => ({ id, name: id, profile: 'test-meter', line: 'line-a', station: 'st-1', position: { x: i, y: 1 } })),
    }),
  );
  return file;
}

export function meterSite(dir: string, ids: readonly string[], options: { judged?: boolean } = {}): SiteModel {
  return loadSite(writeMeterLab(dir, ids, options));
}

/**
 * Publishes QoS 1 messages for each meter at a steady rate. Timestamps are the publish
 * time made strictly increasing per meter, so each message is one distinct point.
 */
export class MeterLoad {
  readonly client: MqttClient;
  sent = 0;
  /** Acknowledged by the broker. */
  acked = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly seq = new Map<string, number>();
  /** Each message's publish time by meter and sequence number, to date a missing one. */
  readonly sentAt = new Map<string, number>();
  private lastTs = 0;

  constructor(
    url: string,
    private readonly ids: readonly string[],
  ) {
    this.client = mqtt.connect(url, { clientId: `meter-load-${process.pid}-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 200 });
  }

  /** `perSecond` messages per meter. mqtt.js queues QoS 1 messages while the broker is away. */
  start(perSecond: number): void {
    const tickMs = 20;
    const perTick = (perSecond * tickMs) / 1000;
    let owed = 0;
    this.timer = setInterval(() => {
      owed += perTick;
      while (owed >= 1) {
        owed--;
        for (const id of this.ids) this.publish(id);
      }
    }, tickMs);
  }

  publish(id: string, extra: Record<string, unknown> = {}): void {
    const seq = (this.seq.get(id) ?? 0) + 1;
    this.seq.set(id, seq);
    const ts = (this.lastTs = Math.max(this.lastTs + 1, Date.now()));
    this.sentAt.set(`${id}#${seq}`, ts);
    this.client.publish(`lab/${id}/count`, JSON.stringify({ seq, ts, value: seq / 10, ...extra }), { qos: 1 }, (err) => {
      if (!err) this.acked++;
    });
    this.sent++;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Resolves once the broker acknowledged everything published. */
  async settled(timeoutMs = 30_000): Promise<void> {
    await eventually(() => this.acked === this.sent, timeoutMs, `broker acknowledging all ${this.sent} messages (${this.acked} so far)`);
  }

  async close(): Promise<void> {
    this.stop();
    await this.client.endAsync(true);
  }
}

/** Messages published but not in InfluxDB, with their publish time: what a failed count is about. */
export async function missingMessages(influx: InfluxDB, load: MeterLoad): Promise<string[]> {
  const rows = await influx.query<{ device: string; seq: number }>('SELECT seq, device FROM cnc');
  const stored = new Set(rows.map((r) => `${r.device}#${r.seq}`));
  return [...load.sentAt].filter(([key]) => !stored.has(key)).map(([key, ts]) => `${key} published ${new Date(ts).toISOString()}`);
}

/** Points stored for the meters, and how many distinct sequence numbers they hold. */
export async function storedCounts(influx: InfluxDB): Promise<{ points: number; distinct: number }> {
  const [all, byDevice] = await influx.query<{ n: number }>(['SELECT count(seq) AS n FROM cnc', 'SELECT count(distinct(seq)) AS n FROM cnc GROUP BY device']);
  return { points: all![0]?.n ?? 0, distinct: byDevice!.reduce((sum, r) => sum + r.n, 0) };
}

/** The real gateway as a child process, as an engineer runs it. */
export class GatewayProcess {
  child: ChildProcess | undefined;
  output = '';

  constructor(
    private readonly args: readonly string[],
    readonly port: number,
  ) {}

  async start(): Promise<void> {
    this.output = '';
    const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/cli/main.ts', 'gateway', ...this.args, '--port', String(this.port), '--log-level', 'info'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    await eventually(async () => (await this.health().catch(() => undefined)) !== undefined, 30_000, `gateway answering on ${this.port}`).catch((err: Error) => {
      throw new Error(`${err.message}:\n${this.output}`);
    });
  }

  async health(): Promise<Health> {
    const res = await fetch(`http://127.0.0.1:${this.port}/healthz`);
    return (await res.json()) as Health;
  }

  kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }
}

export interface Health {
  status: string;
  problems: string[];
  sources: Record<string, { state: string; reconnects: number }>;
  sinks: Record<string, { bufferedPoints: number; spool: { points: number; bytes: number } | null; oldestUnsentAgeSeconds: number; lastError: string | null }>;
  messages: { received: number; rejected: Record<string, number>; rejectedTotal: number };
  points: { written: number; dropped: number; droppedByReason: Record<string, number>; writeErrors: number };
}
