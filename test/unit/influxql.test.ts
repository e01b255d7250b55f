import { describe, expect, it } from 'vitest';
import { anyOf, at, ident, str } from '../../gateway/src/history/influxql.ts';

describe('InfluxQL from request words', () => {
  it('keeps a string literal closed whatever it holds: quotes and backslashes escaped', () => {
    expect(str("it's")).toBe("'it\\'s'");
    expect(str('a\\')).toBe("'a\\\\'");
    expect(str("x\\' OR 1=1 --")).toBe("'x\\\\\\' OR 1=1 --'");
    expect(anyOf('device', ['a\\', 'b'])).toBe(`("device" = 'a\\\\' OR "device" = 'b')`);
  });

  it('quotes identifiers and writes times as integer milliseconds', () => {
    expect(ident('fdm_printer')).toBe('"fdm_printer"');
    expect(ident('a"b\\')).toBe('"a\\"b\\\\"');
    expect(at(1_700_000_000_123.9)).toBe('1700000000123ms');
    expect(() => at(Number.NaN)).toThrow(RangeError);
    expect(anyOf('device', [])).toBe('');
  });
});
