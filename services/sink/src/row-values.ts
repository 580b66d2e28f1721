/**
 * Decoded Avro values → query parameters, per column kind. Values PostgreSQL
 * cannot store (NUL characters in text or JSON, timestamps before 4714 BC)
 * raise `UnwritableValueError`, so the one record goes to the dead-letter
 * topic instead of failing the whole batch in the database.
 */
import type { Column, ColumnKind, TableLayout } from './columns.js';
import { UnwritableValueError } from './errors.js';

/** A parameter as `pg` serialises it inside an array (`unnest($n::type[])`). */
export type Param = string | number | boolean | Buffer | null;

/** The earliest instant a PostgreSQL timestamp holds: 4714-11-24 00:00:00 UTC BC. */
const PG_MIN_TIMESTAMP_MS = -210_866_803_200_000;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
/** An escaped NUL in JSON text (not preceded by an escaping backslash): jsonb refuses it. */
const JSON_NUL = /(^|[^\\])(\\\\)*\\u0000/;

/** A timestamp in a form PostgreSQL reads for every year it can hold (ISO for years 1–9999, longer years, `BC`). */
export function pgTimestamp(date: Date): string {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new UnwritableValueError('invalid timestamp');
  if (ms < PG_MIN_TIMESTAMP_MS) throw new UnwritableValueError(`timestamp ${date.toISOString()} is before PostgreSQL's earliest (4714-11-24 BC)`);
  const iso = date.toISOString();
  const year = date.getUTCFullYear();
  const rest = iso.slice(iso.indexOf('-', 1)); // "-MM-DDTHH:mm:ss.sssZ"
  if (year >= 1) return `${String(year).padStart(4, '0')}${rest}`;
  return `${String(1 - year).padStart(4, '0')}${rest.replace('Z', '+00')} BC`;
}

function jsonText(value: unknown): string {
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key: string, converted: unknown) {
    const raw = this[key];
    return Buffer.isBuffer(raw) ? raw.toString('base64') : converted;
  });
  if (JSON_NUL.test(text)) throw new UnwritableValueError('JSON holds a NUL character (\\u0000), which jsonb cannot store');
  return text;
}

function text(value: unknown): string {
  if (typeof value !== 'string') throw new UnwritableValueError(`expected a string, got ${typeof value}`);
  if (value.includes('\u0000')) throw new UnwritableValueError('text holds a NUL character, which PostgreSQL cannot store');
  return value;
}

function integer(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new UnwritableValueError(`expected an integer, got ${String(value)}`);
  return value;
}

const CONVERTERS: Record<ColumnKind, (value: unknown) => Param> = {
  text,
  integer,
  bigint: integer,
  double: (value) => {
    if (typeof value !== 'number') throw new UnwritableValueError(`expected a number, got ${typeof value}`);
    return value; // NaN and ±Infinity are valid double precision values
  },
  boolean: (value) => {
    if (typeof value !== 'boolean') throw new UnwritableValueError(`expected a boolean, got ${typeof value}`);
    return value;
  },
  timestamptz: (value) => {
    if (!(value instanceof Date)) throw new UnwritableValueError(`expected a timestamp, got ${typeof value}`);
    return pgTimestamp(value);
  },
  date: (value) => {
    if (typeof value !== 'string' || !DATE_PATTERN.test(value)) throw new UnwritableValueError(`date ${String(value)} is outside the years 0000–9999`);
    return value;
  },
  numeric: (value) => {
    if (typeof value !== 'string') throw new UnwritableValueError(`expected a decimal string, got ${typeof value}`);
    return value;
  },
  bytea: (value) => {
    if (!Buffer.isBuffer(value)) throw new UnwritableValueError(`expected bytes, got ${typeof value}`);
    return value;
  },
  jsonb: jsonText,
};

/** The parameter of one column for one decoded record value. */
export function columnValue(column: Column, value: unknown): Param {
  if (value === null || value === undefined) {
    if (column.nullable) return null;
    throw new UnwritableValueError(`field ${column.field} is null, but its column ${column.name} is NOT NULL`);
  }
  try {
    return CONVERTERS[column.kind](value);
  } catch (error) {
    if (error instanceof UnwritableValueError) throw new UnwritableValueError(`field ${column.field}: ${error.message}`);
    throw error;
  }
}

/** The row of a decoded record: one parameter per column of the layout, in column order. */
export function rowValues(layout: TableLayout, record: unknown): Param[] {
  if (typeof record !== 'object' || record === null) throw new UnwritableValueError(`expected a record, got ${record === null ? 'null' : typeof record}`);
  const fields = record as Record<string, unknown>;
  return layout.columns.map((column) => columnValue(column, fields[column.field]));
}
