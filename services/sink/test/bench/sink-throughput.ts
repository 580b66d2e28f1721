/**
 * Sink throughput, on demand (never a timed test):
 *
 *   node --import tsx --conditions=source services/sink/test/bench/sink-throughput.ts [--records=200000] [--partitions=4] [--entities=0]
 *
 * Produces `records` test events (Avro, idempotent producer) into a fresh
 * topic, then starts a sink in this process against a fresh database and
 * measures from its start until every partition's end offset is stored.
 * `--entities=N` keys the table by entity (N distinct rows, upserts);
 * default 0 keys it by event id (one insert per record). Uses KAFKA_BOOTSTRAP,
 * SCHEMA_REGISTRY_URL and DATABASE_URL if set, else starts a local stack.
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Partitioners } from 'kafkajs';
import pg from 'pg';
import { avroSerde, RegistryClient, type AvroSchema } from '@tributary/avro';
import { kafkajs } from '@tributary/streams';
import { createTestDatabase, startLocalStack } from '@tributary/testing';
import { Sink } from '../../src/sink.js';

const EVENT_SCHEMA = {
  type: 'record',
  name: 'SinkBenchEvent',
  namespace: 'io.tributary.bench',
  fields: [
    { name: 'eventId', type: 'string' },
    { name: 'entity', type: 'string' },
    { name: 'seq', type: 'long' },
    { name: 'amount', type: 'double' },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'tags', type: { type: 'map', values: 'string' } },
  ],
} as unknown as AvroSchema;

const { values: args } = parseArgs({ options: { records: { type: 'string', default: '200000' }, partitions: { type: 'string', default: '4' }, entities: { type: 'string', default: '0' } } });
const records = Number(args.records);
const partitions = Number(args.partitions);
const entities = Number(args.entities);

const given = process.env['KAFKA_BOOTSTRAP'];
const stack = given === undefined || given === '' ? await startLocalStack({ log: (l) => console.error(`stack: ${l}`) }) : undefined;
const endpoints = stack?.endpoints ?? { KAFKA_BOOTSTRAP: given as string, SCHEMA_REGISTRY_URL: process.env['SCHEMA_REGISTRY_URL'] ?? '', DATABASE_URL: process.env['DATABASE_URL'] ?? '' };
const database = await createTestDatabase(endpoints.DATABASE_URL || undefined, 'tributary_bench');
const { Kafka, logLevel } = kafkajs();
const kafka = new Kafka({ brokers: [endpoints.KAFKA_BOOTSTRAP], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
const topic = `sink-bench.${Date.now()}`;
await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
const registry = new RegistryClient({ url: endpoints.SCHEMA_REGISTRY_URL });
const serde = avroSerde<Record<string, unknown>>(EVENT_SCHEMA, { registry });
await serde.prepare(topic);

const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
const producing = performance.now();
for (let done = 0; done < records; done += 1_000) {
  const messages = [];
  for (let i = done; i < Math.min(records, done + 1_000); i++) {
    const entity = `entity-${entities > 0 ? i % entities : i % 1000}`;
    const value = serde.serialize({ eventId: `event-${i}`, entity, seq: i, amount: i / 4, at: new Date(1_700_000_000_000 + i), tags: { site: 'bench', shard: String(i % 7) } }, { topic, isKey: false });
    messages.push({ key: entity, value: value as Buffer });
  }
  await producer.send({ topic, acks: -1, messages });
}
await producer.disconnect();
console.error(`produced ${records} records in ${((performance.now() - producing) / 1000).toFixed(1)} s`);

const groupId = `sink-bench-${Date.now()}`;
const sink = new Sink({
  groupId,
  topics: [{ topic, table: 'events', keyFields: [entities > 0 ? 'entity' : 'eventId'] }],
  kafka: { brokers: [endpoints.KAFKA_BOOTSTRAP] },
  registry,
  database: { connectionString: database.url },
});
const db = new pg.Pool({ connectionString: database.url, max: 1 });
const started = performance.now();
await sink.start();
const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high]));
for (;;) {
  const stored = await db.query<{ partition: number; next_offset: string }>('SELECT partition, next_offset FROM sink_offsets WHERE consumer_group = $1', [groupId]).catch(() => ({ rows: [] }));
  if (stored.rows.length === partitions && stored.rows.every((r) => ends.get(r.partition) === r.next_offset)) break;
  await sleep(100);
}
const seconds = (performance.now() - started) / 1000;
const rows = await db.query<{ n: string }>('SELECT count(*) AS n FROM events');
await sink.stop();
await db.end();
await admin.disconnect();
await database.drop();
await stack?.stop();
console.log(
  `bench sink-throughput: records=${records} partitions=${partitions} rows=${rows.rows[0]?.n} seconds=${seconds.toFixed(2)} records_per_s=${Math.round(records / seconds)} (from sink start: schema, migration, group join included)`,
);
