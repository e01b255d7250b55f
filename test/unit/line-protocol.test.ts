import { describe, expect, it } from 'vitest';
import type { PointSeries } from '../../gateway/src/core/reading.ts';
import { encodeBatch, encodePoint, escapeTag, quoteString } from '../../gateway/src/sinks/influxdb/line-protocol.ts';

const series = (tags: Record<string, string>, measurement = 'fdm_printer'): PointSeries => ({
  measurement,
  tags,
  fieldTypes: { temp: 'float', layer: 'int', ok: 'bool', file: 'string' },
});

describe('line protocol', () => {
  it('writes typed fields, sorted tags and a millisecond timestamp', () => {
    const line = encodePoint({ series: series({ line: 'l1', device: 'p1' }), fields: { temp: 21.5, layer: 12, ok: true, file: 'a.gcode' }, time: 1795910000123 });
    expect(line).toBe('fdm_printer,device=p1,line=l1 temp=21.5,layer=12i,ok=true,file="a.gcode" 1795910000123');
  });

  it('escapes separators in names and tags, and makes backslashes and newlines harmless', () => {
    expect(escapeTag('Drucker 3, Halle=B')).toBe('Drucker\\ 3\\,\\ Halle\\=B');
    expect(escapeTag('ends\\')).toBe('ends/');
    expect(escapeTag('two\nlines')).toBe('two\\ lines');
    expect(escapeTag('Ü-printer "α"')).toBe('Ü-printer\\ "α"');
    const line = encodePoint({ series: series({ device: 'a b' }, 'my measure,x=1'), fields: { temp: 1 }, time: 5 });
    expect(line).toBe('my\\ measure\\,x=1,device=a\\ b temp=1 5');
  });

  it('quotes strings with quotes, backslashes and newlines', () => {
    expect(quoteString('say "hi"\\n\nok')).toBe('"say \\"hi\\"\\\\n\nok"');
  });

  it('skips fields it cannot write instead of breaking the line', () => {
    const s = series({ device: 'p' });
    expect(encodePoint({ series: s, fields: { temp: NaN, layer: 1.5, unknown: 3 }, time: 1 })).toBeUndefined();
    expect(encodeBatch([{ series: s, fields: { temp: 1 }, time: 1 }, { series: s, fields: { temp: Infinity }, time: 2 }]).toString()).toBe('fdm_printer,device=p temp=1 1\n');
  });

  it('encodes a large batch with multi-byte text intact', () => {
    const s = series({ device: 'Ü' });
    const points = Array.from({ length: 2000 }, (_, i) => ({ series: s, fields: { file: 'Ωmega "é" '.repeat(20), layer: i }, time: i }));
    const lines = encodeBatch(points).toString('utf8').split('\n');
    expect(lines).toHaveLength(2001);
    expect(lines[1999]).toBe(`fdm_printer,device=Ü layer=1999i,file=${quoteString('Ωmega "é" '.repeat(20))} 1999`);
  });

  it('drops empty tag values, which line protocol cannot carry', () => {
    expect(encodePoint({ series: series({ device: 'p', station: '' }), fields: { ok: false }, time: 1 })).toBe('fdm_printer,device=p ok=false 1');
  });
});
