import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaBroker, ServiceProcess, partitionForKey } from '@tributary/testing';
import { stackEndpoints } from '../../testing/src/vitest/endpoints.js';
import { kafkaConfig, kafkaEnv, readConfig } from '../src/index.js';

const FIXTURE = 'libs/service/test/fixtures/count-service.ts';
const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};
const getJson = async (url: string): Promise<{ status: number; body: Record<string, unknown> }> => {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

async function createTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 4 })), waitForLeaders: true });
  await admin.disconnect();
}

async function produceCounts(kafka: Kafka, topic: string, perKey: Record<string, number>): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  const messages = Object.entries(perKey).flatMap(([key, n]) => Array.from({ length: n }, (_, i) => ({ key, value: JSON.stringify({ n: i }) })));
  await producer.send({ topic, messages });
  await producer.disconnect();
}

describe('the service shell around a real operator', () => {
  const id = `shell-${Date.now()}`;
  const input = `${id}-in`;
  const output = `${id}-out`;
  let kafka: Kafka;
  let service: ServiceProcess;

  beforeAll(async () => {
    kafka = new Kafka({ brokers: [stackEndpoints().KAFKA_BOOTSTRAP], logLevel: logLevel.NOTHING });
    await createTopics(kafka, [input, output]);
    service = new ServiceProcess({
      entry: FIXTURE,
      env: { KAFKA_BROKERS: stackEndpoints().KAFKA_BOOTSTRAP, HTTP_PORT: '0', APPLICATION_ID: id, INPUT_TOPIC: input, OUTPUT_TOPIC: output, SHUTDOWN_TIMEOUT_MS: '20000' },
    });
  });
  afterAll(() => service.kill());

  it('serves health at once, readiness once assigned, queries, metrics, and stops cleanly on SIGTERM', async () => {
    const url = await service.url();
    expect((await getJson(`${url}/healthz`)).status).toBe(200);
    await service.ready();
    await produceCounts(kafka, input, { alpha: 10, beta: 7, gamma: 3 });

    await until('the committed count of alpha', async () => (await getJson(`${url}/stores/counts/alpha`)).body['value'] === 10);
    const beta = await getJson(`${url}/stores/counts/beta`);
    expect(beta.body).toEqual({ store: 'counts', key: 'beta', partition: partitionForKey(Buffer.from('beta'), 4), value: 7 });
    const owner = await getJson(`${url}/stores/counts/gamma/owner`);
    expect(owner.body).toMatchObject({ partition: partitionForKey(Buffer.from('gamma'), 4), url });
    expect((await getJson(`${url}/stores/counts/delta`)).body).toMatchObject({ error: 'key not found' });
    expect((await getJson(`${url}/stores/nope/alpha`)).status).toBe(404);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain(`tributary_records_consumed_total{topic="${input}",service="counter"} 20`);
    expect(metrics).toMatch(/tributary_commits_total\{service="counter"\} [1-9]/);
    expect(metrics).toMatch(/tributary_state_store_entries\{store="counts",partition="\d",service="counter"\} 1/);
    expect(metrics).toContain('tributary_state{state="running",service="counter"} 1');
    expect(metrics).toContain('process_cpu_user_seconds_total');

    const stopped = await service.stop(30_000);
    expect(stopped).toMatchObject({ code: 0, killed: false });
    expect(service.lines.some((l) => l.includes('"msg":"stopped"') && l.includes('"clean":true'))).toBe(true);
    const admin = kafka.admin();
    await admin.connect();
    const { groups } = await admin.describeGroups([id]);
    await admin.disconnect();
    expect(groups[0]?.members).toEqual([]);
  });
});

describe('secured Kafka: a broker with a SASL listener (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sasl-broker-'));
  const users = [{ username: 'alice', password: 'alice-secret-pw' }];
  let broker: KafkaBroker;
  const saslEnv = (mechanism: string, password = 'alice-secret-pw') => ({
    KAFKA_BROKERS: broker.saslBootstrap ?? '',
    KAFKA_SASL_MECHANISM: mechanism,
    KAFKA_SASL_USERNAME: 'alice',
    KAFKA_SASL_PASSWORD: password,
  });

  beforeAll(async () => {
    broker = await KafkaBroker.start({ dir, port: 0, lifetime: 'tied', sasl: { users } });
  });
  afterAll(async () => {
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects with each mechanism from configuration and refuses a wrong password', async () => {
    for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512']) {
      const admin = new Kafka({ ...kafkaConfig(readConfig(kafkaEnv, saslEnv(mechanism))), logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      expect(Array.isArray(await admin.listTopics())).toBe(true);
      await admin.disconnect();
    }
    const wrong = new Kafka({ ...kafkaConfig(readConfig(kafkaEnv, saslEnv('scram-sha-512', 'nope'))), logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
    await expect(wrong.connect()).rejects.toThrow(/SASL SCRAM SHA512 authentication failed/);
  });

  it('runs an operator exactly-once over SCRAM-SHA-512, and a wrong password fails the start without logging it', async () => {
    const kafka = new Kafka({ ...kafkaConfig(readConfig(kafkaEnv, saslEnv('scram-sha-256'))), logLevel: logLevel.NOTHING });
    await createTopics(kafka, ['sasl-in', 'sasl-out']);
    const service = new ServiceProcess({
      entry: FIXTURE,
      env: { ...saslEnv('scram-sha-512'), HTTP_PORT: '0', APPLICATION_ID: 'sasl-counter', INPUT_TOPIC: 'sasl-in', OUTPUT_TOPIC: 'sasl-out' },
    });
    try {
      const url = await service.ready();
      await produceCounts(kafka, 'sasl-in', { k: 5 });
      await until('the count over SASL', async () => (await getJson(`${url}/stores/counts/k`)).body['value'] === 5);
      expect(await service.stop()).toMatchObject({ code: 0, killed: false });
      expect(service.lines.join('\n')).not.toContain('alice-secret-pw');
    } finally {
      service.kill();
    }

    const refused = new ServiceProcess({
      entry: FIXTURE,
      env: { ...saslEnv('scram-sha-512', 'wrong-secret-pw'), HTTP_PORT: '0', APPLICATION_ID: 'sasl-refused', INPUT_TOPIC: 'sasl-in', OUTPUT_TOPIC: 'sasl-out' },
    });
    try {
      const exit = await Promise.race([refused.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 90_000))]);
      expect(exit).not.toBe('timeout');
      expect(exit).toMatchObject({ code: 1 });
      const output = refused.lines.join('\n');
      expect(output).toMatch(/authentication failed/i);
      expect(output).not.toContain('wrong-secret-pw');
    } finally {
      refused.kill();
    }
  });
});
