// Writes batches to InfluxDB 1.x over HTTP. The `influx` package does the admin work
// (ping, CREATE DATABASE); writes are our own line protocol posted with fetch.
import http from 'node:http';
import https from 'node:https';
import { InfluxDB } from 'influx';
import { SinkWriteError, type SpoolableSink } from '../../core/sink.ts';
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

export class InfluxDbSink implements SpoolableSink {
  readonly name = 'influxdb';
  readonly spoolable = true;
  private readonly writeUrl: string;
  private readonly headers: Record<string, string>;
  private readonly request: typeof http.request;
  private readonly agent: http.Agent;
  private stopped = false;
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
    const database = this.options.database;
    try {
      // CREATE DATABASE is idempotent in InfluxDB 1.x.
      await this.admin.createDatabase(database);
    } catch (err) {
      // Only an admin may create a database (403 for anyone else); a user with rights on an
      // existing one, the usual set-up with auth on, writes to it as it is.
      if ((err as { res?: { statusCode?: number } }).res?.statusCode !== 403) throw err;
      if (!(await this.admin.getDatabaseNames()).includes(database)) {
        throw new Error(`InfluxDB user ${this.options.username ?? ''} may not create database ${database}, and it does not exist: create it as an admin, and grant the user WRITE on it (and READ, for history)`);
      }
    }
  }

  newBatch(): LineProtocolBatch {
    return new LineProtocolBatch(this.options.batchSize);
  }

  /** `body` is line protocol, as built by `newBatch`. */
  async write(body: Buffer): Promise<void> {
    // A destroyed agent still opens new sockets: without this a late write would go out.
    // Retryable, because the data is fine: with a spool it is written on the next start.
    if (this.stopped) throw new SinkWriteError('InfluxDB sink stopped: nothing was written', true);
    if (body.length === 0) return;
    const { status, text } = await this.post(body);
    if (status === 204) return;
    if (status === 404 && /database not found/.test(text)) {
      // The database went away (a wiped InfluxDB): create it again and retry.
      await this.start().catch(() => undefined);
      throw new SinkWriteError(`InfluxDB answered 404: ${text.slice(0, 200)}; database created again`, true, status);
    }
    throw new SinkWriteError(`InfluxDB answered ${status}: ${text.slice(0, 500)}`, isRetryable(status), status);
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
    this.stopped = true;
    this.agent.destroy();
  }
}

/**
 * 400 (a field-type conflict, a line that does not parse) and 413 (too large) refuse the
 * data itself: it would be refused again. Everything else is the server's or the setup's
 * trouble (5xx, a wrong password, a missing database) and is retried: the data is fine.
 */
function isRetryable(status: number): boolean {
  return status !== 400 && status !== 413 && status !== 422;
}
