/**
 * Shared by the sink's integration tests: the stack's endpoints, topics, a
 * transactional producer of test events, and database checks — notably an
 * audit trigger that records every row the sink inserts or updates, so a
 * record applied twice shows up as its (partition, offset) twice.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Partitioners, type Admin, type Kafka } from 'kafkajs';
import type pg from 'pg';
import { avroSerde, RegistryClient, type AvroSchema } from '@tributary/avro';
import { kafkajs } from '@tributary/streams';
import { stackEndpoints } from '@tributary/testing/vitest';

export const endpoints = stackEndpoints();

export function testKafka(clientId = 'sink-test'): Kafka {
  const { Kafka, logLevel } = kafkajs();
  return new Kafka({ clientId, brokers: [endpoints.KAFKA_BOOTSTRAP], logLevel: logLevel.NOTHING });
}

export const registry = new RegistryClient({ url: endpoints.SCHEMA_REGISTRY_URL });

/** A short random suffix for topic, group and table names. */
export const uniqueId = (): string => randomUUID().slice(0, 8);

export async function createTopic(admin: Admin, topic: string, partitions: number): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(100);
  }
}

/** The test events: `entity` is the Kafka key (so one entity stays in one partition); `seq` counts each entity's events. */
export const EVENT_SCHEMA = {
  type: 'record',
  name: 'SinkTestEvent',
  namespace: 'io.tributary.test',
  fields: [
    { name: 'eventId', type: 'string' },
    { name: 'entity', type: 'string' },
    { name: 'seq', type: 'long' },
    { name: 'amount', type: 'double' },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
  ],
} as unknown as AvroSchema;

export interface TestEvent {
  eventId: string;
  entity: string;
  seq: number;
  amount: number;
  at: Date;
}

/**
 * Produces test events in transactions (so the partitions hold commit
 * markers, and aborted transactions when asked), remembering what was
 * committed.
 */
export class EventProducer {
  readonly committed: TestEvent[] = [];
  readonly #seqs = new Map<string, number>();
  readonly #serde = avroSerde<TestEvent>(EVENT_SCHEMA, { registry });
  #next = 0;

  constructor(
    readonly kafka: Kafka,
    readonly topic: string,
    readonly entities: number,
  ) {}

  /** Registers the event schema under the topic's subject (the sink needs it before the first record). */
  async register(): Promise<void> {
    await this.#serde.prepare(this.topic);
  }

  /** `count` events in transactions of `perTransaction`; `abort` aborts them all (their events must never appear). */
  async produce(count: number, options: { perTransaction?: number; abort?: boolean; pauseMs?: number } = {}): Promise<void> {
    const producer = this.kafka.producer({
      transactionalId: `sink-test-${randomUUID()}`,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    try {
      const per = options.perTransaction ?? 500;
      for (let done = 0; done < count; done += per) {
        const events: TestEvent[] = [];
        const seqs = new Map(this.#seqs);
        for (let i = 0; i < Math.min(per, count - done); i++) {
          const n = this.#next + done + i;
          const entity = `entity-${n % this.entities}`;
          const seq = seqs.get(entity) ?? 0;
          seqs.set(entity, seq + 1);
          events.push({ eventId: `${options.abort === true ? 'aborted' : 'event'}-${n}`, entity, seq, amount: n / 4, at: new Date(1_700_000_000_000 + n * 1000) });
        }
        const messages = await Promise.all(
          events.map(async (e) => ({ key: e.entity, value: await this.#serde.serialize(e, { topic: this.topic, isKey: false }) })),
        );
        const transaction = await producer.transaction();
        await transaction.send({ topic: this.topic, messages });
        if (options.abort === true) {
          await transaction.abort();
        } else {
          await transaction.commit();
          for (const [k, v] of seqs) this.#seqs.set(k, v);
          this.committed.push(...events);
        }
        if (options.pauseMs !== undefined) await sleep(options.pauseMs);
      }
      this.#next += count;
    } finally {
      await producer.disconnect();
    }
  }

  /** Per entity, the last committed event. */
  latestPerEntity(): Map<string, TestEvent> {
    const latest = new Map<string, TestEvent>();
    for (const e of this.committed) latest.set(e.entity, e);
    return latest;
  }
}

/** Sum over partitions of the high watermarks of `topic`. */
export async function endOffsets(admin: Admin, topic: string): Promise<Map<number, bigint>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
}

/** The sink's stored next offsets of `topic`, per partition. */
export async function storedOffsets(db: pg.Pool, schema: string, group: string, topic: string): Promise<Map<number, bigint>> {
  const result = await db.query<{ partition: number; next_offset: string }>(
    `SELECT partition, next_offset FROM "${schema}".sink_offsets WHERE consumer_group = $1 AND topic = $2`,
    [group, topic],
  );
  return new Map(result.rows.map((r) => [r.partition, BigInt(r.next_offset)]));
}

/** Waits until the sink has stored, for every partition, the topic's end offset (everything written). */
export async function waitForCaughtUp(admin: Admin, db: pg.Pool, schema: string, group: string, topic: string, timeoutMs: number, diagnose?: () => string): Promise<void> {
  let detail = '';
  await waitFor(
    async () => {
      const [end, stored] = await Promise.all([endOffsets(admin, topic), storedOffsets(db, schema, group, topic).catch(() => new Map<number, bigint>())]);
      detail = [...end].map(([p, high]) => `${p}: ${stored.get(p) ?? '-'}/${high}`).join(', ');
      return [...end].every(([p, high]) => stored.get(p) === high);
    },
    timeoutMs,
    () => `the sink to store the end offsets of ${topic} (${detail})${diagnose !== undefined ? `\n${diagnose()}` : ''}`,
  );
}

/** Records every insert and update of `table` (the row's partition and offset) in `sink_audit`. */
export async function installAudit(db: pg.Pool, schema: string, table: string): Promise<void> {
  await db.query(`CREATE TABLE IF NOT EXISTS "${schema}".sink_audit (tbl text NOT NULL, part integer NOT NULL, off bigint NOT NULL, op text NOT NULL)`);
  await db.query(`CREATE OR REPLACE FUNCTION "${schema}".sink_audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO "${schema}".sink_audit VALUES (TG_TABLE_NAME, NEW._partition, NEW._offset, TG_OP);
      RETURN NEW;
    END $$`);
  await db.query(`CREATE TRIGGER sink_audit AFTER INSERT OR UPDATE ON "${schema}"."${table}" FOR EACH ROW EXECUTE FUNCTION "${schema}".sink_audit_row()`);
}

/** (partition, offset) pairs the sink applied more than once. */
export async function auditDuplicates(db: pg.Pool, schema: string): Promise<{ part: number; off: string; n: string }[]> {
  const result = await db.query<{ part: number; off: string; n: string }>(
    `SELECT part, off, count(*) AS n FROM "${schema}".sink_audit GROUP BY part, off HAVING count(*) > 1 ORDER BY part, off LIMIT 20`,
  );
  return result.rows;
}

export async function waitForTable(db: pg.Pool, schema: string, table: string, timeoutMs: number): Promise<void> {
  await waitFor(async () => (await db.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [`"${schema}"."${table}"`])).rows[0]?.t !== null, timeoutMs, `table ${schema}.${table}`);
}
