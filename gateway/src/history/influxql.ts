// The only way a request's words reach InfluxQL: identifiers quoted, strings as escaped
// literals, times as integer epoch milliseconds. Callers validate ids against the site
// first; these escape anyway, so a validation gap cannot become an injection.

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
