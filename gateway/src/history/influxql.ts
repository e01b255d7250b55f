// The only way a request's words reach InfluxQL: identifiers quoted, strings as escaped
// literals, times as integer epoch milliseconds. Callers validate ids against the site
// first; these escape anyway, so a validation gap cannot become an injection. And the one
// way a query reaches InfluxDB: `influxQuery`, for the history API, the experiments' record
// and the alarms read back at start alike.
import { FieldlabError } from '../core/errors.ts';

/** A measurement, tag or field name: `"name"`, with `"` and `\` escaped. */
export function ident(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A string literal: `'text'`, with `'` and `\` escaped. */
export function str(text: string): string {
  // Our own: the influx package's stringLit escapes quotes but not backslashes.
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** An absolute time: epoch milliseconds with their unit, which InfluxQL reads as a time. */
export function at(ms: number): string {
  if (!Number.isSafeInteger(Math.trunc(ms))) throw new RangeError(`not a time: ${ms}`);
  return `${Math.trunc(ms)}ms`;
}

/** `"tag" = 'a' OR "tag" = 'b'`, in parentheses; `true`-like empty filter when no values. */
export function anyOf(tag: string, values: readonly string[]): string {
  if (values.length === 0) return '';
  return `(${values.map((v) => `${ident(tag)} = ${str(v)}`).join(' OR ')})`;
}

/** One statement's series in InfluxDB's JSON answer (epoch=ms). */
export interface ResultSeries {
  readonly name: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly columns: readonly string[];
  /** Absent when the series has no rows (SHOW CONTINUOUS QUERIES for a database without any). */
  readonly values?: readonly (readonly unknown[])[];
}

export interface StatementResult {
  readonly series?: readonly ResultSeries[];
  readonly error?: string;
}

/** Rows of a series as objects, `time` as ms. */
export function rows(series: ResultSeries): Record<string, unknown>[] {
  return (series.values ?? []).map((v) => Object.fromEntries(series.columns.map((c, i) => [c, v[i]])));
}

/** Where a query goes: the `influx:` settings' connection part. */
export interface InfluxConnection {
  readonly url: string;
  readonly database: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
}

/** FL_HISTORY_UNAVAILABLE: InfluxDB did not answer or refused; `why` is its reason alone, for a log line. */
export class InfluxUnavailable extends FieldlabError<'FL_HISTORY_UNAVAILABLE'> {
  constructor(readonly why: string) {
    super('FL_HISTORY_UNAVAILABLE', { why });
  }
}

/** What went wrong, as a log line says it: InfluxDB's own reason where it gave one. */
export function reasonOf(err: unknown): string {
  return err instanceof InfluxUnavailable ? err.why : err instanceof Error ? err.message : String(err);
}

/**
 * Runs statements in one request (epoch ms). A measurement nothing was written to yet is an
 * empty answer, not an error; after a failed statement InfluxDB runs no more of them, and the
 * first error is the one that says why: it rejects with InfluxUnavailable.
 */
export async function influxQuery(influx: InfluxConnection, statements: readonly string[], options: { readonly timeoutMs?: number; readonly signal?: AbortSignal } = {}): Promise<StatementResult[]> {
  // Relative to the URL's path, so an InfluxDB behind a proxy path is reached too.
  const url = new URL('query', influx.url.endsWith('/') ? influx.url : `${influx.url}/`);
  url.searchParams.set('db', influx.database);
  url.searchParams.set('epoch', 'ms');
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (influx.username !== undefined) headers.authorization = `Basic ${Buffer.from(`${influx.username}:${influx.password ?? ''}`).toString('base64')}`;
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, body: new URLSearchParams({ q: statements.join(';\n') }), signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout });
  } catch (err) {
    throw new InfluxUnavailable(`InfluxDB at ${influx.url} did not answer (${(err as Error).message})`);
  }
  const body = (await res.json().catch(() => ({}))) as { results?: StatementResult[]; error?: string };
  if (!res.ok || !body.results) throw new InfluxUnavailable(`InfluxDB answered ${res.status}: ${body.error ?? 'no results'}`);
  const failed = body.results.findIndex((r) => r.error && !/not found/.test(r.error));
  if (failed >= 0) throw new InfluxUnavailable(`InfluxDB refused the query: ${body.results[failed]!.error} (in: ${statements[failed]?.slice(0, 300)})`);
  return body.results;
}
