import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { DLQ_HEADERS } from '@tributary/streams';
import { IngestSetupError } from '../src/errors.js';
import { Ingest } from '../src/ingest.js';
import { reading } from './fixtures.js';
import {
  createReadingsTopic,
  createTopic,
  endOffsets,
  memoryLog,
  mountIngest,
  readRawTopic,
  recordCount,
  testKafka,
  testRegistry,
  uniqueTopic,
  until,
  type MountedIngest,
  type RawRecord,
} from './support.js';

const token = 'dlq-test-token';
const auth = { authorization: `Bearer ${token}` };
const json = { 'content-type': 'application/json', ...auth };
const ndjson = { 'content-type': 'application/x-ndjson', ...auth };

describe('ingest: records refused for their content are on the dead-letter topic before the answer; nothing reaches the topic', () => {
  let kafka: Kafka;
  let topic: string;
  let dlq: string;
  let mounted: MountedIngest;
  /** Dead letters already checked by earlier tests (the topic is shared by this block). */
  let seen = 0;

  beforeAll(async () => {
    kafka = testKafka();
    topic = uniqueTopic('dlq-main');
    dlq = uniqueTopic('dlq');
    await createReadingsTopic(kafka, topic);
    await createTopic(kafka, dlq);
    // A reading encodes to ≈ 60 bytes: 200 lets a long containerId make a record too large.
    mounted = await mountIngest({ topic, deadLetterTopic: dlq, maxRecordBytes: 200 }, { token, maxBodyBytes: 64 * 1024, maxRecords: 50 });
  });
  afterAll(() => mounted.close());

  /**
   * Posts, checks that the topic's end offsets did not move, and returns
   * the answer with the dead letters that were on the DLQ when it came back
   * (end offsets read right after the answer, without waiting).
   */
  async function post(headers: Record<string, string>, payload: string) {
    const before = await endOffsets(kafka, topic);
    const response = await mounted.app.inject({ method: 'POST', url: '/records', headers, payload });
    const onDlq = await recordCount(kafka, dlq);
    expect(await endOffsets(kafka, topic)).toBe(before);
    const letters = onDlq > seen ? (await readRawTopic(kafka, dlq)).slice(seen, onDlq) : [];
    seen = onDlq;
    return { status: response.statusCode, body: response.json<Record<string, unknown>>(), requestId: String(response.headers['x-request-id']), letters };
  }

  it('400 INVALID_RECORDS: each invalid record as sent, keyed, with code, message, field errors and request id; the valid ones are written nowhere', async () => {
    const valid = [reading('VALID1', 1), reading('VALID2', 2)];
    const invalidText = '{"containerId": "BAD1",   "temperatureC": "warm"}';
    const payload = `[${JSON.stringify(valid[0])}, ${invalidText},\n${JSON.stringify(valid[1])}, {"containerId": 42}]`;
    const { status, body, requestId, letters } = await post({ ...json, 'x-request-id': 'client-req-1' }, payload);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: 'INVALID_RECORDS', invalid: 2, total: 4 });
    expect(requestId).toBe('client-req-1');

    expect(letters.map((l) => [l.key, l.value.toString()])).toEqual([
      ['BAD1', invalidText],
      ['42', '{"containerId": 42}'],
    ]);
    const [first] = letters as [RawRecord];
    expect(first.headers).toMatchObject({
      [DLQ_HEADERS.errorClass]: 'InvalidRecords',
      [DLQ_HEADERS.errorCode]: 'INVALID_RECORDS',
      'tributary.dlq.source': 'http',
      'tributary.dlq.source.request': 'client-req-1',
      'tributary.dlq.source.format': 'json',
      'tributary.dlq.source.index': '1',
      'tributary.dlq.target.topic': topic,
    });
    expect(first.headers[DLQ_HEADERS.errorMessage]).toContain('temperatureC: expected double (number), received "warm" (string)');
    const details = JSON.parse(first.headers['tributary.dlq.error.details'] ?? '[]') as { path: string; received: string }[];
    expect(details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'temperatureC', received: '"warm" (string)' }), expect.objectContaining({ path: 'eventTime', received: 'missing' })]));
    expect(letters[1]?.headers['tributary.dlq.source.index']).toBe('3');
    // The valid records of the refused request: not on the topic (checked in post), not on the dead-letter topic either.
    const everything = (await readRawTopic(kafka, dlq)).map((l) => l.value.toString());
    for (const record of valid) expect(everything.some((value) => value.includes(String(record['containerId'])))).toBe(false);
  });

  it('400 INVALID_RECORDS in NDJSON: the line as sent and its number; a generated request id when the client sent none', async () => {
    const { status, requestId, letters } = await post(ndjson, `${JSON.stringify(reading('OK'))}\n\n{"containerId": "NDJ", "doorOpen": "yes"}\n`);
    expect(status).toBe(400);
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(letters).toHaveLength(1);
    expect(letters[0]?.value.toString()).toBe('{"containerId": "NDJ", "doorOpen": "yes"}');
    expect(letters[0]?.headers).toMatchObject({ 'tributary.dlq.source.line': '3', 'tributary.dlq.source.index': '1', 'tributary.dlq.source.format': 'ndjson', 'tributary.dlq.source.request': requestId });
  });

  it('400 MALFORMED_BODY: one dead letter holding the body, no key', async () => {
    const payload = '[{"containerId": "A",\n  "eventTime": }]';
    const { status, body, letters } = await post(json, payload);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: 'MALFORMED_BODY', line: 2 });
    expect(letters.map((l) => [l.key, l.value.toString(), l.headers[DLQ_HEADERS.errorCode], l.headers['tributary.dlq.source.line']])).toEqual([
      [null, payload, 'MALFORMED_BODY', '2'],
    ]);
    expect(letters[0]?.headers[DLQ_HEADERS.errorMessage]).toContain("unexpected '}', expected a value at line 2, column 16");
  });

  it('413 RECORD_TOO_LARGE: the too large record is dead-lettered', async () => {
    const large = reading('L'.repeat(300), 3);
    const { status, body, letters } = await post(json, JSON.stringify([reading('SMALL'), large]));
    expect(status).toBe(413);
    expect(body).toMatchObject({ error: 'RECORD_TOO_LARGE' });
    expect(letters.map((l) => [l.key, l.value.toString(), l.headers[DLQ_HEADERS.errorCode], l.headers['tributary.dlq.source.index']])).toEqual([
      [large.containerId, JSON.stringify(large), 'RECORD_TOO_LARGE', '1'],
    ]);
  });

  it('no dead letter for refusals that are not about the content: 401, 403, 413 BODY_TOO_LARGE and TOO_MANY_RECORDS, 415, EMPTY_BODY', async () => {
    const invalid = JSON.stringify([{ containerId: 'NOPE' }]);
    const answers = [
      await post({ 'content-type': 'application/json' }, invalid),
      await post({ 'content-type': 'application/json', authorization: 'Bearer wrong' }, invalid),
      await post(json, JSON.stringify(Array.from({ length: 40 }, (_, i) => ({ containerId: `HUGE${i}`, padding: 'x'.repeat(2_000) })))),
      await post(ndjson, Array.from({ length: 51 }, () => '{"containerId": "MANY"}').join('\n')),
      await post({ ...auth, 'content-type': 'text/plain' }, invalid),
      await post(json, '[]'),
    ];
    expect(answers.map((a) => [a.status, a.body['error']])).toEqual([
      [401, 'UNAUTHORIZED'],
      [403, 'FORBIDDEN'],
      [413, 'BODY_TOO_LARGE'],
      [413, 'TOO_MANY_RECORDS'],
      [415, 'UNSUPPORTED_MEDIA_TYPE'],
      [400, 'EMPTY_BODY'],
    ]);
    expect(answers.flatMap((a) => a.letters)).toEqual([]);
  });

  it('counts the dead letters by code', async () => {
    const text = await mounted.metrics.metrics();
    expect(text).toContain('tributary_ingest_dead_letters_total{code="INVALID_RECORDS"} 3');
    expect(text).toContain('tributary_ingest_dead_letters_total{code="MALFORMED_BODY"} 1');
    expect(text).toContain('tributary_ingest_dead_letters_total{code="RECORD_TOO_LARGE"} 1');
    // Every code is exported from the start at 0 (so rate() sees the first failure); none failed here.
    for (const code of ['INVALID_RECORDS', 'MALFORMED_BODY', 'RECORD_TOO_LARGE']) expect(text).toContain(`tributary_ingest_dead_letter_failures_total{code="${code}"} 0`);
  });
});

describe('ingest: the dead-letter topic', () => {
  it('must exist at start: the start fails naming DLQ_TOPIC', async () => {
    const kafka = testKafka();
    const topic = uniqueTopic('dlq-nodlq');
    await createReadingsTopic(kafka, topic);
    const dlq = uniqueTopic('dlq-missing');
    const ingest = new Ingest({ kafka, registry: testRegistry(), topic, deadLetterTopic: dlq, keyField: 'containerId', log: memoryLog() });
    const failure = ingest.start();
    await expect(failure).rejects.toBeInstanceOf(IngestSetupError);
    await expect(failure).rejects.toThrow(`topic "${dlq}" does not exist on the Kafka cluster: create it (ingest never creates topics), or set DLQ_TOPIC (none writes no dead letters)`);
  });

  it('when it cannot be written, the request is still refused (400), the failure logged and counted, and the ingest reports not ready with the reason', async () => {
    const kafka = testKafka();
    const topic = uniqueTopic('dlq-fail');
    const dlq = uniqueTopic('dlq-deleted');
    await createReadingsTopic(kafka, topic);
    await createTopic(kafka, dlq);
    const mounted = await mountIngest({ topic, deadLetterTopic: dlq });
    try {
      expect(mounted.ingest.ready).toBe(true);
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [dlq] });
      await admin.disconnect();

      const before = await endOffsets(kafka, topic);
      const response = await mounted.app.inject({ method: 'POST', url: '/records', headers: { 'content-type': 'application/json' }, payload: '[{"containerId": "LOST"}]' });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ error: 'INVALID_RECORDS' });
      expect(await endOffsets(kafka, topic)).toBe(before);
      const requestId = String(response.headers['x-request-id']);
      expect(mounted.log.lines.find((line) => line.startsWith('error cannot write the refused records to the dead-letter topic'))).toContain(requestId);
      expect(await mounted.metrics.metrics()).toContain('tributary_ingest_dead_letter_failures_total{code="INVALID_RECORDS"} 1');

      await until('the ingest to report the missing dead-letter topic', () => !mounted.ingest.ready && (mounted.ingest.notReadyReason ?? '').includes(`topic "${dlq}" does not exist`));
      expect(mounted.ingest.notReadyReason).toMatch(new RegExp(`^cannot write to the dead-letter topic ${dlq}: `));
      // Valid records still go through: the topic's producer is fine.
      const valid = await mounted.app.inject({ method: 'POST', url: '/records', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(reading('STILL', 1)) });
      expect(valid.statusCode).toBe(200);
    } finally {
      await mounted.close();
    }
  });

  it('is not written without one (the default of the Ingest class; the service defaults to coldchain-ingest.dlq)', async () => {
    const kafka = testKafka();
    const topic = uniqueTopic('dlq-none');
    await createReadingsTopic(kafka, topic);
    const mounted = await mountIngest({ topic });
    try {
      expect(mounted.ingest.deadLetterTopic).toBeUndefined();
      const response = await mounted.app.inject({ method: 'POST', url: '/records', headers: { 'content-type': 'application/json' }, payload: '{' });
      expect(response.statusCode).toBe(400);
      expect(await mounted.metrics.metrics()).not.toMatch(/tributary_ingest_dead_letters_total\{[^}]*\} [1-9]/);
    } finally {
      await mounted.close();
    }
  });
});
