// InfluxDB 1.x line protocol, written here rather than through the `influx` package
// because that package escapes neither measurement names nor newlines, and needs a
// declared schema to write integers. Rules (checked against influxd 1.6):
// - measurement: escape `,` and space; tag keys, values and field keys: also `=`.
// - a backslash before an escaped character, or at the end of a tag value, breaks
//   the line and cannot be escaped, so backslashes in names become `/`; control
//   characters (newlines above all) cannot appear at all and become spaces.
// - string fields: quoted, with `"` and `\` escaped; newlines are allowed.
import type { FieldType, Point, Series, Value } from '../../core/reading.ts';

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
  if (s.indexOf('"') < 0 && s.indexOf('\\') < 0) return `"${s}"`;
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}

interface SeriesEncoding {
  /** `measurement,tag=value,...` with tags sorted by key, as InfluxDB wants them. */
  readonly key: string;
  /** Field names already escaped and followed by `=`, with their types, in a fixed order. */
  readonly fields: readonly { readonly name: string; readonly prefix: string; readonly type: FieldType }[];
  /**
   * The last value written per field and its encoded `name=value`. A device's merged state
   * repeats most fields from point to point, so most fields are not formatted again.
   */
  readonly lastValues: (Value | undefined)[];
  readonly lastEncoded: string[];
}

// Everything about a series that does not change from point to point is escaped once.
const encodings = new WeakMap<Series, SeriesEncoding>();

function encodingOf(series: Series): SeriesEncoding {
  let enc = encodings.get(series);
  if (enc === undefined) {
    let key = escapeMeasurement(series.measurement);
    for (const name of Object.keys(series.tags).sort()) {
      const value = series.tags[name]!;
      if (value !== '') key += `,${escapeTag(name)}=${escapeTag(value)}`;
    }
    const fields = Object.entries(series.fieldTypes).map(([name, type]) => ({ name, prefix: `${escapeTag(name)}=`, type }));
    enc = { key, fields, lastValues: fields.map(() => undefined), lastEncoded: fields.map(() => '') };
    encodings.set(series, enc);
  }
  return enc;
}

export function seriesKey(series: Series): string {
  return encodingOf(series).key;
}

/** One line, timestamp in ms; undefined when the point has no field to write. */
export function encodePoint(point: Point): string | undefined {
  const enc = encodingOf(point.series);
  const values = point.fields;
  let line = enc.key;
  let sep = ' ';
  for (let i = 0; i < enc.fields.length; i++) {
    const value = values[enc.fields[i]!.name];
    if (value === undefined) continue;
    let encoded: string | undefined;
    if (value === enc.lastValues[i]) encoded = enc.lastEncoded[i]!;
    else {
      encoded = encodeField(enc.fields[i]!, value);
      if (encoded === undefined) continue;
      enc.lastValues[i] = value;
      enc.lastEncoded[i] = encoded;
    }
    line += sep + encoded;
    sep = ',';
  }
  if (sep === ' ') return undefined;
  return `${line} ${Math.trunc(point.time)}`;
}

function encodeField(f: SeriesEncoding['fields'][number], value: Value): string | undefined {
  switch (f.type) {
    case 'float':
      return typeof value === 'number' && Number.isFinite(value) ? f.prefix + value : undefined;
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value) ? `${f.prefix}${value}i` : undefined;
    case 'bool':
      return f.prefix + (value ? 'true' : 'false');
    case 'string':
      return f.prefix + quoteString(String(value));
  }
}

/** The batch as one request body: lines written straight into a buffer, newline-terminated. */
export function encodeBatch(points: readonly Point[]): Buffer {
  let buf = Buffer.allocUnsafe(Math.max(1024, points.length * 320));
  let at = 0;
  for (let i = 0; i < points.length; i++) {
    const line = encodePoint(points[i]!);
    if (line === undefined) continue;
    // utf8 is at most 3 bytes per UTF-16 unit; grow before a write could be cut short.
    if (at + line.length * 3 + 1 > buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, at + line.length * 3 + 1));
      buf.copy(bigger, 0, 0, at);
      buf = bigger;
    }
    at += buf.write(line, at);
    buf[at++] = 0x0a;
  }
  return buf.subarray(0, at);
}
