/**
 * How a topic's Avro record becomes a table: one column per top-level field
 * (snake_case), typed from the field's Avro type, plus the sink's own
 * columns. The mapping (README, "Tables"):
 *
 * | Avro | PostgreSQL |
 * |---|---|
 * | string, enum, `uuid` | text |
 * | int | integer |
 * | long | bigint |
 * | float, double | double precision |
 * | boolean | boolean |
 * | `timestamp-millis` | timestamp with time zone |
 * | `date` | date |
 * | `decimal(p, s)` | numeric(p,s) |
 * | bytes, fixed | bytea |
 * | record, array, map, a union of several non-null types | jsonb |
 * | `["null", T]` | T, NULL allowed |
 *
 * Other logical types map as their underlying type, since Tributary's Avro
 * layer decodes them as such (`timestamp-micros` is a bigint of microseconds).
 */
import { avroType, type AvroSchema } from '@tributary/avro';
import { SchemaMappingError } from './errors.js';
import { MAX_IDENTIFIER_LENGTH, snakeCase } from './naming.js';

export type ColumnKind = 'text' | 'integer' | 'bigint' | 'double' | 'boolean' | 'timestamptz' | 'date' | 'numeric' | 'bytea' | 'jsonb';

export interface ColumnType {
  readonly kind: ColumnKind;
  /** The type as PostgreSQL's `format_type()` prints it (so it compares with an existing table), e.g. `numeric(12,2)`. */
  readonly sqlType: string;
  readonly nullable: boolean;
}

export interface Column extends ColumnType {
  /** The Avro field name. */
  readonly field: string;
  /** The column name (snake_case of the field name). */
  readonly name: string;
}

/** A table the sink writes: the record's columns, then the primary key (column names, in configured order). */
export interface TableLayout {
  readonly table: string;
  readonly columns: readonly Column[];
  readonly keyColumns: readonly string[];
}

/** Columns the sink adds to every table: where the row's current version came from, and when it was written. */
export const META_COLUMNS = [
  { name: '_topic', sqlType: 'text' },
  { name: '_partition', sqlType: 'integer' },
  { name: '_offset', sqlType: 'bigint' },
  { name: '_written_at', sqlType: 'timestamp with time zone' },
] as const;

/** PostgreSQL's largest numeric precision. */
const MAX_NUMERIC_PRECISION = 1000;

const PRIMITIVES: Record<string, ColumnType | 'null'> = {
  null: 'null',
  boolean: { kind: 'boolean', sqlType: 'boolean', nullable: false },
  int: { kind: 'integer', sqlType: 'integer', nullable: false },
  long: { kind: 'bigint', sqlType: 'bigint', nullable: false },
  float: { kind: 'double', sqlType: 'double precision', nullable: false },
  double: { kind: 'double', sqlType: 'double precision', nullable: false },
  bytes: { kind: 'bytea', sqlType: 'bytea', nullable: false },
  string: { kind: 'text', sqlType: 'text', nullable: false },
};
const TEXT: ColumnType = { kind: 'text', sqlType: 'text', nullable: false };
const JSONB: ColumnType = { kind: 'jsonb', sqlType: 'jsonb', nullable: false };
const BYTEA: ColumnType = { kind: 'bytea', sqlType: 'bytea', nullable: false };

type Mapped = ColumnType | 'null';
type Names = Map<string, Mapped>;
type SchemaObject = Record<string, unknown>;

const fullName = (name: string, namespace: string | undefined): string => (name.includes('.') || namespace === undefined || namespace === '' ? name : `${namespace}.${name}`);
const namespaceOf = (full: string): string | undefined => (full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : undefined);

function register(names: Names, s: SchemaObject, namespace: string | undefined, mapped: Mapped): string {
  const own = typeof s['namespace'] === 'string' ? s['namespace'] : namespace;
  const full = fullName(String(s['name']), own);
  names.set(full, mapped);
  return full;
}

/** `decimal` on bytes or fixed with a valid precision and scale; otherwise undefined (the Avro spec: an invalid logical type is ignored). */
function decimal(s: SchemaObject): ColumnType | undefined {
  if (s['logicalType'] !== 'decimal') return undefined;
  const precision = s['precision'];
  const scale = s['scale'] ?? 0;
  if (typeof precision !== 'number' || !Number.isInteger(precision) || precision < 1) return undefined;
  if (typeof scale !== 'number' || !Number.isInteger(scale) || scale < 0 || scale > precision) return undefined;
  if (precision > MAX_NUMERIC_PRECISION) {
    throw new SchemaMappingError(`decimal precision ${precision} exceeds PostgreSQL's numeric limit of ${MAX_NUMERIC_PRECISION}`);
  }
  return { kind: 'numeric', sqlType: `numeric(${precision},${scale})`, nullable: false };
}

function logical(s: SchemaObject, type: string): ColumnType | undefined {
  switch (s['logicalType']) {
    case 'timestamp-millis':
      return type === 'long' ? { kind: 'timestamptz', sqlType: 'timestamp with time zone', nullable: false } : undefined;
    case 'date':
      return type === 'int' ? { kind: 'date', sqlType: 'date', nullable: false } : undefined;
    case 'uuid':
      return type === 'string' ? TEXT : undefined;
    case 'decimal':
      return type === 'bytes' ? decimal(s) : undefined;
    default:
      return undefined;
  }
}

function union(branches: Mapped[]): ColumnType {
  const nonNull = branches.filter((b): b is ColumnType => b !== 'null');
  const nullable = nonNull.length < branches.length;
  const single = nonNull.length === 1 ? nonNull[0] : undefined;
  // A union of several types keeps its value's shape as JSON (a string, a number, an object…).
  return { ...(single ?? JSONB), nullable };
}

function mapType(schema: unknown, namespace: string | undefined, names: Names): Mapped {
  if (typeof schema === 'string') {
    const primitive = PRIMITIVES[schema];
    if (primitive !== undefined) return primitive;
    const named = names.get(fullName(schema, namespace)) ?? names.get(schema);
    if (named === undefined) throw new SchemaMappingError(`unknown Avro type name ${JSON.stringify(schema)}`);
    return named;
  }
  if (Array.isArray(schema)) return union(schema.map((branch) => mapType(branch, namespace, names)));
  if (typeof schema !== 'object' || schema === null) throw new SchemaMappingError(`not an Avro type: ${JSON.stringify(schema)}`);
  const s = schema as SchemaObject;
  const type = s['type'];
  if (typeof type !== 'string') return mapType(type, namespace, names);
  switch (type) {
    case 'record':
    case 'error': {
      // Nested records are stored whole, as JSON; their named types are registered for later references.
      const full = register(names, s, namespace, JSONB);
      for (const f of (s['fields'] as SchemaObject[] | undefined) ?? []) mapType(f['type'], namespaceOf(full), names);
      return JSONB;
    }
    case 'enum':
      register(names, s, namespace, TEXT);
      return TEXT;
    case 'fixed': {
      const mapped = decimal(s) ?? BYTEA;
      register(names, s, namespace, mapped);
      return mapped;
    }
    case 'array':
      mapType(s['items'], namespace, names);
      return JSONB;
    case 'map':
      mapType(s['values'], namespace, names);
      return JSONB;
    default: {
      const primitive = PRIMITIVES[type];
      if (primitive === undefined) return mapType(type, namespace, names);
      return (primitive !== 'null' ? logical(s, type) : undefined) ?? primitive;
    }
  }
}

function fieldType(schema: unknown, namespace: string | undefined, names: Names): ColumnType {
  const mapped = mapType(schema, namespace, names);
  // A field that can only be null has no values to type: keep whatever JSON it might one day hold.
  return mapped === 'null' ? { ...JSONB, nullable: true } : mapped;
}

/** The column type of one Avro field type (exported for tests). */
export function avroColumnType(schema: AvroSchema): ColumnType {
  return fieldType(schema, undefined, new Map());
}

const META_NAMES: ReadonlySet<string> = new Set(META_COLUMNS.map((c) => c.name));

/**
 * The table for a topic whose values have `schema` (a record), keyed by the
 * fields `keyFields` (Avro field names, or their column names). Fails with a
 * `SchemaMappingError` naming the problem: not a record, a key field missing
 * or nullable, two fields with one column name, a name PostgreSQL would cut.
 */
export function tableLayout(table: string, schema: AvroSchema, keyFields: readonly string[]): TableLayout {
  try {
    avroType(schema); // a valid schema first, so the walk below can trust its shape
  } catch (error) {
    throw new SchemaMappingError(`table ${table}: the schema is not valid Avro: ${error instanceof Error ? error.message : String(error)}`);
  }
  const record = schema as unknown as SchemaObject;
  if (typeof record !== 'object' || (record['type'] !== 'record' && record['type'] !== 'error')) {
    throw new SchemaMappingError(`table ${table}: the topic's values are not Avro records, so they have no fields to map to columns`);
  }
  const names: Names = new Map();
  const full = register(names, record, undefined, JSONB);
  const columns: Column[] = [];
  const byName = new Map<string, string>();
  for (const f of (record['fields'] as SchemaObject[] | undefined) ?? []) {
    const field = String(f['name']);
    const name = snakeCase(field);
    let type: ColumnType;
    try {
      type = fieldType(f['type'], namespaceOf(full), names);
    } catch (error) {
      throw new SchemaMappingError(`table ${table}, field ${field}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (META_NAMES.has(name)) throw new SchemaMappingError(`table ${table}: field ${field} maps to column ${name}, which the sink reserves for itself`);
    const clash = byName.get(name);
    if (clash !== undefined) throw new SchemaMappingError(`table ${table}: fields ${clash} and ${field} both map to column ${name}`);
    if (name.length > MAX_IDENTIFIER_LENGTH) throw new SchemaMappingError(`table ${table}: column ${name} (field ${field}) is longer than PostgreSQL's ${MAX_IDENTIFIER_LENGTH} characters`);
    byName.set(name, field);
    columns.push({ field, name, ...type });
  }
  if (keyFields.length === 0) throw new SchemaMappingError(`table ${table}: no primary key fields configured`);
  const keyColumns = keyFields.map((key) => {
    const column = columns.find((c) => c.field === key) ?? columns.find((c) => c.name === key);
    if (column === undefined) {
      throw new SchemaMappingError(`table ${table}: key field ${key} is not a field of ${String(record['name'])} (fields: ${columns.map((c) => c.field).join(', ')})`);
    }
    if (column.nullable) throw new SchemaMappingError(`table ${table}: key field ${key} is nullable, but primary key columns cannot hold NULL`);
    return column.name;
  });
  if (new Set(keyColumns).size !== keyColumns.length) throw new SchemaMappingError(`table ${table}: a key field is listed twice`);
  return { table, columns, keyColumns };
}
