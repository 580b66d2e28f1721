/**
 * One database transaction per consumed batch of one partition: the rows and
 * the partition's next offset commit together, or neither does.
 *
 *   BEGIN
 *   SELECT next_offset … FOR UPDATE      -- the fence
 *   (stored ≠ where the batch begins → ROLLBACK: someone else wrote it)
 *   upsert the rows (latest per key)     -- one statement per chunk
 *   produce dead letters, wait for acks  -- before the commit that moves past them
 *   UPDATE sink_offsets SET next_offset = end of batch
 *   COMMIT
 *
 * Why the fence makes a zombie harmless: the offset row is locked for the
 * whole transaction, so writers of one partition run one after the other,
 * and each applies its batch only if the stored offset is exactly where its
 * batch begins — i.e. every record before the batch is in the table and none
 * after it. A sink whose partition moved while it was frozen wakes up
 * believing an old offset; the stored one has moved on, so its batch is
 * rolled back and it seeks to the stored offset. Records are applied in
 * offset order, each once, whoever applies them; a crash between COMMIT and
 * its acknowledgement is caught the same way (the retry finds the offset
 * already moved). Rows of one key must come from one partition (the Kafka
 * key decides the partition) for "last record wins" to be well defined.
 */
import type pg from 'pg';
import type { DeadLetterProducer } from './dead-letters.js';
import type { DeadLetterCandidate, DecodedRow } from './decoder.js';
import { isDataError } from './failures.js';
import type { OffsetStore } from './offsets.js';
import type { UpsertStatement } from './upsert.js';

export interface WriteBatch {
  readonly topic: string;
  readonly partition: number;
  /** Where the batch begins: the next offset the writer believes is stored. */
  readonly from: bigint;
  /** The next offset after the batch (its last offset + 1). */
  readonly to: bigint;
  readonly rows: readonly DecodedRow[];
  readonly deadLetters: readonly DeadLetterCandidate[];
}

export type WriteOutcome =
  /** `deadLetters`: offsets of the records sent to the dead-letter topic. */
  | { readonly applied: true; readonly rowsWritten: number; readonly deadLetters: readonly string[] }
  /** The fence refused the batch: `stored` is where the partition really stands (undefined: it has no row). */
  | { readonly applied: false; readonly stored: bigint | undefined };

export class BatchWriter {
  readonly #pool: pg.Pool;
  readonly #offsets: OffsetStore;
  readonly #deadLetters: DeadLetterProducer;
  readonly #chunkRows: number;

  constructor(pool: pg.Pool, offsets: OffsetStore, deadLetters: DeadLetterProducer, chunkRows: number) {
    this.#pool = pool;
    this.#offsets = offsets;
    this.#deadLetters = deadLetters;
    this.#chunkRows = chunkRows;
  }

  async write(statement: UpsertStatement, batch: WriteBatch): Promise<WriteOutcome> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    // A checked-out client has no error listener of the pool's: a connection lost between two
    // statements (the server restarting, an idle-in-transaction timeout) would otherwise be an
    // unhandled 'error' event that ends the process. It surfaces as the next statement's error.
    const onError = (error: Error): void => {
      broken = error;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const stored = await this.#offsets.lock(client, batch.topic, batch.partition);
      if (stored !== batch.from) {
        await client.query('ROLLBACK');
        return { applied: false, stored };
      }
      const deadLetters = [...batch.deadLetters];
      let rowsWritten = 0;
      if (batch.rows.length > 0) {
        await client.query('SAVEPOINT batch');
        try {
          rowsWritten = await statement.execute(client, statement.latestPerKey(batch.rows), batch.topic, batch.partition, this.#chunkRows);
        } catch (error) {
          if (!isDataError(error)) throw error;
          await client.query('ROLLBACK TO SAVEPOINT batch');
          rowsWritten = await this.#rowByRow(client, statement, batch, deadLetters);
        }
      }
      deadLetters.sort((a, b) => (BigInt(a.message.offset) < BigInt(b.message.offset) ? -1 : 1));
      await this.#deadLetters.send(batch.topic, batch.partition, deadLetters);
      await this.#offsets.advance(client, batch.topic, batch.partition, batch.to);
      await client.query('COMMIT');
      return { applied: true, rowsWritten, deadLetters: deadLetters.map((d) => d.message.offset) };
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw error;
    } finally {
      client.off('error', onError);
      // A broken connection is not returned to the pool.
      client.release(broken);
    }
  }

  /**
   * The database refused the batch for a row's data (out of range, a
   * constraint, a key too large for the index): write the rows one at a time,
   * in offset order, so every other row lands and the refused ones become
   * dead letters.
   */
  async #rowByRow(client: pg.PoolClient, statement: UpsertStatement, batch: WriteBatch, deadLetters: DeadLetterCandidate[]): Promise<number> {
    let written = 0;
    for (const row of batch.rows) {
      await client.query('SAVEPOINT row');
      try {
        written += await statement.execute(client, [row], batch.topic, batch.partition, 1);
        await client.query('RELEASE SAVEPOINT row');
      } catch (error) {
        if (!isDataError(error)) throw error;
        await client.query('ROLLBACK TO SAVEPOINT row');
        deadLetters.push({ message: row.message, error });
      }
    }
    return written;
  }
}
