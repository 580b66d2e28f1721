/**
 * The upsert of one table: a single statement per chunk of rows, whatever
 * its size, with one array parameter per column (`unnest`), so the text is
 * fixed per table and PostgreSQL plans it once (a named prepared statement).
 *
 *   INSERT INTO t (c1, …, _offset, _topic, _partition)
 *   SELECT *, $topic, $partition FROM unnest($1::type1[], …, $n::bigint[])
 *   ON CONFLICT (key) DO UPDATE SET c1 = EXCLUDED.c1, …, _written_at = now()
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { TableLayout } from './columns.js';
import { qualified, quoteIdent } from './naming.js';
import type { Param } from './row-values.js';

/** One row to write: its column values and the offset of the record they came from. */
export interface Row {
  readonly offset: bigint;
  readonly values: readonly Param[];
}

const ARRAY_TYPE: Record<string, string> = {
  'timestamp with time zone': 'timestamptz[]',
  'double precision': 'float8[]',
};
const arrayType = (sqlType: string): string => ARRAY_TYPE[sqlType] ?? `${sqlType.replace(/\(.*\)$/, '')}[]`;

export class UpsertStatement {
  readonly layout: TableLayout;
  readonly text: string;
  readonly name: string;
  readonly #keyIndexes: readonly number[];

  constructor(schema: string, layout: TableLayout) {
    this.layout = layout;
    const columns = layout.columns.map((c) => quoteIdent(c.name));
    const arrays = [...layout.columns.map((c, i) => `$${i + 1}::${arrayType(c.sqlType)}`), `$${layout.columns.length + 1}::bigint[]`];
    const n = layout.columns.length;
    const updates = [...layout.columns.filter((c) => !layout.keyColumns.includes(c.name)).map((c) => quoteIdent(c.name)), '"_offset"', '"_topic"', '"_partition"'].map(
      (c) => `${c} = EXCLUDED.${c}`,
    );
    this.text =
      `INSERT INTO ${qualified(schema, layout.table)} (${[...columns, '"_offset"', '"_topic"', '"_partition"'].join(', ')})\n` +
      `SELECT *, $${n + 2}::text, $${n + 3}::integer FROM unnest(${arrays.join(', ')})\n` +
      `ON CONFLICT (${layout.keyColumns.map(quoteIdent).join(', ')}) DO UPDATE SET ${[...updates, '"_written_at" = now()'].join(', ')}`;
    // Prepared statements are named per connection; naming by the text keeps two layouts from sharing a name.
    this.name = `tributary_sink_upsert_${createHash('sha256').update(this.text).digest('hex').slice(0, 24)}`;
    this.#keyIndexes = layout.keyColumns.map((k) => layout.columns.findIndex((c) => c.name === k));
  }

  /**
   * The rows to write for a batch: the last row of each key (in offset
   * order), since one statement cannot update a row twice and the last
   * record is the one the table must hold.
   */
  latestPerKey(rows: readonly Row[]): Row[] {
    const byKey = new Map<string, Row>();
    for (const row of rows) {
      const key = JSON.stringify(this.#keyIndexes.map((i) => keyPart(row.values[i] ?? null)));
      byKey.delete(key); // re-inserted last, so the result stays in offset order of each key's latest record
      byKey.set(key, row);
    }
    return [...byKey.values()];
  }

  /** Runs the upsert of `rows` (distinct keys) in chunks; returns the number of rows written. */
  async execute(client: pg.PoolClient, rows: readonly Row[], topic: string, partition: number, chunkRows: number): Promise<number> {
    let written = 0;
    for (let start = 0; start < rows.length; start += chunkRows) {
      const chunk = rows.slice(start, start + chunkRows);
      const params: unknown[] = this.layout.columns.map((_c, i) => chunk.map((r) => r.values[i] ?? null));
      params.push(chunk.map((r) => r.offset.toString()), topic, partition);
      const result = await client.query({ name: this.name, text: this.text, values: params });
      written += result.rowCount ?? 0;
    }
    return written;
  }
}

function keyPart(value: Param): string | number | boolean | null {
  return Buffer.isBuffer(value) ? `\\x${value.toString('hex')}` : value;
}
