import { describe, expect, it } from 'vitest';
import type { AvroSchema } from '@tributary/avro';
import { tableLayout } from '../src/columns.js';
import { UpsertStatement } from '../src/upsert.js';

const layout = tableLayout(
  'scores',
  { type: 'record', name: 'S', fields: [{ name: 'id', type: 'string' }, { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } }, { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } }, { name: 'risk', type: 'double' }] } as unknown as AvroSchema,
  ['id', 'at'],
);

describe('upsert statement', () => {
  it('is one INSERT … SELECT FROM unnest … ON CONFLICT per table, one array parameter per column', () => {
    const statement = new UpsertStatement('public', layout);
    expect(statement.text).toBe(
      'INSERT INTO "public"."scores" ("id", "at", "amount", "risk", "_offset", "_topic", "_partition")\n' +
        'SELECT *, $6::text, $7::integer FROM unnest($1::text[], $2::timestamptz[], $3::numeric[], $4::float8[], $5::bigint[])\n' +
        'ON CONFLICT ("id", "at") DO UPDATE SET "amount" = EXCLUDED."amount", "risk" = EXCLUDED."risk", "_offset" = EXCLUDED."_offset", ' +
        '"_topic" = EXCLUDED."_topic", "_partition" = EXCLUDED."_partition", "_written_at" = now()',
    );
  });

  it('keeps the last record of each key, in offset order', () => {
    const statement = new UpsertStatement('public', layout);
    const row = (offset: number, id: string, at: string, risk: number) => ({ offset: BigInt(offset), values: [id, at, '1.00', risk] });
    const latest = statement.latestPerKey([row(1, 'a', 't1', 0.1), row(2, 'b', 't1', 0.2), row(3, 'a', 't1', 0.3), row(4, 'a', 't2', 0.4)]);
    expect(latest.map((r) => Number(r.offset))).toEqual([2, 3, 4]);
  });
});
