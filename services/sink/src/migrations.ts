/**
 * Creates and evolves the sink's tables at start, in one transaction under
 * an advisory lock (two sinks starting together migrate one after the
 * other). Every schema version applied to a table is recorded in
 * `tributary_sink_migrations` with the statements it took; columns are only
 * ever added or relaxed to NULL, never dropped or retyped.
 */
import type pg from 'pg';
import type { TableLayout } from './columns.js';
import { SchemaMappingError } from './errors.js';
import { planMigration, type ExistingTable } from './migration-plan.js';
import { qualified, quoteIdent } from './naming.js';
import { OFFSETS_TABLE, offsetsTableStatement } from './offsets.js';

export const MIGRATIONS_TABLE = 'tributary_sink_migrations';

/** The internal tables' own version, recorded like a topic schema's. */
const INTERNAL_SUBJECT = 'tributary.sink.internal';
const INTERNAL_VERSION = 1;

/** One table to prepare: its layout and the registered schema version it comes from. */
export interface TableSource {
  readonly layout: TableLayout;
  readonly subject: string;
  readonly schemaVersion: number;
  readonly schemaId: number;
}

/** What `migrate` did to one table. */
export interface AppliedMigration {
  readonly table: string;
  readonly schemaVersion: number;
  /** Empty when the table already matched. */
  readonly statements: readonly string[];
}

async function describeTable(client: pg.PoolClient, schema: string, table: string): Promise<ExistingTable | undefined> {
  const columns = await client.query<{ name: string; type: string; notnull: boolean }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [schema, table],
  );
  if (columns.rows.length === 0) return undefined;
  const key = await client.query<{ name: string }>(
    `SELECT a.attname AS name
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey)
      WHERE i.indisprimary AND n.nspname = $1 AND c.relname = $2
      ORDER BY array_position(i.indkey::int2[], a.attnum)`,
    [schema, table],
  );
  return {
    columns: new Map(columns.rows.map((r) => [r.name, { sqlType: r.type, notNull: r.notnull }])),
    primaryKey: key.rows.map((r) => r.name),
  };
}

async function record(client: pg.PoolClient, schema: string, table: string, subject: string, version: number, schemaId: number | null, statements: readonly string[]): Promise<boolean> {
  const result = await client.query(
    `INSERT INTO ${qualified(schema, MIGRATIONS_TABLE)} (table_name, subject, schema_version, schema_id, statements)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (table_name, subject, schema_version) DO NOTHING`,
    [table, subject, version, schemaId, statements],
  );
  return (result.rowCount ?? 0) > 0;
}

/**
 * Brings `schema` to the layouts of `tables`: creates the schema, the
 * migrations and offsets tables, each missing table, and the columns of new
 * fields. Fails with one `SchemaMappingError` listing every table that
 * cannot be used as it is, before changing anything.
 */
export async function migrate(pool: pg.Pool, schema: string, tables: readonly TableSource[]): Promise<AppliedMigration[]> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error): void => {
    broken = error; // the next statement fails with it (see batch-writer.ts)
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${MIGRATIONS_TABLE}:${schema}`]);
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${qualified(schema, MIGRATIONS_TABLE)} (
         id bigserial PRIMARY KEY,
         table_name text NOT NULL,
         subject text NOT NULL,
         schema_version integer NOT NULL,
         schema_id integer,
         statements text[] NOT NULL,
         applied_at timestamp with time zone NOT NULL DEFAULT now(),
         UNIQUE (table_name, subject, schema_version)
       )`,
    );
    const offsets = offsetsTableStatement(schema);
    await client.query(offsets);
    await record(client, schema, OFFSETS_TABLE, INTERNAL_SUBJECT, INTERNAL_VERSION, null, [offsets]);

    const plans = [];
    for (const source of tables) {
      const existing = await describeTable(client, schema, source.layout.table);
      plans.push({ source, plan: planMigration(schema, source.layout, existing) });
    }
    const problems = plans.flatMap((p) => p.plan.problems);
    if (problems.length > 0) {
      throw new SchemaMappingError(`the tables in schema ${schema} do not match the topics' schemas:\n  ${problems.join('\n  ')}`);
    }
    const applied: AppliedMigration[] = [];
    for (const { source, plan } of plans) {
      for (const statement of plan.statements) await client.query(statement);
      await record(client, schema, source.layout.table, source.subject, source.schemaVersion, source.schemaId, plan.statements);
      applied.push({ table: source.layout.table, schemaVersion: source.schemaVersion, statements: plan.statements });
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

