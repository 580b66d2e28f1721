import { describe, expect, it } from 'vitest';
import type { Column } from '../src/columns.js';
import { UnwritableValueError } from '../src/errors.js';
import { columnValue, pgTimestamp } from '../src/row-values.js';

const column = (kind: Column['kind'], nullable = false): Column => ({ field: 'f', name: 'f', kind, sqlType: kind, nullable });

describe('values → parameters', () => {
  it('passes scalars through and writes timestamps in PostgreSQL form', () => {
    expect(columnValue(column('text'), 'a')).toBe('a');
    expect(columnValue(column('bigint'), 1_700_000_000_000)).toBe(1_700_000_000_000);
    expect(columnValue(column('double'), Number.NaN)).toBeNaN();
    expect(columnValue(column('boolean'), false)).toBe(false);
    expect(columnValue(column('numeric'), '12.50')).toBe('12.50');
    expect(columnValue(column('date'), '2024-02-29')).toBe('2024-02-29');
    expect(columnValue(column('timestamptz'), new Date('2024-02-03T04:05:06.789Z'))).toBe('2024-02-03T04:05:06.789Z');
    expect(columnValue(column('bytea'), Buffer.from([1, 2]))).toEqual(Buffer.from([1, 2]));
  });

  it('writes jsonb as JSON text, bytes inside as base64 and timestamps as ISO', () => {
    expect(columnValue(column('jsonb'), { a: 1.5, at: new Date(0), raw: Buffer.from('hi'), list: ['x'] })).toBe('{"a":1.5,"at":"1970-01-01T00:00:00.000Z","raw":"aGk=","list":["x"]}');
  });

  it('null only where the column allows it', () => {
    expect(columnValue(column('text', true), null)).toBeNull();
    expect(() => columnValue(column('text'), null)).toThrow(UnwritableValueError);
  });

  it('refuses what PostgreSQL cannot store, naming the field', () => {
    expect(() => columnValue(column('text'), 'a\u0000b')).toThrow(/field f: text holds a NUL/);
    expect(() => columnValue(column('jsonb'), { s: 'a\u0000b' })).toThrow(/NUL/);
    expect(columnValue(column('jsonb'), { s: 'a\\u0000b' })).toBe('{"s":"a\\\\u0000b"}'); // a backslash followed by "u0000" is fine
    expect(() => columnValue(column('timestamptz'), new Date(Number.NaN))).toThrow(/invalid timestamp/);
    expect(() => columnValue(column('timestamptz'), new Date(-8.64e15))).toThrow(/before PostgreSQL's earliest/);
    expect(() => columnValue(column('date'), '+10000-01')).toThrow(UnwritableValueError);
  });

  it('formats years outside 1–9999 the way PostgreSQL reads them', () => {
    expect(pgTimestamp(new Date(Date.UTC(275760, 8, 13)))).toBe('275760-09-13T00:00:00.000Z');
    expect(pgTimestamp(new Date(Date.UTC(-99, 0, 1)))).toBe('0100-01-01T00:00:00.000+00 BC');
    // Date.UTC reads years 0–99 as 1900–1999, so these are set explicitly.
    const utc = (year: number, hours = 0): Date => new Date(new Date(0).setUTCFullYear(year, 0, 1) + hours * 3_600_000);
    expect(pgTimestamp(utc(0, 12))).toBe('0001-01-01T12:00:00.000+00 BC');
    expect(pgTimestamp(utc(5))).toBe('0005-01-01T00:00:00.000Z');
  });
});
