// InfluxDB 1.x line protocol, written here rather than through the `influx` package
// because that package escapes neither measurement names nor newlines, and needs a
// declared schema to write integers. Rules (checked against influxd 1.6):
// - measurement: escape `,` and space; tag keys, values and field keys: also `=`.
// - a backslash before an escaped character, or at the end of a tag value, breaks
//   the line and cannot be escaped, so backslashes in names become `/`; control
//   characters (newlines above all) cannot appear at all and become spaces.
// - string fields: quoted, with `"` and `\` escaped; newlines are allowed.
import type { FieldType, Point, PointSeries, Value } from '../../core/reading.ts';
import type { ByteBatchBuilder } from '../../core/sink.ts';

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
const encodings = new WeakMap<PointSeries, SeriesEncoding>();

function encodingOf(series: PointSeries): SeriesEncoding {
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

export function seriesKey(series: PointSeries): string {
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

/**
 * A request body built point by point: each line is written into the buffer as it comes,
 * newline-terminated, so a waiting batch holds bytes, not objects.
 */
export class LineProtocolBatch implements ByteBatchBuilder {
  private buf: Buffer;
  private at = 0;
  count = 0;

  constructor(expectedPoints = 1000) {
    this.buf = Buffer.allocUnsafe(Math.max(1024, expectedPoints * 320));
  }

  add(point: Point): void {
    const line = encodePoint(point);
    // A point with nothing writable still counts: it was handled, there is just no line.
    this.count++;
    if (line === undefined) return;
    // utf8 takes at most 3 bytes per UTF-16 unit; grow before a write could be cut short.
    const need = this.at + line.length * 3 + 1;
    if (need > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, need));
      this.buf.copy(bigger, 0, 0, this.at);
      this.buf = bigger;
    }
    this.at += this.buf.write(line, this.at);
    this.buf[this.at++] = 0x0a;
  }

  get byteLength(): number {
    return this.at;
  }

  bytesFrom(offset: number): Buffer {
    return this.buf.subarray(offset, this.at);
  }

  truncate(byteLength: number, count: number): void {
    this.at = byteLength;
    this.count = count;
  }

  seal(): Buffer {
    return this.buf.subarray(0, this.at);
  }
}

export function encodeBatch(points: readonly Point[]): Buffer {
  const batch = new LineProtocolBatch(points.length);
  for (let i = 0; i < points.length; i++) batch.add(points[i]!);
  return batch.seal();
}
