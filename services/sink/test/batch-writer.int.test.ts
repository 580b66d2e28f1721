import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DLQ_HEADERS, type ConsumedMessage } from '@tributary/streams';
import { createTestDatabase, type TestDatabase } from '@tributary/testing';
import { BatchWriter, type WriteBatch } from '../src/batch-writer.js';
import { tableLayout } from '../src/columns.js';
import { DeadLetterProducer } from '../src/dead-letters.js';
import type { DecodedRow } from '../src/decoder.js';
import { migrate } from '../src/migrations.js';
import { OffsetStore } from '../src/offsets.js';
import { rowValues } from '../src/row-values.js';
import { UpsertStatement } from '../src/upsert.js';
import { EVENT_SCHEMA, createTopic, endpoints, testKafka, uniqueId, waitFor, type TestEvent } from './support.js';

const kafka = testKafka();
const admin = kafka.admin();
let database: TestDatabase;
let pools: pg.Pool[] = [];
let deadLetters: DeadLetterProducer;
const id = uniqueId();
const group = `fence-${id}`;
const topic = `fence.${id}`;
const schema = 'public';
const layout = tableLayout('entities', EVENT_SCHEMA, ['entity']);
const statement = new UpsertStatement(schema, layout);

const pool = (): pg.Pool => {
  const p = new pg.Pool({ connectionString: database.url, max: 2 });
  pools.push(p);
  return p;
};
const writer = (): BatchWriter => new BatchWriter(pool(), new OffsetStore(schema, group), deadLetters, 100);

/** Rows of entity `entity` for offsets [from, to), their amount marking who wrote them. */
function batch(from: number, to: number, amount: number, entity = 'a'): WriteBatch {
  const rows: DecodedRow[] = [];
  for (let offset = from; offset < to; offset++) {
    const event: TestEvent = { eventId: `e-${offset}`, entity, seq: offset, amount, at: new Date(offset * 1000) };
    const message: ConsumedMessage = { key: Buffer.from(entity), value: Buffer.from(JSON.stringify(event)), timestamp: '0', offset: String(offset) };
    rows.push({ offset: BigInt(offset), values: rowValues(layout, event), message });
  }
  return { topic, partition: 0, from: BigInt(from), to: BigInt(to), rows, deadLetters: [] };
}

async function current(db: pg.Pool): Promise<{ seq: string; amount: number; _offset: string } | undefined> {
  return (await db.query<{ seq: string; amount: number; _offset: string }>(`SELECT seq, amount, _offset FROM entities WHERE entity = 'a'`)).rows[0];
}

beforeAll(async () => {
  await admin.connect();
  await createTopic(admin, topic, 1);
  database = await createTestDatabase(endpoints.DATABASE_URL);
  await migrate(pool(), schema, [{ layout, subject: `${topic}-value`, schemaVersion: 1, schemaId: 1 }]);
  await new OffsetStore(schema, group).resume(pool(), [{ topic, partition: 0, logStart: 0n }]);
  deadLetters = new DeadLetterProducer(kafka, group);
  await deadLetters.ensureTopic(admin, 1);
  await deadLetters.connect();
});
afterAll(async () => {
  await deadLetters.disconnect();
  await admin.disconnect();
  await Promise.all(pools.map((p) => p.end()));
  pools = [];
  await database.drop();
});

describe('the offset-row fence', () => {
  it('applies a batch only where the stored offset stands: a stale writer cannot put older rows over newer ones', async () => {
    const db = pool();
    expect(await writer().write(statement, batch(0, 10, 1))).toEqual({ applied: true, rowsWritten: 1, deadLetters: [] });
    expect(await current(db)).toEqual({ seq: '9', amount: 1, _offset: '9' });
    // A zombie that still believes the partition stands at 0 replays older records: refused, told where it stands.
    expect(await writer().write(statement, batch(0, 5, 2))).toEqual({ applied: false, stored: 10n });
    // A writer ahead of the stored offset would leave a gap: refused too.
    expect(await writer().write(statement, batch(12, 15, 3))).toEqual({ applied: false, stored: 10n });
    expect(await current(db)).toEqual({ seq: '9', amount: 1, _offset: '9' });
  });

  it('lets exactly one of two concurrent writers of the same batch commit', async () => {
    const db = pool();
    const outcomes = await Promise.all([writer().write(statement, batch(10, 20, 4)), writer().write(statement, batch(10, 20, 5))]);
    expect(outcomes.filter((o) => o.applied)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.applied)).toEqual([{ applied: false, stored: 20n }]);
    const winner = outcomes[0]?.applied === true ? 4 : 5;
    expect(await current(db)).toEqual({ seq: '19', amount: winner, _offset: '19' });
  });

  it('waits for a transaction holding the offset row, then sees its result', async () => {
    const db = pool();
    const holder = await db.connect();
    try {
      // Another writer is mid-transaction on the partition (e.g. a frozen sink): it has locked the row and applied [20, 25).
      await holder.query('BEGIN');
      await holder.query('SELECT next_offset FROM sink_offsets WHERE consumer_group = $1 FOR UPDATE', [group]);
      await holder.query(`UPDATE entities SET amount = 6, seq = 24, _offset = 24 WHERE entity = 'a'`);
      await holder.query('UPDATE sink_offsets SET next_offset = 25 WHERE consumer_group = $1', [group]);
      let settled = false;
      const waiting = writer()
        .write(statement, batch(20, 30, 7))
        .finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 500));
      expect(settled).toBe(false);
      await holder.query('COMMIT');
      expect(await waiting).toEqual({ applied: false, stored: 25n });
    } finally {
      holder.release();
    }
    expect(await current(db)).toEqual({ seq: '24', amount: 6, _offset: '24' });
  });

  it('writes a batch the database refuses one row at a time, dead-lettering only the refused rows, in the same transaction', async () => {
    const db = pool();
    await db.query('ALTER TABLE entities ADD CONSTRAINT amount_not_negative CHECK (amount >= 0)');
    const rows = [...batch(25, 27, 8, 'b').rows, ...batch(27, 28, -1, 'c').rows, ...batch(28, 30, 9, 'd').rows];
    const outcome = await writer().write(statement, { topic, partition: 0, from: 25n, to: 30n, rows, deadLetters: [] });
    expect(outcome).toEqual({ applied: true, rowsWritten: 4, deadLetters: ['27'] });
    const written = await db.query<{ entity: string; _offset: string }>(`SELECT entity, _offset FROM entities WHERE entity <> 'a' ORDER BY entity`);
    expect(written.rows).toEqual([
      { entity: 'b', _offset: '26' },
      { entity: 'd', _offset: '29' },
    ]);
    const letters: Record<string, string>[] = [];
    const consumer = kafka.consumer({ groupId: `dlq-${id}` });
    await consumer.connect();
    await consumer.subscribe({ topic: deadLetters.topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void letters.push(Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]))) });
    await waitFor(() => letters.length > 0, 30_000, 'the dead letter');
    await consumer.disconnect();
    expect(letters).toEqual([expect.objectContaining({ [DLQ_HEADERS.offset]: '27', [DLQ_HEADERS.errorCode]: '23514' })]);
    expect((await db.query('SELECT next_offset FROM sink_offsets WHERE consumer_group = $1', [group])).rows).toEqual([{ next_offset: '30' }]);
  });
});
