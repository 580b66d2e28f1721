import { afterAll, describe, expect, it } from 'vitest';
import { ServiceProcess } from '@tributary/testing';
import { stackEndpoints } from '@tributary/testing/vitest';
import { reading } from './fixtures.js';
import { createReadingsTopic, createTopic, readRawTopic, readTopic, testKafka, uniqueTopic } from './support.js';

describe('the ingest service (main.ts in its own process)', () => {
  const token = 'svc-token-8d2e61';
  let service: ServiceProcess | undefined;
  afterAll(() => service?.kill());

  it('serves POST /records with the shell routes beside it, dead-letters invalid records, and stops cleanly on SIGTERM without logging the token', async () => {
    const kafka = testKafka();
    const topic = uniqueTopic('service');
    const dlq = uniqueTopic('service-dlq');
    await createReadingsTopic(kafka, topic);
    await createTopic(kafka, dlq);
    service = new ServiceProcess({
      entry: 'services/ingest/src/main.ts',
      env: {
        KAFKA_BROKERS: stackEndpoints().KAFKA_BOOTSTRAP,
        SCHEMA_REGISTRY_URL: stackEndpoints().SCHEMA_REGISTRY_URL,
        INGEST_TOPIC: topic,
        DLQ_TOPIC: dlq,
        INGEST_TOKEN: token,
        HTTP_PORT: '0',
        LOG_LEVEL: 'debug',
      },
    });
    const url = await service.ready();

    const records = Array.from({ length: 20 }, (_, i) => reading(`SVC${i % 4}`, i));
    const response = await fetch(`${url}/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${token}` },
      body: records.map((r) => JSON.stringify(r)).join('\n'),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ accepted: 20 });
    const unauthorized = await fetch(`${url}/records`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unauthorized.status).toBe(401);
    const invalid = await fetch(`${url}/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': 'svc-invalid-1' },
      body: '{"containerId": "SVCBAD"}',
    });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('x-request-id')).toBe('svc-invalid-1');
    const letters = await readRawTopic(kafka, dlq);
    expect(letters.map((l) => [l.key, l.value.toString(), l.headers['tributary.dlq.error.code'], l.headers['tributary.dlq.source.request']])).toEqual([
      ['SVCBAD', '{"containerId": "SVCBAD"}', 'INVALID_RECORDS', 'svc-invalid-1'],
    ]);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/tributary_ingest_requests_total\{status="200",service="ingest"\} 1/);
    expect(metrics).toMatch(/tributary_ingest_records_total\{outcome="accepted",service="ingest"\} 20/);
    expect(metrics).toMatch(/tributary_ingest_dead_letters_total\{code="INVALID_RECORDS",service="ingest"\} 1/);
    const openapi = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toEqual(['/records']);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    const stopped = await service.stop();
    expect(stopped, service.tail()).toMatchObject({ code: 0, killed: false });
    expect(service.lines.join('\n')).not.toContain(token);
    const landed = await readTopic(kafka, topic);
    expect(landed.map((r) => r.value.eventTime.getTime())).toEqual(expect.arrayContaining(records.map((r) => Date.parse(r['eventTime'] as string))));
    expect(landed).toHaveLength(20);
  });
});
