/**
 * `sink_offsets`: per (consumer group, topic, partition), the next offset the
 * sink will write. It moves only inside the transaction that writes the rows
 * of the records before it, so the table and the offsets never disagree; and
 * its row is the fence (see `batch-writer.ts`): a writer locks it and applies
 * a batch only if the stored offset is where the batch begins.
 */
import type pg from 'pg';
import { qualified } from './naming.js';

export const OFFSETS_TABLE = 'sink_offsets';

export function offsetsTableStatement(schema: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(schema, OFFSETS_TABLE)} (
  consumer_group text NOT NULL,
  topic text NOT NULL,
  partition integer NOT NULL,
  next_offset bigint NOT NULL,
  updated_at timestamp with time zone NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, topic, partition)
)`;
}

export interface PartitionStart {
  readonly topic: string;
  readonly partition: number;
  /** The partition's log start offset: where a partition the sink never wrote begins, and the least offset still readable. */
  readonly logStart: bigint;
}

export interface StoredOffset {
  readonly topic: string;
  readonly partition: number;
  /** Offset stored before this call, if any. */
  readonly stored: bigint | undefined;
  /** Offset to resume from: the stored one, moved up to the log start if retention deleted records the sink never wrote. */
  readonly next: bigint;
}

/** SQL of the offsets table for one schema and group. */
export class OffsetStore {
  readonly #table: string;
  readonly #group: string;

  constructor(schema: string, group: string) {
    this.#table = qualified(schema, OFFSETS_TABLE);
    this.#group = group;
  }

  /**
   * The offsets to resume `partitions` from. Creates missing rows at the log
   * start, and moves a stored offset below the log start up to it (those
   * records are gone; `GREATEST` never moves an offset back, so this cannot
   * undo another writer's progress).
   */
  async resume(db: pg.Pool | pg.PoolClient, partitions: readonly PartitionStart[]): Promise<StoredOffset[]> {
    if (partitions.length === 0) return [];
    const before = await db.query<{ topic: string; partition: number; next_offset: string }>(
      `SELECT topic, partition, next_offset FROM ${this.#table} WHERE consumer_group = $1 AND topic = ANY($2::text[])`,
      [this.#group, [...new Set(partitions.map((p) => p.topic))]],
    );
    const stored = new Map(before.rows.map((r) => [`${r.topic}\u0000${r.partition}`, BigInt(r.next_offset)]));
    const after = await db.query<{ topic: string; partition: number; next_offset: string }>(
      `INSERT INTO ${this.#table} AS o (consumer_group, topic, partition, next_offset)
       SELECT $1::text, * FROM unnest($2::text[], $3::integer[], $4::bigint[])
       ON CONFLICT (consumer_group, topic, partition) DO UPDATE
         SET next_offset = GREATEST(o.next_offset, EXCLUDED.next_offset),
             updated_at = CASE WHEN o.next_offset < EXCLUDED.next_offset THEN now() ELSE o.updated_at END
       RETURNING topic, partition, next_offset`,
      [this.#group, partitions.map((p) => p.topic), partitions.map((p) => p.partition), partitions.map((p) => p.logStart.toString())],
    );
    return after.rows.map((r) => ({
      topic: r.topic,
      partition: r.partition,
      stored: stored.get(`${r.topic}\u0000${r.partition}`),
      next: BigInt(r.next_offset),
    }));
  }

  /** Locks the partition's row until the transaction ends and returns its offset (undefined when it has no row). */
  async lock(client: pg.PoolClient, topic: string, partition: number): Promise<bigint | undefined> {
    const result = await client.query<{ next_offset: string }>(
      `SELECT next_offset FROM ${this.#table} WHERE consumer_group = $1 AND topic = $2 AND partition = $3 FOR UPDATE`,
      [this.#group, topic, partition],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : BigInt(row.next_offset);
  }

  /** Sets the partition's next offset (call with its row locked). */
  async advance(client: pg.PoolClient, topic: string, partition: number, next: bigint): Promise<void> {
    await client.query(`UPDATE ${this.#table} SET next_offset = $4, updated_at = now() WHERE consumer_group = $1 AND topic = $2 AND partition = $3`, [
      this.#group,
      topic,
      partition,
      next.toString(),
    ]);
  }
}
