import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { IngestSetupError } from '../src/errors.js';
import { Ingest } from '../src/ingest.js';
import { reading } from './fixtures.js';
import { SensorReadingSchema } from '@tributary/schemas';
import { countGzipBatches } from '@tributary/testing';
import {
  createReadingsTopic,
  endOffsets,
  memoryLog,
  mountIngest,
  readTopic,
  recordCount,
  testKafka,
  testRegistry,
  uniqueTopic,
  until,
  type MountedIngest,
} from './support.js';

const json = { 'content-type': 'application/json' };
const ndjson = { 'content-type': 'application/x-ndjson' };
const ndjsonOf = (records: readonly unknown[]): string => records.map((r) => JSON.stringify(r)).join('\n') + '\n';
const at = (i: number): Date => new Date(Date.UTC(2025, 0, 1, 0, 0, i));

describe('ingest: valid records reach the topic, acknowledged', () => {
  let kafka: Kafka;
  let topic: string;
  let schemaId: number;
  let mounted: MountedIngest;

  beforeAll(async () => {
    kafka = testKafka();
    topic = uniqueTopic('accept');
    schemaId = await createReadingsTopic(kafka, topic);
    mounted = await mountIngest({ topic });
  });
  afterAll(() => mounted.close());

  it('is ready once the schema is loaded and the producer connected', () => {
    expect(mounted.ingest.ready).toBe(true);
    expect(mounted.ingest.notReadyReason).toBeUndefined();
    expect(mounted.ingest.schema?.id).toBe(schemaId);
  });

  it('takes one object, an array and an NDJSON stream; every record lands keyed by containerId, in request order', async () => {
    const single = await mounted.app.inject({ method: 'POST', url: '/records', headers: json, payload: JSON.stringify(reading('MSCU0000001', 0)) });
    expect(single.statusCode, single.body).toBe(200);
    expect(single.json()).toEqual({ accepted: 1 });

    const array = [1, 2, 3].map((i) => reading('MSCU0000002', i));
    const batch = await mounted.app.inject({ method: 'POST', url: '/records', headers: { 'content-type': 'application/json; charset=utf-8' }, payload: JSON.stringify(array) });
    expect(batch.json()).toEqual({ accepted: 3 });

    const stream = Array.from({ length: 500 }, (_, i) => reading(`TGHU${String(i % 25).padStart(7, '0')}`, i));
    const bulk = await mounted.app.inject({ method: 'POST', url: '/records', headers: ndjson, payload: ndjsonOf(stream) });
    expect(bulk.statusCode, bulk.body).toBe(200);
    expect(bulk.json()).toEqual({ accepted: 500 });

    const landed = await readTopic(kafka, topic);
    expect(landed).toHaveLength(504);
    for (const record of landed) expect(record.key).toBe(record.value.containerId);
    const first = landed.find((r) => r.key === 'MSCU0000001');
    expect(first?.value).toEqual({ ...reading('MSCU0000001', 0), eventTime: at(0) });
    // One key is one partition: its records keep the order they were posted in.
    expect(landed.filter((r) => r.key === 'MSCU0000002').map((r) => r.value.eventTime)).toEqual([at(1), at(2), at(3)]);
    const key7 = landed.filter((r) => r.key === 'TGHU0000007');
    expect(key7.map((r) => r.value.eventTime.getTime())).toEqual(stream.filter((r) => r['containerId'] === 'TGHU0000007').map((r) => Date.parse(r['eventTime'] as string)));
    expect(new Set(key7.map((r) => r.partition)).size).toBe(1);
  });

  it('shares producer sends between concurrent requests, and answers each once its records were acknowledged', async () => {
    // A second ingest on the topic whose batch goes out exactly when 80 records are queued: the 40 requests below share one send.
    const batching = await mountIngest({ topic, lingerMs: 600_000, maxBatchRecords: 80 });
    try {
      const before = await recordCount(kafka, topic);
      const responses = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          batching.app.inject({ method: 'POST', url: '/records', headers: json, payload: JSON.stringify([reading(`CONC${i}`, 1), reading(`CONC${i}`, 2)]) }),
        ),
      );
      expect(responses.map((r) => r.statusCode)).toEqual(Array.from({ length: 40 }, () => 200));
      expect(await recordCount(kafka, topic)).toBe(before + 80);
      const batches = (await batching.metrics.getSingleMetric('tributary_ingest_batch_records')?.get())?.values ?? [];
      expect(batches.find((v) => (v as { metricName?: string }).metricName === 'tributary_ingest_batch_records_count')?.value).toBe(1);
      expect(batches.find((v) => (v as { metricName?: string }).metricName === 'tributary_ingest_batch_records_sum')?.value).toBe(80);
    } finally {
      await batching.close();
    }
  });

  it('counts requests by status, records by outcome, and exposes the buffered gauge', async () => {
    await mounted.app.inject({ method: 'POST', url: '/records', headers: json, payload: '[{"containerId": 1}]' });
    const text = await mounted.metrics.metrics();
    expect(text).toMatch(/tributary_ingest_requests_total\{status="200"\} \d+/);
    expect(text).toMatch(/tributary_ingest_requests_total\{status="400"\} 1/);
    expect(text).toMatch(/tributary_ingest_records_total\{outcome="accepted"\} \d+/);
    expect(text).toMatch(/tributary_ingest_records_total\{outcome="rejected"\} 1/);
    expect(text).toContain('tributary_ingest_request_seconds_bucket');
    expect(text).toContain('tributary_ingest_buffered_records 0');
  });

  it('serves an OpenAPI 3.1 document of the route, its formats and every status, with the record schema from the registry', async () => {
    const response = await mounted.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = JSON.parse(response.body) as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody: { content: Record<string, unknown> }; responses: Record<string, { headers?: Record<string, unknown> }> }>>;
      components: { schemas: Record<string, { properties: Record<string, unknown>; required: string[] }> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(['/records']);
    const post = doc.paths['/records']?.['post'];
    expect(Object.keys(post?.requestBody.content ?? {}).sort()).toEqual(['application/json', 'application/x-ndjson']);
    expect(Object.keys(post?.responses ?? {}).sort()).toEqual(['200', '400', '413', '415', '429', '500', '503']);
    expect(post?.responses['429']?.headers).toHaveProperty('Retry-After');
    const record = doc.components.schemas['IngestRecord'];
    expect(Object.keys(record?.properties ?? {})).toEqual(['containerId', 'eventTime', 'temperatureC', 'humidityPct', 'coolingPowerKw', 'doorOpen', 'gForce', 'gps']);
    expect(record?.required).toContain('containerId');
    expect(JSON.stringify(doc)).toContain('#/components/schemas/IngestRecord');
  });
});

describe('ingest: bad input is refused with the reason, and nothing reaches the topic', () => {
  let kafka: Kafka;
  let topic: string;
  let mounted: MountedIngest;

  beforeAll(async () => {
    kafka = testKafka();
    topic = uniqueTopic('refuse');
    await createReadingsTopic(kafka, topic);
    mounted = await mountIngest({ topic }, { maxBodyBytes: 64 * 1024, maxRecords: 50 });
  });
  afterAll(() => mounted.close());

  /** Posts, and checks that the topic's end offsets did not move. */
  async function refused(headers: Record<string, string>, payload: string): Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, unknown> }> {
    const before = await endOffsets(kafka, topic);
    const response = await mounted.app.inject({ method: 'POST', url: '/records', headers, payload });
    expect(await endOffsets(kafka, topic)).toBe(before);
    return { status: response.statusCode, body: response.json<Record<string, unknown>>(), headers: response.headers };
  }

  it('400 for wrong types and missing fields, listing each invalid record by index with path, expected and received; the valid ones are not written either', async () => {
    const wrongType = { ...reading('MSCU1'), temperatureC: 'warm', gps: { latitudeDeg: 'north', longitudeDeg: 4 } };
    const missing: Record<string, unknown> = { ...reading('MSCU2') };
    delete missing['eventTime'];
    const { status, body } = await refused(json, JSON.stringify([reading('OK1'), wrongType, reading('OK2'), missing]));
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: 'INVALID_RECORDS', invalid: 2, total: 4 });
    expect(body['message']).toMatch(/^2 of 4 record\(s\) do not match the schema, so none was written/);
    const records = body['records'] as { index: number; errors: { path: string; expected: string; received: string }[] }[];
    expect(records.map((r) => r.index)).toEqual([1, 3]);
    // gps.accuracyM is missing too, but it has a default (null): not an error.
    expect(records[0]?.errors).toHaveLength(2);
    expect(records[0]?.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'temperatureC', expected: 'double (number)', received: '"warm" (string)' }),
        expect.objectContaining({ path: 'gps.latitudeDeg', received: '"north" (string)' }),
      ]),
    );
    expect(records[1]?.errors).toEqual([expect.objectContaining({ path: 'eventTime', received: 'missing' })]);
  });

  it('400 for an invalid NDJSON record, naming its line', async () => {
    const { status, body } = await refused(ndjson, `${JSON.stringify(reading('A'))}\n\n${JSON.stringify({ ...reading('B'), doorOpen: 'yes' })}\n`);
    expect(status).toBe(400);
    expect(body['records']).toEqual([{ index: 1, line: 3, errors: [expect.objectContaining({ path: 'doorOpen', expected: 'boolean' })] }]);
  });

  it('400 for broken JSON and broken NDJSON, with the position', async () => {
    const broken = await refused(json, '[{"containerId": "A",\n  "eventTime": }]');
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({ error: 'MALFORMED_BODY', line: 2, column: 16, offset: 37 });
    expect(broken.body['message']).toContain("unexpected '}', expected a value at line 2, column 16");

    const brokenLine = await refused(ndjson, `${JSON.stringify(reading('A'))}\n{"containerId": "B"\n`);
    expect(brokenLine.status).toBe(400);
    expect(brokenLine.body).toMatchObject({ error: 'MALFORMED_BODY', line: 2 });
    expect(brokenLine.body['message']).toMatch(/^NDJSON line 2 is not valid JSON: unexpected end of input, expected ',' or '}'/);
  });

  it('400 for an empty array and an empty NDJSON body', async () => {
    expect((await refused(json, '[]')).body['error']).toBe('EMPTY_BODY');
    expect((await refused(ndjson, '\n')).body['error']).toBe('EMPTY_BODY');
  });

  it('413 for a body over MAX_BODY_BYTES and for more than MAX_RECORDS records', async () => {
    const huge = await refused(json, JSON.stringify(Array.from({ length: 400 }, (_, i) => reading(`HUGE${i}`, i))));
    expect(huge.status).toBe(413);
    expect(huge.body).toEqual({ error: 'BODY_TOO_LARGE', message: expect.stringContaining('MAX_BODY_BYTES (65536 bytes)') as unknown });

    const many = await refused(ndjson, ndjsonOf(Array.from({ length: 51 }, (_, i) => reading(`MANY${i}`, i))));
    expect(many.status).toBe(413);
    expect(many.body).toMatchObject({ error: 'TOO_MANY_RECORDS' });
    expect(many.body['message']).toContain('above MAX_RECORDS (50)');
  });

  it('415 for another content type or none', async () => {
    const text = await refused({ 'content-type': 'text/plain' }, JSON.stringify(reading('A')));
    expect(text.status).toBe(415);
    expect(text.body).toEqual({ error: 'UNSUPPORTED_MEDIA_TYPE', message: 'content type "text/plain" is not accepted: send application/json or application/x-ndjson' });
    const none = await mounted.app.inject({ method: 'POST', url: '/records' });
    expect(none.statusCode).toBe(415);
    expect(none.json<Record<string, unknown>>()['message']).toContain('(none)');
  });
});

describe('ingest: bearer token', () => {
  const token = 'tok-4f1c9a7e-secret';
  let kafka: Kafka;
  let topic: string;
  let mounted: MountedIngest;

  beforeAll(async () => {
    kafka = testKafka();
    topic = uniqueTopic('auth');
    await createReadingsTopic(kafka, topic);
    mounted = await mountIngest({ topic }, { token });
  });
  afterAll(() => mounted.close());

  it('401 without a token, 403 with another one, nothing written; 200 with the right one; the token is never logged', async () => {
    const payload = JSON.stringify(reading('AUTH1'));
    const before = await endOffsets(kafka, topic);
    const missing = await mounted.app.inject({ method: 'POST', url: '/records', headers: json, payload });
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="ingest"');
    expect(missing.json()).toMatchObject({ error: 'UNAUTHORIZED' });
    const wrong = await mounted.app.inject({ method: 'POST', url: '/records', headers: { ...json, authorization: 'Bearer tok-4f1c9a7e-secreT' }, payload });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json()).toMatchObject({ error: 'FORBIDDEN' });
    expect(await endOffsets(kafka, topic)).toBe(before);

    const right = await mounted.app.inject({ method: 'POST', url: '/records', headers: { ...json, authorization: `Bearer ${token}` }, payload });
    expect(right.statusCode).toBe(200);
    expect(await recordCount(kafka, topic)).toBe(1);
    expect(mounted.log.lines.join('\n')).not.toContain(token);

    const doc = (await mounted.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, { responses: object; security: unknown }>> }>();
    expect(Object.keys(doc.paths['/records']?.['post']?.responses ?? {})).toEqual(expect.arrayContaining(['401', '403']));
    expect(doc.paths['/records']?.['post']?.security).toEqual([{ bearer: [] }]);
  });
});

describe('ingest: backpressure', () => {
  it('429 with Retry-After once the buffer is full; accepted requests are all written when the buffer drains, refused ones not at all', async () => {
    const kafka = testKafka();
    const topic = uniqueTopic('full');
    await createReadingsTopic(kafka, topic);
    // Nothing is sent until stop() flushes (a batch never fills and the linger is long), so the buffer stays full.
    const mounted = await mountIngest({ topic, maxBufferedRecords: 20, lingerMs: 600_000, maxBatchRecords: 1_000 }, { maxRecords: 5 });
    let stopped = false;
    try {
      const responses = Array.from({ length: 30 }, (_, i) =>
        mounted.app.inject({ method: 'POST', url: '/records', headers: json, payload: JSON.stringify([1, 2, 3, 4, 5].map((n) => reading(`FULL${i}`, n))) }),
      );
      await until('the buffer to fill', () => mounted.ingest.buffered === 20);
      // Every request but the four that filled the buffer is answered while they wait.
      const refusedOnes = await Promise.all(responses.slice(4));
      expect(refusedOnes.map((r) => r.statusCode)).toEqual(Array.from({ length: 26 }, () => 429));
      expect(refusedOnes[0]?.headers['retry-after']).toBe('1');
      expect(refusedOnes[0]?.json()).toMatchObject({ error: 'BUFFER_FULL' });
      expect(await mounted.metrics.metrics()).toContain('tributary_ingest_buffered_records 20');
      // stop() sends what was accepted and waits for the acknowledgement.
      await mounted.ingest.stop();
      stopped = true;
      const accepted = await Promise.all(responses.slice(0, 4));
      expect(accepted.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
      const landed = await readTopic(kafka, topic);
      expect(landed.map((r) => r.key).sort()).toEqual(['FULL0', 'FULL1', 'FULL2', 'FULL3'].flatMap((k) => [k, k, k, k, k]));
      const afterStop = await mounted.app.inject({ method: 'POST', url: '/records', headers: json, payload: JSON.stringify(reading('LATE')) });
      expect(afterStop.statusCode).toBe(503);
      expect(afterStop.json()).toMatchObject({ error: 'NOT_READY', message: expect.stringContaining('shutting down') as unknown });
    } finally {
      await mounted.app.close();
      if (!stopped) await mounted.ingest.stop();
    }
  });
});


describe('ingest: start fails clearly on what retrying cannot fix', () => {
  it('a topic that does not exist', async () => {
    const topic = uniqueTopic('missing');
    await testRegistry().register(`${topic}-value`, JSON.stringify(SensorReadingSchema.schema));
    const ingest = new Ingest({ kafka: testKafka(), registry: testRegistry(), topic, keyField: 'containerId', log: memoryLog() });
    const failure = ingest.start();
    await expect(failure).rejects.toBeInstanceOf(IngestSetupError);
    await expect(failure).rejects.toThrow(`topic "${topic}" does not exist on the Kafka cluster`);
  });

  it('a subject with no schema, and a key field the schema does not have', async () => {
    const kafka = testKafka();
    const topic = uniqueTopic('noschema');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const noSchema = new Ingest({ kafka, registry: testRegistry(), topic, keyField: 'containerId', log: memoryLog() });
    await expect(noSchema.start()).rejects.toThrow(`subject "${topic}-value" has no registered version`);

    await createReadingsTopic(kafka, `${topic}-b`);
    const badKey = new Ingest({ kafka, registry: testRegistry(), topic: `${topic}-b`, keyField: 'deviceId', log: memoryLog() });
    await expect(badKey.start()).rejects.toThrow('KEY_FIELD "deviceId" is not a field of io.tributary.coldchain.SensorReading');
  });
});

describe('ingest: KAFKA_COMPRESSION=gzip', () => {
  it('writes gzip batches that read back to exactly the records posted', async () => {
    const gzip = countGzipBatches();
    const kafka = testKafka();
    const topic = uniqueTopic('gzip');
    await createReadingsTopic(kafka, topic);
    const mounted = await mountIngest({ topic, compression: 'gzip' });
    try {
      const posted = Array.from({ length: 300 }, (_, i) => reading(`MSCU${String(i % 30).padStart(7, '0')}`, i));
      const response = await mounted.app.inject({ method: 'POST', url: '/records', headers: ndjson, payload: ndjsonOf(posted) });
      expect(response.statusCode, response.body).toBe(200);
      expect(gzip.compressed).toBeGreaterThan(0);
      const landed = await readTopic(kafka, topic);
      expect(gzip.decompressed).toBeGreaterThan(0);
      expect(landed.map((r) => r.value.eventTime.getTime()).sort((a, b) => a - b)).toEqual(posted.map((r) => Date.parse(r['eventTime'] as string)).sort((a, b) => a - b));
      for (const record of landed) expect(record.key).toBe(record.value.containerId);
    } finally {
      gzip.restore();
      await mounted.close();
    }
  });
});
