import { describe, expect, it } from 'vitest';
import { DLQ_HEADERS } from '@tributary/streams';
import { deadLettersOf, INGEST_DLQ_HEADERS, type DeadLetter, type RefusedRequest } from '../src/dead-letters.js';
import { BufferFull, PayloadTooLarge } from '../src/errors.js';
import { RecordEncoder } from '../src/record-encoder.js';
import { parseBody } from '../src/request-body.js';
import { reading, readingSchema } from './fixtures.js';

const options = { keyField: 'containerId', targetTopic: 'coldchain.readings', maxValueBytes: 65_536 };
const encoder = new RecordEncoder(readingSchema(), { keyField: 'containerId', maxRecordBytes: 1_000_000 });

/** What the route does: parse, encode, and build the dead letters of the refusal. */
function lettersFor(body: string, format: 'json' | 'ndjson', encoding = encoder, maxValueBytes = options.maxValueBytes): DeadLetter[] {
  const request: RefusedRequest = { requestId: 'req-7', receivedAt: 1_735_689_600_000, body, format };
  let documents: readonly unknown[] | undefined;
  try {
    const parsed = parseBody(body, format, 1_000);
    documents = parsed.documents;
    encoding.encode(parsed.documents, parsed.lines);
  } catch (error) {
    return deadLettersOf(error, documents === undefined ? request : { ...request, documents }, { ...options, maxValueBytes });
  }
  throw new Error('expected a refusal');
}

describe('deadLettersOf', () => {
  it('one dead letter per invalid record: its JSON as sent, keyed by containerId, with the error code, message, field errors and where it came from', () => {
    const body = `[${JSON.stringify(reading('OK1'))},\n  {"containerId": "BAD1",  "temperatureC": "warm"}, ${JSON.stringify(reading('OK2'))}, {"containerId": 7}]`;
    const letters = lettersFor(body, 'json');
    expect(letters).toHaveLength(2);
    const [first, second] = letters;
    expect(first?.value.toString()).toBe('{"containerId": "BAD1",  "temperatureC": "warm"}');
    expect(first?.key).toBe('BAD1');
    expect(first?.code).toBe('INVALID_RECORDS');
    expect(first?.headers).toMatchObject({
      [DLQ_HEADERS.errorClass]: 'InvalidRecords',
      [DLQ_HEADERS.errorCode]: 'INVALID_RECORDS',
      [DLQ_HEADERS.timestamp]: '1735689600000',
      'tributary.dlq.source': 'http',
      'tributary.dlq.source.request': 'req-7',
      'tributary.dlq.source.format': 'json',
      'tributary.dlq.source.index': '1',
      'tributary.dlq.target.topic': 'coldchain.readings',
    });
    expect(first?.headers?.[INGEST_DLQ_HEADERS.line]).toBeUndefined();
    expect(first?.headers?.[DLQ_HEADERS.errorMessage]).toMatch(/^eventTime: .*; temperatureC: expected double/);
    const details = JSON.parse(first?.headers?.[INGEST_DLQ_HEADERS.errorDetails] ?? '') as { path: string }[];
    expect(details.map((d) => d.path)).toEqual(expect.arrayContaining(['eventTime', 'temperatureC', 'humidityPct']));
    // A key field that is not a string (here an int the schema refuses) still keys it, as decimal text.
    expect(second?.key).toBe('7');
    expect(second?.headers?.[INGEST_DLQ_HEADERS.index]).toBe('3');
  });

  it('NDJSON: the line as sent (without its line end), and its line number', () => {
    const letters = lettersFor(`${JSON.stringify(reading('A'))}\r\n\r\n{"doorOpen": "yes"} \r\n`, 'ndjson');
    expect(letters.map((l) => [l.key, l.value.toString(), l.headers?.[INGEST_DLQ_HEADERS.index], l.headers?.[INGEST_DLQ_HEADERS.line]])).toEqual([
      [null, '{"doorOpen": "yes"} ', '1', '3'],
    ]);
    expect(letters[0]?.headers?.[INGEST_DLQ_HEADERS.format]).toBe('ndjson');
  });

  it('a malformed body: one dead letter holding the body, no key, the syntax error and its line', () => {
    const body = '[{"containerId": "A",\n  "eventTime": }]';
    const [letter, ...rest] = lettersFor(body, 'json');
    expect(rest).toEqual([]);
    expect(letter?.key).toBeNull();
    expect(letter?.value.toString()).toBe(body);
    expect(letter?.code).toBe('MALFORMED_BODY');
    expect(letter?.headers).toMatchObject({ [DLQ_HEADERS.errorClass]: 'MalformedBody', [DLQ_HEADERS.errorCode]: 'MALFORMED_BODY', 'tributary.dlq.source.line': '2' });
    expect(letter?.headers?.[DLQ_HEADERS.errorMessage]).toContain("unexpected '}', expected a value at line 2, column 16");
    expect(letter?.headers?.[INGEST_DLQ_HEADERS.index]).toBeUndefined();
  });

  it('cuts values over maxValueBytes and says how long they were', () => {
    const body = `{"containerId": "${'x'.repeat(3_000)}"`;
    const [letter] = lettersFor(body, 'json', encoder, 1_024);
    expect(letter?.value).toEqual(Buffer.from(body).subarray(0, 1_024));
    expect(letter?.headers?.[INGEST_DLQ_HEADERS.truncatedFrom]).toBe(String(Buffer.byteLength(body)));
    expect(lettersFor('{', 'json')[0]?.headers?.[INGEST_DLQ_HEADERS.truncatedFrom]).toBeUndefined();
  });

  it('RECORD_TOO_LARGE: the too large records and the invalid ones of the request, each with its own code', () => {
    const small = new RecordEncoder(readingSchema(), { keyField: 'containerId', maxRecordBytes: 60 });
    const letters = lettersFor(JSON.stringify([reading('A'), { containerId: 'BAD' }, reading('B'.repeat(100))]), 'json', small);
    expect(letters.map((l) => [l.key, l.code, l.headers?.[DLQ_HEADERS.errorClass], l.headers?.[INGEST_DLQ_HEADERS.index]])).toEqual([
      ['BAD', 'INVALID_RECORDS', 'InvalidRecords', '1'],
      ['B'.repeat(100), 'RECORD_TOO_LARGE', 'RecordTooLarge', '2'],
    ]);
    expect(letters[1]?.headers?.[DLQ_HEADERS.errorMessage]).toMatch(/^record 2 encodes to \d+ bytes, above MAX_RECORD_BYTES \(60\)$/);
    expect(letters[1]?.headers?.[INGEST_DLQ_HEADERS.errorDetails]).toBeUndefined();
  });

  it('nothing for refusals that are not about a record: too many records, body too large, buffer full, empty body', () => {
    const request: RefusedRequest = { requestId: 'r', receivedAt: 0, body: '[]', format: 'json' };
    expect(deadLettersOf(new PayloadTooLarge('TOO_MANY_RECORDS', 'too many'), request, options)).toEqual([]);
    expect(deadLettersOf(new PayloadTooLarge('BODY_TOO_LARGE', 'too big'), request, options)).toEqual([]);
    expect(deadLettersOf(new BufferFull(1, 1, 1, 1), request, options)).toEqual([]);
    expect(lettersFor('[]', 'json')).toEqual([]);
  });
});
