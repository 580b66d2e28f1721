import { SchemaRegistry as RegistryClient, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEndpoints } from '../../src/vitest/endpoints.js';

const endpoints = stackEndpoints();
const kafka = new Kafka({ clientId: 'stack-test', brokers: [endpoints.KAFKA_BOOTSTRAP], logLevel: logLevel.NOTHING });
const admin = kafka.admin();

beforeAll(async () => {
  await admin.connect();
});
afterAll(async () => {
  await admin.disconnect();
});

async function createTopic(partitions: number): Promise<string> {
  const topic = `t-${randomUUID()}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  return topic;
}

/** Reads every message of `topic` until `count` arrived or `timeoutMs` passed, then waits `settleMs` more for extras. */
async function readAll(
  topic: string,
  options: { readUncommitted: boolean; count: number; timeoutMs?: number; settleMs?: number },
): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, readUncommitted: options.readUncommitted });
  const seen: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      seen.push(message);
    },
  });
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (seen.length < options.count && Date.now() < deadline) await sleep(100);
  await sleep(options.settleMs ?? 1_000);
  await consumer.disconnect();
  return seen;
}

describe('local stack: Kafka + schema registry', () => {
  it('produces and consumes an Avro record in the Confluent wire format through the registry', async () => {
    const topic = await createTopic(1);
    const registry = new RegistryClient({ host: endpoints.SCHEMA_REGISTRY_URL });
    const schema = {
      type: 'record',
      name: 'Reading',
      namespace: 'dev.tributary.test',
      fields: [
        { name: 'containerId', type: 'string' },
        { name: 'temperatureC', type: 'double' },
      ],
    };
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject: `${topic}-value` },
    );
    const reading = { containerId: 'MSCU-1234567', temperatureC: -18.5 };
    const encoded = await registry.encode(id, reading);

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: reading.containerId, value: encoded }] });
    await producer.disconnect();

    const [message] = await readAll(topic, { readUncommitted: false, count: 1, settleMs: 0 });
    const bytes = message?.value;
    expect(bytes).toBeInstanceOf(Buffer);
    if (!(bytes instanceof Buffer)) return;
    // Confluent wire format: magic byte 0, then the schema id as a 4-byte big-endian integer.
    expect(bytes[0]).toBe(0);
    expect(bytes.readUInt32BE(1)).toBe(id);
    // Avro binary of { containerId: string, temperatureC: double }: zig-zag length, UTF-8, 8-byte LE double.
    const body = bytes.subarray(5);
    expect(body[0]).toBe(reading.containerId.length * 2);
    expect(body.subarray(1, 1 + reading.containerId.length).toString('utf8')).toBe(reading.containerId);
    expect(body.readDoubleLE(1 + reading.containerId.length)).toBe(reading.temperatureC);
    expect(body.length).toBe(1 + reading.containerId.length + 8);
    expect(await registry.decode(bytes)).toEqual(reading);

    // The id resolves to the same schema through the Confluent-compatible API.
    const byId = (await (await fetch(`${endpoints.SCHEMA_REGISTRY_URL}/schemas/ids/${id}`)).json()) as { schema: string };
    expect(JSON.parse(byId.schema)).toMatchObject({ name: 'Reading', fields: schema.fields });
  });

  it('refuses a schema change that breaks BACKWARD compatibility', async () => {
    const subject = `compat-${randomUUID()}-value`;
    const post = async (fields: unknown[]): Promise<Response> =>
      await fetch(`${endpoints.SCHEMA_REGISTRY_URL}/subjects/${subject}/versions`, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
        body: JSON.stringify({ schema: JSON.stringify({ type: 'record', name: 'R', fields }) }),
      });
    expect((await post([{ name: 'a', type: 'int' }])).status).toBe(200);
    // A new field without a default cannot be read from old records.
    const breaking = await post([{ name: 'a', type: 'int' }, { name: 'b', type: 'string' }]);
    expect(breaking.status).toBe(409);
    // The same field with a default is fine.
    expect((await post([{ name: 'a', type: 'int' }, { name: 'b', type: 'string', default: '' }])).status).toBe(200);
  });

  it('shows read_committed consumers committed transactions only, never aborted ones', async () => {
    const topic = await createTopic(3);
    const producer = kafka.producer({ transactionalId: `tx-${randomUUID()}`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const send = async (label: string, commit: boolean): Promise<void> => {
      const tx = await producer.transaction();
      await tx.send({
        topic,
        messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `${label}-${i}` })),
      });
      if (commit) await tx.commit();
      else await tx.abort();
    };
    await send('first', true);
    await send('aborted', false);
    await send('second', true);
    await producer.disconnect();

    const committed = (await readAll(topic, { readUncommitted: false, count: 60 })).map((m) => m.value?.toString());
    const everything = (await readAll(topic, { readUncommitted: true, count: 90 })).map((m) => m.value?.toString());

    const expected = [...Array.from({ length: 30 }, (_, i) => `first-${i}`), ...Array.from({ length: 30 }, (_, i) => `second-${i}`)];
    expect([...committed].sort()).toEqual([...expected].sort());
    // The aborted records were really written: a read_uncommitted consumer sees them.
    expect(everything.filter((v) => v?.startsWith('aborted-'))).toHaveLength(30);
  });

  it('splits the partitions of a topic between two members of one consumer group', async () => {
    const topic = await createTopic(4);
    const groupId = `group-${randomUUID()}`;
    const assignments = new Map<string, number[]>();
    const received = new Map<string, Set<number>>();
    const members: Consumer[] = [];
    for (const name of ['a', 'b']) {
      const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500 });
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        assignments.set(name, payload.memberAssignment[topic] ?? []);
      });
      received.set(name, new Set());
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition }) => {
          received.get(name)?.add(partition);
        },
      });
      members.push(consumer);
    }
    const settled = (): boolean =>
      (assignments.get('a')?.length ?? 0) > 0 &&
      (assignments.get('b')?.length ?? 0) > 0 &&
      (assignments.get('a')?.length ?? 0) + (assignments.get('b')?.length ?? 0) === 4;
    const deadline = Date.now() + 60_000;
    while (!settled() && Date.now() < deadline) await sleep(200);

    const a = [...(assignments.get('a') ?? [])].sort();
    const b = [...(assignments.get('b') ?? [])].sort();
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    expect(a.filter((p) => b.includes(p))).toEqual([]);
    expect([...a, ...b].sort()).toEqual([0, 1, 2, 3]);

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [0, 1, 2, 3].map((partition) => ({ partition, value: `p${partition}` })) });
    await producer.disconnect();
    const until = Date.now() + 30_000;
    while ((received.get('a')?.size ?? 0) + (received.get('b')?.size ?? 0) < 4 && Date.now() < until) await sleep(100);
    await Promise.all(members.map((m) => m.disconnect()));

    // Each member received exactly the partitions it was assigned.
    expect([...(received.get('a') ?? [])].sort()).toEqual(a);
    expect([...(received.get('b') ?? [])].sort()).toEqual(b);
  });
});
