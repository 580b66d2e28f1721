import { describe, expect, it } from 'vitest';
import { lineAndColumn, locateJsonError, parseJson } from '../src/json-syntax.js';

describe('parseJson', () => {
  it('parses valid JSON with JSON.parse', () => {
    expect(parseJson('{"a": [1, 2, {"b": null}], "c": "\\u00e9"}')).toEqual({ ok: true, value: { a: [1, 2, { b: null }], c: 'é' } });
  });

  it.each([
    ['{"a": }', 6, "unexpected '}', expected a value"],
    ['{"a": 1', 7, "unexpected end of input, expected ',' or '}'"],
    ['', 0, 'unexpected end of input, expected a value'],
    ['[1, 2,]', 6, "unexpected ']', expected a value"],
    ['{a: 1}', 1, "unexpected 'a', expected a property name in double quotes"],
    ['{"a" 1}', 5, "unexpected '1', expected ':' after the property name"],
    ['{"a": 1} x', 9, "unexpected 'x' after the end of the JSON value"],
    ['{"a": "x\\q"}', 8, 'invalid escape sequence in string'],
    ['{"a": "abc', 6 + 4, 'unterminated string'],
    ['[tru]', 1, "unexpected 't', expected a value"],
    ['[-]', 1, 'invalid number'],
    ['{"a": 1,}', 8, "unexpected '}', expected a property name in double quotes"],
    ['"a\tb"', 2, 'unescaped control character in string'],
  ])('locates the error in %j at offset %i', (text, offset, message) => {
    const parsed = parseJson(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error).toMatchObject({ offset, message });
  });

  it('gives the line and column of an error in a multi-line document', () => {
    const parsed = parseJson('{\n  "a": 1,\n  "b": tru\n}');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toEqual({ offset: 19, line: 3, column: 8, message: "unexpected 't', expected a value" });
  });

  it('handles deeply nested input without overflowing the stack', () => {
    const deep = '['.repeat(200_000) + '1}';
    expect(locateJsonError(deep)).toEqual({ offset: 200_001, message: "unexpected '}', expected ',' or ']'" });
  });

  it('agrees with JSON.parse on what is valid', () => {
    for (const text of ['0', '-0.5e+3', '"x"', 'true', 'null', '[]', '{}', '[{}, [], ""]', ' \n {"k" : [ 1 , 2 ] } \r\n']) {
      expect(parseJson(text).ok, text).toBe(true);
      expect(locateJsonError(text).message, text).toBe('no syntax error found');
    }
  });
});

describe('lineAndColumn', () => {
  it('counts lines and columns from 1', () => {
    expect(lineAndColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineAndColumn('ab\ncd', 2)).toEqual({ line: 1, column: 3 });
    expect(lineAndColumn('ab\ncd', 3)).toEqual({ line: 2, column: 1 });
  });
});
