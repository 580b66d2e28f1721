import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rawRecords } from '../src/raw-records.js';
import { parseBody } from '../src/request-body.js';

describe('rawRecords', () => {
  it('gives each array element as sent: whitespace and formatting kept inside, dropped around', () => {
    const body = ' [ {"a": 1.50,\n "b": "x, ]} \\" ["},\n\t[1, [2]] , "s\\\\", 1e3,null ,{} ]\n';
    expect(rawRecords(body, 'json')).toEqual(['{"a": 1.50,\n "b": "x, ]} \\" ["}', '[1, [2]]', '"s\\\\"', '1e3', 'null', '{}']);
  });

  it('gives a single object as the trimmed body, and nothing for an empty array', () => {
    expect(rawRecords('\n {"a": [1, 2]} \n', 'json')).toEqual(['{"a": [1, 2]}']);
    expect(rawRecords('[ ]', 'json')).toEqual([]);
  });

  it('gives each non-blank NDJSON line without its line end', () => {
    expect(rawRecords('{"a":1}\r\n\n  \n {"b": 2} \n{"c":3}', 'ndjson')).toEqual(['{"a":1}', ' {"b": 2} ', '{"c":3}']);
  });

  it('matches parseBody: the n-th text parses to the n-th document, for any array and any whitespace', () => {
    const whitespace = fc.stringMatching(/^[ \t\n\r]{0,3}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.jsonValue(), whitespace, whitespace)), whitespace, (elements, tail) => {
        const body = `[${elements.map(([value, before, after]) => `${before}${JSON.stringify(value, null, before.length > 1 ? 1 : undefined)}${after}`).join(',')}${tail}]`;
        const texts = rawRecords(body, 'json');
        expect(texts).toHaveLength(elements.length);
        if (elements.length === 0) return;
        const { documents } = parseBody(body, 'json', 1_000_000);
        expect(texts.map((text) => JSON.parse(text) as unknown)).toEqual(documents);
      }),
    );
  });
});
