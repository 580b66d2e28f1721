import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, KafkaBroker } from '@tributary/testing';
import { reading } from './fixtures.js';
import { createReadingsTopic, mountIngest, readTopic, testKafka, uniqueTopic, until } from './support.js';

const json = { 'content-type': 'application/json' };

describe('ingest: Kafka unreachable', () => {
  it('503 with the reason while the broker cannot be reached at all, not ready, and it says so', async () => {
    const topic = uniqueTopic('closed');
    await createReadingsTopic(testKafka(), topic); // the schema is on the shared registry; the broker below is not there
    const closedPort = await freePort();
    const mounted = await mountIngest({ topic, kafka: testKafka([`127.0.0.1:${closedPort}`]) });
    try {
      expect(mounted.ingest.ready).toBe(false);
      expect(mounted.ingest.schema).toBeDefined();
      const response = await mounted.app.inject({ method: 'POST', url: '/records', headers: json, payload: JSON.stringify(reading('DOWN1')) });
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      const body = response.json<{ error: string; message: string }>();
      expect(body.error).toBe('BROKER_UNAVAILABLE');
      expect(body.message).toMatch(/^not connected to Kafka, nothing was written: .*Connection error.*ECONNREFUSED/);
      expect(mounted.ingest.notReadyReason).toMatch(/^not connected to Kafka: /);
      // The API description does not need Kafka.
      expect((await mounted.app.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(200);
    } finally {
      await mounted.close();
    }
  });

  // This test stops and restarts a broker, so it runs its own rather than the shared one.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ingest-outage-broker-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('503 once the broker goes away, ready again when it is back; everything acknowledged is on the topic', async () => {
    let broker = await KafkaBroker.start({ dir, port: 0, lifetime: 'tied' });
    const port = Number(broker.bootstrap.split(':').pop());
    const kafka = testKafka([broker.bootstrap]);
    const topic = uniqueTopic('outage');
    await createReadingsTopic(kafka, topic);
    const mounted = await mountIngest({ topic, kafka, sendRetries: 1, ackTimeoutMs: 5_000 });
    const acknowledged: string[] = [];
    const post = async (key: string): Promise<{ status: number; body: { error?: string; message?: string } }> => {
      const response = await mounted.app.inject({ method: 'POST', url: '/records', headers: json, payload: JSON.stringify([reading(key, 1), reading(key, 2)]) });
      if (response.statusCode === 200) acknowledged.push(key);
      return { status: response.statusCode, body: response.json() };
    };
    try {
      expect(mounted.ingest.ready).toBe(true);
      expect((await post('BEFORE1')).status).toBe(200);
      expect((await post('BEFORE2')).status).toBe(200);

      await broker.stop();
      const during = await post('DURING1');
      expect(during.status, JSON.stringify(during.body)).toBe(503);
      expect(during.body.error).toBe('BROKER_UNAVAILABLE');
      expect(during.body.message).toMatch(/^Kafka did not acknowledge the records \(.+\); some of them may have been written: retry the request$/);
      expect(mounted.ingest.ready).toBe(false);
      // While it reconnects, requests fail at once rather than wait.
      const next = await post('DURING2');
      expect(next.status).toBe(503);
      expect(next.body.message).toMatch(/^not connected to Kafka, nothing was written/);

      broker = await KafkaBroker.start({ dir, port, lifetime: 'tied' });
      await until('the ingest to reconnect', () => mounted.ingest.ready, 120_000);
      expect((await post('AFTER1')).status).toBe(200);

      await mounted.close();
      const landed = await readTopic(kafka, topic);
      const keys = new Set(landed.map((r) => r.key));
      for (const key of acknowledged) expect(landed.filter((r) => r.key === key), key).toHaveLength(2);
      expect(acknowledged).toEqual(['BEFORE1', 'BEFORE2', 'AFTER1']);
      // DURING2 was refused before anything was sent.
      expect(keys.has('DURING2')).toBe(false);
    } finally {
      await mounted.close().catch(() => undefined);
      await broker.stop();
    }
  }, 400_000);
});
