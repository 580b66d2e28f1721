/**
 * What the fraud bench watches besides ../pipeline/observers.ts's topic
 * watchers: the decisions topic with each record's offset (to find the
 * sink's commit of its row), and the sink's `sink_offsets` rows — a few
 * rows read every poll, instead of scanning the growing decisions table.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { avroSerde, type RegistryClient } from '@tributary/avro';
import { DecisionSchema } from '@tributary/schemas';
import { kafkajs } from '@tributary/streams';
import type { Watcher } from '../pipeline/observers.js';

/** Consumes fraud.decisions (read_committed, from the beginning, a fresh group); resolves once the group is joined. */
export async function watchDecisions(options: {
  brokers: string;
  registry: RegistryClient;
  topic: string;
  onDecision: (paymentId: string, partition: number, offset: bigint, at: number) => void;
}): Promise<Watcher> {
  const { Kafka, logLevel } = kafkajs();
  const kafka = new Kafka({ clientId: 'bench-fraud-decisions', brokers: [options.brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-fraud-decisions-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 100, readUncommitted: false });
  const serde = avroSerde(DecisionSchema, { registry: options.registry, autoRegister: false });
  const context = { topic: options.topic, isKey: false };
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: true });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const at = Date.now();
      for (const message of batch.messages) {
        if (message.value === null) continue;
        const decision = await serde.deserialize(message.value, context);
        options.onDecision(decision.paymentId, batch.partition, BigInt(message.offset), at);
      }
    },
  });
  await Promise.race([joined, new Promise((_, reject) => setTimeout(() => reject(new Error(`watcher of ${options.topic} did not join its group within 60 s`)), 60_000).unref())]);
  return { stop: async () => await consumer.disconnect() };
}

/** Polls `<schema>.sink_offsets` for `topic` every `everyMs`, reporting each partition's next offset with the poll's start time. */
export async function pollSinkOffsets(options: {
  databaseUrl: string;
  schema: string;
  topic: string;
  everyMs: number;
  onOffsets: (next: ReadonlyMap<number, bigint>, at: number) => void;
  onError?: (error: unknown) => void;
}): Promise<Watcher> {
  const db = new pg.Client({ connectionString: options.databaseUrl });
  await db.connect();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const at = Date.now();
      try {
        const result = await db.query<{ partition: number; next: string }>(`SELECT partition, next_offset::text AS next FROM ${options.schema}.sink_offsets WHERE topic = $1`, [options.topic]);
        options.onOffsets(new Map(result.rows.map((r) => [r.partition, BigInt(r.next)])), at);
      } catch (error) {
        // The sink creates its tables when it starts; until then there is nothing to see.
        if ((error as { code?: string }).code !== '42P01') options.onError?.(error);
      }
      const wait = at + options.everyMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      await db.end();
    },
  };
}

/** Rows of the decisions table and distinct payments in it (the end-of-run check: one row per payment). */
export async function countDecisionRows(databaseUrl: string, schema: string): Promise<{ rows: number; payments: number }> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const result = await db.query<{ rows: number; payments: number }>(`SELECT count(*)::int AS rows, count(DISTINCT payment_id)::int AS payments FROM ${schema}.decisions`);
    return result.rows[0] ?? { rows: 0, payments: 0 };
  } finally {
    await db.end();
  }
}
