// InfluxDB 1.x line protocol, written here rather than through the `influx` package
// because that package escapes neither measurement names nor newlines, and needs a
// declared schema to write integers. Rules (checked against influxd 1.6):
// - measurement: escape `,` and space; tag keys, values and field keys: also `=`.
// - a backslash before an escaped character, or at the end of a tag value, breaks
//   the line and cannot be escaped, so backslashes in names become `/`; control
//   characters (newlines above all) cannot appear at all and become spaces.
// - string fields: quoted, with `"` and `\` escaped; newlines are allowed.
import type { Point, Series } from '../../core/reading.ts';

const NAME_SPECIAL = /[,= \\\u0000-\u001f\u007f]/;

function escapeName(s: string, measurement = false): string {
  if (!NAME_SPECIAL.test(s)) return s;
  let out = '';
  for (const ch of s) {
    if (ch === '\\') out += '/';
    else if (ch === ',' || ch === ' ' || (ch === '=' && !measurement)) out += `\\${ch}`;
    else if (ch <= '\u001f' || ch === '\u007f') out += '\\ ';
    else out += ch;
  }
  return out;
}

export function escapeMeasurement(s: string): string {
  return escapeName(s, true);
}
export const escapeTag = (s: string) => escapeName(s);

export function quoteString(s: string): string {
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}

const seriesKeys = new WeakMap<Series, string>();

/** `measurement,tag=value,...` with tags sorted by key (what InfluxDB wants), cached per series. */
export function seriesKey(series: Series): string {
  let key = seriesKeys.get(series);
  if (key === undefined) {
    key = escapeMeasurement(series.measurement);
    for (const name of Object.keys(series.tags).sort()) {
      const value = series.tags[name]!;
      if (value !== '') key += `,${escapeTag(name)}=${escapeTag(value)}`;
    }
    seriesKeys.set(series, key);
  }
  return key;
}

/** One line, timestamp in ms; undefined when the point has no field to write. */
export function encodePoint(point: Point): string | undefined {
  const types = point.series.fieldTypes;
  let fields = '';
  for (const name in point.fields) {
    const type = types[name];
    const value = point.fields[name]!;
    let encoded: string;
    if (type === 'float') {
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      encoded = String(value);
    } else if (type === 'int') {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) continue;
      encoded = `${value}i`;
    } else if (type === 'bool') {
      encoded = value ? 'true' : 'false';
    } else if (type === 'string') {
      encoded = quoteString(String(value));
    } else {
      continue;
    }
    fields += `${fields ? ',' : ''}${escapeTag(name)}=${encoded}`;
  }
  if (!fields) return undefined;
  return `${seriesKey(point.series)} ${fields} ${Math.trunc(point.time)}`;
}

export function encodeBatch(points: readonly Point[]): string {
  let body = '';
  for (let i = 0; i < points.length; i++) {
    const line = encodePoint(points[i]!);
    if (line !== undefined) body += `${line}\n`;
  }
  return body;
}
