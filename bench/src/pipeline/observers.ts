/**
 * Watching the pipeline from outside: one read_committed consumer per topic
 * (the `kafkajs()` copy from @tributary/streams, so aborted transactions are
 * filtered the Java client's way) and a poller of the sink's `risk_scores`
 * table. Each observation is stamped with `Date.now()` when it reached this
 * process: a record when its fetched batch was handed over, a row at the
 * start of the first query that returned it (an upper bound; the poll period
 * is the resolution).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { avroSerde, type RegistryClient, type TypedSchema } from '@tributary/avro';
import { kafkajs } from '@tributary/streams';

export interface Watcher {
  stop(): Promise<void>;
}

export interface WatchOptions<T> {
  readonly brokers: string;
  readonly topic: string;
  readonly schema: TypedSchema<T>;
  readonly registry: RegistryClient;
  readonly onRecord: (value: T, partition: number, at: number) => void;
  /** Longest a fetch waits on the broker when there is nothing new (default 100 ms). */
  readonly maxWaitMs?: number;
}

const isPromise = <T>(value: T | Promise<T>): value is Promise<T> => typeof (value as { then?: unknown }).then === 'function';

/** Consumes `topic` from the beginning in a fresh group; resolves once the group is joined (partitions assigned). */
export async function watchTopic<T>(options: WatchOptions<T>): Promise<Watcher> {
  const { Kafka, logLevel } = kafkajs();
  const kafka = new Kafka({ clientId: 'bench-pipeline-watcher', brokers: [options.brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: `bench-pipeline-${options.topic}-${randomBytes(4).toString('hex')}`,
    maxWaitTimeInMs: options.maxWaitMs ?? 100,
    readUncommitted: false,
  });
  const serde = avroSerde(options.schema, { registry: options.registry, autoRegister: false });
  const context = { topic: options.topic, isKey: false };
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: true });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const at = Date.now();
      for (const message of batch.messages) {
        if (message.value === null) continue;
        const decoded = serde.deserialize(message.value, context);
        options.onRecord(isPromise(decoded) ? await decoded : decoded, batch.partition, at);
      }
    },
  });
  await Promise.race([joined, new Promise((_, reject) => setTimeout(() => reject(new Error(`watcher of ${options.topic} did not join its group within 60 s`)), 60_000).unref())]);
  return { stop: async () => await consumer.disconnect() };
}

export interface RowPollOptions {
  readonly databaseUrl: string;
  /** Partitions of the scores topic (the sink stores each row's source partition and offset). */
  readonly partitions: number;
  readonly everyMs: number;
  readonly onRow: (containerId: string, windowStart: number, at: number) => void;
  /** A failed poll (the next one is tried all the same). */
  readonly onError?: (error: unknown) => void;
}

/**
 * Polls `risk_scores` for rows written since the last poll. The sink writes
 * a partition's records in offset order, one transaction at a time, so "new"
 * is "a greater `_offset` than any row seen from its `_partition`".
 */
export async function pollScoreRows(options: RowPollOptions): Promise<Watcher> {
  const db = new pg.Client({ connectionString: options.databaseUrl });
  await db.connect();
  const partitions = Array.from({ length: options.partitions }, (_, i) => i);
  const last = partitions.map(() => -1);
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const at = Date.now();
      try {
        const result = await db.query<{ container_id: string; window_start: Date; partition: number; offset: string }>(
          `SELECT r.container_id, r.window_start, r._partition AS partition, r._offset::text AS offset
             FROM risk_scores r JOIN unnest($1::int[], $2::bigint[]) AS s(p, o) ON r._partition = s.p AND r._offset > s.o`,
          [partitions, last],
        );
        for (const row of result.rows) {
          const offset = Number(row.offset);
          if (offset > (last[row.partition] ?? -1)) last[row.partition] = offset;
          options.onRow(row.container_id, row.window_start.getTime(), at);
        }
      } catch (error) {
        // The sink creates the table when it starts; until then there is nothing to see.
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
