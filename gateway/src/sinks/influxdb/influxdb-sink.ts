// Writes batches to InfluxDB 1.x over HTTP. The `influx` package does the admin work
// (ping, CREATE DATABASE); writes are our own line protocol posted with fetch.
import { InfluxDB } from 'influx';
import type { Point } from '../../core/reading.ts';
import { SinkWriteError, type Sink } from '../../core/sink.ts';
import { encodeBatch } from './line-protocol.ts';

export interface InfluxSinkOptions {
  /** e.g. http://127.0.0.1:8086 */
  readonly url: string;
  readonly database: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** Per request; a write that takes longer is retried. */
  readonly timeoutMs?: number;
}

export class InfluxDbSink implements Sink {
  readonly name = 'influxdb';
  private readonly writeUrl: string;
  private readonly headers: Record<string, string>;
  readonly admin: InfluxDB;

  constructor(private readonly options: InfluxSinkOptions) {
    const base = new URL(options.url);
    this.admin = new InfluxDB({
      host: base.hostname,
      port: Number(base.port || (base.protocol === 'https:' ? 443 : 8086)),
      protocol: base.protocol === 'https:' ? 'https' : 'http',
      database: options.database,
      username: options.username,
      password: options.password,
    });
    const write = new URL('/write', base);
    write.searchParams.set('db', options.database);
    write.searchParams.set('precision', 'ms');
    this.writeUrl = write.toString();
    this.headers = { 'content-type': 'text/plain; charset=utf-8' };
    if (options.username !== undefined) {
      this.headers.authorization = `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`;
    }
  }

  async start(): Promise<void> {
    // CREATE DATABASE is idempotent in InfluxDB 1.x.
    await this.admin.createDatabase(this.options.database);
  }

  async write(points: readonly Point[]): Promise<void> {
    const body = encodeBatch(points);
    if (!body) return;
    let response: Response;
    try {
      response = await fetch(this.writeUrl, {
        method: 'POST',
        headers: this.headers,
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new SinkWriteError(`InfluxDB at ${this.options.url} unreachable: ${cause ?? (err as Error).message}`, true);
    }
    if (response.status === 204) return;
    const text = (await response.text()).slice(0, 500);
    // 4xx: the data was refused (type conflict, parse error) and will be refused again;
    // 5xx and the rest: the server's trouble, worth retrying.
    const retryable = response.status >= 500 || response.status === 429 || response.status === 408;
    throw new SinkWriteError(`InfluxDB answered ${response.status}: ${text}`, retryable, response.status);
  }

  async stop(): Promise<void> {}
}
