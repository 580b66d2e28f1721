import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamsApp, StreamsBuilder, float64, json, string } from '../../src/index.js';
import { stackEndpoints } from '../../../testing/src/vitest/endpoints.js';
import { kafkajs } from '../../src/kafka/kafkajs.js';

// Verification reads with read_committed through the same fixed filter the runtime uses (see src/kafka/kafkajs.ts).
const { Kafka, logLevel } = kafkajs();

const { KAFKA_BOOTSTRAP } = stackEndpoints();
const kafka = new Kafka({ clientId: 'streams-app-test', brokers: [KAFKA_BOOTSTRAP], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
beforeAll(async () => await admin.connect());
afterAll(async () => await admin.disconnect());

async function topics(partitions: number, ...names: string[]): Promise<void> {
  await admin.createTopics({ topics: names.map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true });
}

async function readCommitted(topic: string, count: number, timeoutMs = 60_000): Promise<{ key: string; value: Buffer | null; headers: Record<string, unknown> }[]> {
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, readUncommitted: false });
  const seen: { key: string; value: Buffer | null; headers: Record<string, unknown> }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      seen.push({ key: message.key?.toString() ?? '', value: message.value, headers: message.headers ?? {} });
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (seen.length < count && Date.now() < deadline) await sleep(200);
  await sleep(1_000);
  await consumer.disconnect();
  return seen;
}

describe('StreamsApp on a real broker', () => {
  it('counts per key exactly once, creating its changelog and DLQ topics, and sends undecodable records to the DLQ', async () => {
    const id = randomUUID().slice(0, 8);
    const input = `words-${id}`;
    const output = `counts-${id}`;
    const applicationId = `count-${id}`;
    await topics(4, input, output);
    const builder = new StreamsBuilder();
    builder
      .stream(input, { key: string(), value: json<{ word: string }>() })
      .groupByKey()
      .count({ store: 'counts' })
      .toStream()
      .to(output, { key: string(), value: float64() });
    const app = new StreamsApp(builder.build(), { applicationId, kafka: { brokers: [KAFKA_BOOTSTRAP] } });
    await app.start();
    try {
      const producer = kafka.producer();
      await producer.connect();
      const words = ['alpha', 'beta', 'gamma', 'delta', 'alpha', 'beta', 'alpha'];
      // Poison pills between valid records: undecodable JSON, one per partition it lands on.
      await producer.send({ topic: input, messages: words.slice(0, 3).map((w) => ({ key: w, value: JSON.stringify({ word: w }) })) });
      const poison = await producer.send({
        topic: input,
        messages: [
          { key: 'poison-1', value: '{not json' },
          { key: 'poison-2', value: Buffer.from([0xff, 0x00, 0x13]) },
        ],
      });
      await producer.send({ topic: input, messages: words.slice(3).map((w) => ({ key: w, value: JSON.stringify({ word: w }) })) });
      await producer.disconnect();

      const out = await readCommitted(output, words.length);
      const finals = new Map<string, number>();
      for (const r of out) finals.set(r.key, r.value?.readDoubleBE(0) ?? NaN);
      // Every valid record counted once, nothing lost around the poison pills.
      expect(out).toHaveLength(words.length);
      expect(Object.fromEntries(finals)).toEqual({ alpha: 3, beta: 2, gamma: 1, delta: 1 });

      const dlq = await readCommitted(`${applicationId}.dlq`, 2);
      expect(dlq.map((d) => d.key).sort()).toEqual(['poison-1', 'poison-2']);
      for (const letter of dlq) {
        const sent = poison.find((p) => p.partition === Number(String(letter.headers['tributary.dlq.source.partition'])));
        expect(sent, 'the DLQ names the partition the pill was written to').toBeDefined();
        expect(String(letter.headers['tributary.dlq.source.topic'])).toBe(input);
        expect(String(letter.headers['tributary.dlq.error.class'])).toBe('DeserializationError');
        expect(String(letter.headers['tributary.dlq.error.message'])).toMatch(/cannot decode/);
        expect(Number(String(letter.headers['tributary.dlq.source.offset']))).toBeGreaterThanOrEqual(0);
      }
      expect(dlq.find((d) => d.key === 'poison-2')?.value).toEqual(Buffer.from([0xff, 0x00, 0x13]));

      const existing = await admin.listTopics();
      expect(existing).toContain(`${applicationId}-counts-changelog`);
      const configs = await admin.describeConfigs({
        resources: [{ type: 2, name: `${applicationId}-counts-changelog`, configNames: ['cleanup.policy'] }],
        includeSynonyms: false,
      });
      expect(configs.resources[0]?.configEntries[0]?.configValue).toBe('compact');
      await sleep(500);
      const store = app.localStores('counts');
      let alpha: unknown;
      for (const s of store.values()) alpha ??= (s as unknown as { get(k: string): unknown }).get('alpha');
      expect(alpha).toBe(3);
    } finally {
      await app.stop();
    }
    expect(app.state).toBe('stopped');
  });

  it('refuses to start when a source topic is missing, naming it', async () => {
    const builder = new StreamsBuilder();
    builder.stream('no-such-topic', { key: string(), value: string() }).to('nor-this', { key: string(), value: string() });
    const app = new StreamsApp(builder.build(), { applicationId: `missing-${randomUUID().slice(0, 8)}`, kafka: { brokers: [KAFKA_BOOTSTRAP] } });
    await expect(app.start()).rejects.toThrow(/"no-such-topic", "nor-this" do not exist/);
  });
});
