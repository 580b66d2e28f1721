import { describe, expect, it } from 'vitest';
import { EmptyBody, MalformedBody, PayloadTooLarge } from '../src/errors.js';
import { bodyFormat, parseBody } from '../src/request-body.js';

function refusal(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
}

describe('bodyFormat', () => {
  it('reads the media type, ignoring parameters and case', () => {
    expect(bodyFormat('application/json')).toBe('json');
    expect(bodyFormat('Application/JSON; charset=utf-8')).toBe('json');
    expect(bodyFormat('application/x-ndjson')).toBe('ndjson');
    expect(bodyFormat('application/ndjson;charset=UTF-8')).toBe('ndjson');
    expect(bodyFormat('text/plain')).toBeUndefined();
    expect(bodyFormat(undefined)).toBeUndefined();
  });
});

describe('parseBody: JSON', () => {
  it('takes one object as one record and an array as one record per element', () => {
    expect(parseBody('{"a":1}', 'json', 10)).toEqual({ documents: [{ a: 1 }] });
    expect(parseBody('[{"a":1},{"a":2}]', 'json', 10)).toEqual({ documents: [{ a: 1 }, { a: 2 }] });
  });

  it('refuses broken JSON with its position', () => {
    const error = refusal(() => parseBody('[{"a":1},\n {"a":}]', 'json', 10));
    expect(error).toBeInstanceOf(MalformedBody);
    expect((error as MalformedBody).body()).toEqual({
      error: 'MALFORMED_BODY',
      message: "body is not valid JSON: unexpected '}', expected a value at line 2, column 7 (offset 16)",
      line: 2,
      column: 7,
      offset: 16,
    });
  });

  it('refuses an empty array and more records than allowed', () => {
    expect(refusal(() => parseBody('[]', 'json', 10))).toBeInstanceOf(EmptyBody);
    const error = refusal(() => parseBody('[1,2,3]', 'json', 2));
    expect(error).toBeInstanceOf(PayloadTooLarge);
    expect((error as PayloadTooLarge).code).toBe('TOO_MANY_RECORDS');
    expect((error as PayloadTooLarge).status).toBe(413);
  });
});

describe('parseBody: NDJSON', () => {
  it('takes one record per line, skipping blank lines, with CRLF line ends', () => {
    expect(parseBody('{"a":1}\r\n\n  \n{"a":2}\n', 'ndjson', 10)).toEqual({ documents: [{ a: 1 }, { a: 2 }], lines: [1, 4] });
    expect(parseBody('{"a":1}', 'ndjson', 10)).toEqual({ documents: [{ a: 1 }], lines: [1] });
  });

  it('names the line, column and body offset of a broken line', () => {
    const error = refusal(() => parseBody('{"a":1}\n{"a":2}\n{"a" 3}\n', 'ndjson', 10));
    expect(error).toBeInstanceOf(MalformedBody);
    expect((error as MalformedBody).body()).toMatchObject({ line: 3, column: 6, offset: 21 });
    expect((error as MalformedBody).message).toContain('NDJSON line 3');
  });

  it('refuses a stream with no record, and stops at the record limit', () => {
    expect(refusal(() => parseBody('\n\n', 'ndjson', 10))).toBeInstanceOf(EmptyBody);
    expect(refusal(() => parseBody('', 'ndjson', 10))).toBeInstanceOf(EmptyBody);
    // The third line is broken, but the limit is hit first: nothing past it is parsed.
    const error = refusal(() => parseBody('{}\n{}\n{', 'ndjson', 2));
    expect((error as PayloadTooLarge).code).toBe('TOO_MANY_RECORDS');
  });
});
