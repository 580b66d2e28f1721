/**
 * What to change so an existing table holds a layout: the DDL statements
 * (create the table, add new fields as nullable columns, drop NOT NULL where
 * a field became optional or disappeared) and the problems no migration may
 * fix on its own (a column changed type, the primary key moved). Pure: the
 * database side is in `migrations.ts`.
 */
import { META_COLUMNS, type TableLayout } from './columns.js';
import { qualified, quoteIdent } from './naming.js';

/** A table as it is in the database. */
export interface ExistingTable {
  readonly columns: ReadonlyMap<string, { readonly sqlType: string; readonly notNull: boolean }>;
  /** Primary key columns, in key order ([] when none). */
  readonly primaryKey: readonly string[];
}

export interface MigrationPlan {
  readonly statements: readonly string[];
  /** Why the table cannot be used as it is; a non-empty list stops the sink at start. */
  readonly problems: readonly string[];
}

const META_DEFINITIONS: Record<string, string> = {
  _topic: 'text NOT NULL',
  _partition: 'integer NOT NULL',
  _offset: 'bigint NOT NULL',
  _written_at: 'timestamp with time zone NOT NULL DEFAULT now()',
};

/** `CREATE TABLE` for a layout: its columns, the sink's columns, the primary key. */
export function createTableStatement(schema: string, layout: TableLayout): string {
  const columns = layout.columns.map((c) => `  ${quoteIdent(c.name)} ${c.sqlType}${c.nullable ? '' : ' NOT NULL'}`);
  const meta = META_COLUMNS.map((c) => `  ${quoteIdent(c.name)} ${META_DEFINITIONS[c.name] ?? c.sqlType}`);
  const key = `  PRIMARY KEY (${layout.keyColumns.map(quoteIdent).join(', ')})`;
  return `CREATE TABLE ${qualified(schema, layout.table)} (\n${[...columns, ...meta, key].join(',\n')}\n)`;
}

export function planMigration(schema: string, layout: TableLayout, existing: ExistingTable | undefined): MigrationPlan {
  if (existing === undefined) return { statements: [createTableStatement(schema, layout)], problems: [] };
  const table = qualified(schema, layout.table);
  const statements: string[] = [];
  const problems: string[] = [];
  const samePrimaryKey = existing.primaryKey.length === layout.keyColumns.length && existing.primaryKey.every((c, i) => c === layout.keyColumns[i]);
  if (!samePrimaryKey) {
    problems.push(
      `table ${layout.table}: its primary key is (${existing.primaryKey.join(', ')}) but SINK_TOPICS configures (${layout.keyColumns.join(', ')}); ` +
        'change the key by hand (or write to a new table)',
    );
  }
  const wanted = new Set<string>();
  for (const column of layout.columns) {
    wanted.add(column.name);
    const current = existing.columns.get(column.name);
    if (current === undefined) {
      // New fields are nullable columns: rows written before the field existed have no value for it.
      statements.push(`ALTER TABLE ${table} ADD COLUMN ${quoteIdent(column.name)} ${column.sqlType}`);
    } else if (current.sqlType !== column.sqlType) {
      problems.push(
        `table ${layout.table}: column ${column.name} is ${current.sqlType} but field ${column.field} now maps to ${column.sqlType}; ` +
          'the sink never changes a column type: migrate the column by hand, or add the field under a new name',
      );
    } else if (current.notNull && column.nullable) {
      statements.push(`ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(column.name)} DROP NOT NULL`);
    }
  }
  for (const meta of META_COLUMNS) {
    wanted.add(meta.name);
    const current = existing.columns.get(meta.name);
    if (current === undefined) statements.push(`ALTER TABLE ${table} ADD COLUMN ${quoteIdent(meta.name)} ${meta.sqlType}${meta.name === '_written_at' ? ' DEFAULT now()' : ''}`);
    else if (current.sqlType !== meta.sqlType) problems.push(`table ${layout.table}: column ${meta.name} is ${current.sqlType}, the sink needs ${meta.sqlType}`);
  }
  for (const [name, current] of existing.columns) {
    // A field removed from the schema keeps its column (never dropped), but new rows cannot fill it.
    if (!wanted.has(name) && current.notNull && !existing.primaryKey.includes(name)) {
      statements.push(`ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(name)} DROP NOT NULL`);
    }
  }
  return { statements, problems };
}
