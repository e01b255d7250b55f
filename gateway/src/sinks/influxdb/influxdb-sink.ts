// Writes batches to InfluxDB 1.x over HTTP. The `influx` package does the admin work
// (ping, CREATE DATABASE); writes are our own line protocol posted with fetch.
import http from 'node:http';
import https from 'node:https';
import { InfluxDB } from 'influx';
import { SinkWriteError, type Sink } from '../../core/sink.ts';
import { LineProtocolBatch } from './line-protocol.ts';

export interface InfluxSinkOptions {
  /** e.g. http://127.0.0.1:8086 */
  readonly url: string;
  readonly database: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** Per request; a write that takes longer is retried. */
  readonly timeoutMs?: number;
  /** Expected points per batch, to size buffers. */
  readonly batchSize?: number;
}

export class InfluxDbSink implements Sink<Buffer> {
  readonly name = 'influxdb';
  private readonly writeUrl: string;
  private readonly headers: Record<string, string>;
  private readonly request: typeof http.request;
  private readonly agent: http.Agent;
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
    const secure = base.protocol === 'https:';
    this.request = secure ? https.request : http.request;
    this.agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 2 }) : new http.Agent({ keepAlive: true, maxSockets: 2 });
    this.headers = { 'content-type': 'text/plain; charset=utf-8' };
    if (options.username !== undefined) {
      this.headers.authorization = `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`;
    }
  }

  async start(): Promise<void> {
    // CREATE DATABASE is idempotent in InfluxDB 1.x.
    await this.admin.createDatabase(this.options.database);
  }

  newBatch(): LineProtocolBatch {
    return new LineProtocolBatch(this.options.batchSize);
  }

  /** `body` is line protocol, as built by `newBatch`. */
  async write(body: Buffer): Promise<void> {
    if (body.length === 0) return;
    const { status, text } = await this.post(body);
    if (status === 204) return;
    // 4xx: the data was refused (type conflict, parse error) and will be refused again;
    // 5xx and the rest: the server's trouble, worth retrying.
    const retryable = status >= 500 || status === 429 || status === 408;
    throw new SinkWriteError(`InfluxDB answered ${status}: ${text.slice(0, 500)}`, retryable, status);
  }

  // node:http rather than fetch: on this hot path fetch's stream machinery costs more
  // CPU per batch than the request itself.
  private post(body: Buffer): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = this.request(
        this.writeUrl,
        { method: 'POST', headers: { ...this.headers, 'content-length': body.length }, agent: this.agent, timeout: this.options.timeoutMs ?? 10_000 },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', (err) => reject(new SinkWriteError(`InfluxDB at ${this.options.url}: ${err.message}`, true)));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.options.timeoutMs ?? 10_000} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => reject(new SinkWriteError(`InfluxDB at ${this.options.url} unreachable: ${err.code ?? err.message}`, true)));
      req.end(body);
    });
  }

  async stop(): Promise<void> {
    this.agent.destroy();
  }
}
