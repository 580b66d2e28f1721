import { describe, expect, it } from 'vitest';
import { AlertSchema, RiskScoreSchema } from '@tributary/schemas';
import type { AvroSchema } from '@tributary/avro';
import { avroColumnType, tableLayout } from '../src/columns.js';
import { SchemaMappingError } from '../src/errors.js';
import { snakeCase } from '../src/naming.js';

const record = (fields: { name: string; type: unknown }[]): AvroSchema => ({ type: 'record', name: 'R', namespace: 'test', fields }) as unknown as AvroSchema;

describe('Avro → PostgreSQL column types', () => {
  it.each([
    ['string', 'text', 'text'],
    [{ type: 'string', logicalType: 'uuid' }, 'text', 'text'],
    [{ type: 'enum', name: 'E', symbols: ['A', 'B'] }, 'text', 'text'],
    ['int', 'integer', 'integer'],
    ['long', 'bigint', 'bigint'],
    ['float', 'double', 'double precision'],
    ['double', 'double', 'double precision'],
    ['boolean', 'boolean', 'boolean'],
    [{ type: 'long', logicalType: 'timestamp-millis' }, 'timestamptz', 'timestamp with time zone'],
    [{ type: 'int', logicalType: 'date' }, 'date', 'date'],
    [{ type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 }, 'numeric', 'numeric(12,2)'],
    [{ type: 'fixed', name: 'Money', size: 8, logicalType: 'decimal', precision: 18, scale: 4 }, 'numeric', 'numeric(18,4)'],
    ['bytes', 'bytea', 'bytea'],
    [{ type: 'fixed', name: 'Hash', size: 16 }, 'bytea', 'bytea'],
    [{ type: 'map', values: 'double' }, 'jsonb', 'jsonb'],
    [{ type: 'array', items: 'string' }, 'jsonb', 'jsonb'],
    [{ type: 'record', name: 'Inner', fields: [{ name: 'x', type: 'int' }] }, 'jsonb', 'jsonb'],
    [['string', 'int'], 'jsonb', 'jsonb'],
    // Logical types Tributary does not decode map as their underlying type.
    [{ type: 'long', logicalType: 'timestamp-micros' }, 'bigint', 'bigint'],
    [{ type: 'int', logicalType: 'timestamp-millis' }, 'integer', 'integer'],
    [{ type: 'bytes', logicalType: 'decimal', precision: 0 }, 'bytea', 'bytea'],
  ])('%j → %s', (avro, kind, sqlType) => {
    expect(avroColumnType(avro as AvroSchema)).toEqual({ kind, sqlType, nullable: false });
  });

  it('a union with null is the other branch, NULL allowed; several non-null branches are jsonb', () => {
    expect(avroColumnType(['null', 'double'])).toEqual({ kind: 'double', sqlType: 'double precision', nullable: true });
    expect(avroColumnType(['null', { type: 'long', logicalType: 'timestamp-millis' }] as unknown as AvroSchema)).toMatchObject({ kind: 'timestamptz', nullable: true });
    expect(avroColumnType(['null', { type: 'map', values: 'string' }] as unknown as AvroSchema)).toMatchObject({ kind: 'jsonb', nullable: true });
    expect(avroColumnType(['null', 'string', 'long'])).toEqual({ kind: 'jsonb', sqlType: 'jsonb', nullable: true });
  });

  it('resolves references to named types, with namespaces, including ones defined inside nested records', () => {
    const layout = tableLayout(
      't',
      record([
        { name: 'a', type: { type: 'record', name: 'Inner', namespace: 'other', fields: [{ name: 'level', type: { type: 'enum', name: 'Level', symbols: ['LO', 'HI'] } }] } },
        { name: 'b', type: 'other.Level' },
        { name: 'c', type: { type: 'fixed', name: 'Amount', size: 8, logicalType: 'decimal', precision: 10, scale: 3 } },
        { name: 'd', type: ['null', 'Amount'] },
        { name: 'e', type: 'test.Amount' },
      ]),
      ['b'],
    );
    expect(layout.columns.map((c) => [c.name, c.sqlType, c.nullable])).toEqual([
      ['a', 'jsonb', false],
      ['b', 'text', false],
      ['c', 'numeric(10,3)', false],
      ['d', 'numeric(10,3)', true],
      ['e', 'numeric(10,3)', false],
    ]);
  });
});

describe('table layouts', () => {
  it('maps the cold-chain risk score: snake_case columns, key in configured order', () => {
    const layout = tableLayout('risk_scores', RiskScoreSchema.schema, ['containerId', 'windowStart', 'modelName']);
    expect(layout.keyColumns).toEqual(['container_id', 'window_start', 'model_name']);
    expect(layout.columns.map((c) => `${c.name} ${c.sqlType}${c.nullable ? '' : ' NOT NULL'}`)).toEqual([
      'container_id text NOT NULL',
      'window_start timestamp with time zone NOT NULL',
      'window_end timestamp with time zone NOT NULL',
      'risk double precision NOT NULL',
      'horizon_minutes integer NOT NULL',
      'model_name text NOT NULL',
      'model_version text NOT NULL',
      'features jsonb NOT NULL',
      'scored_at timestamp with time zone NOT NULL',
    ]);
  });

  it('maps the cold-chain alert: enums as text, nullable unions, the reasons array as jsonb', () => {
    const layout = tableLayout('alerts', AlertSchema.schema, ['alertId']);
    const byName = Object.fromEntries(layout.columns.map((c) => [c.name, `${c.sqlType}${c.nullable ? ' NULL' : ''}`]));
    expect(byName).toMatchObject({ alert_id: 'text', kind: 'text', severity: 'text', risk: 'double precision NULL', model_name: 'text NULL', reasons: 'jsonb', raised_at: 'timestamp with time zone' });
  });

  it('accepts key fields by column name too', () => {
    expect(tableLayout('t', record([{ name: 'someId', type: 'string' }]), ['some_id']).keyColumns).toEqual(['some_id']);
  });

  it.each([
    ['a key field that is not a field', record([{ name: 'a', type: 'string' }]), ['b'], /key field b is not a field/],
    ['a nullable key field', record([{ name: 'a', type: ['null', 'string'] }]), ['a'], /key field a is nullable/],
    ['no key', record([{ name: 'a', type: 'string' }]), [], /no primary key/],
    ['two fields with one column name', record([{ name: 'fooBar', type: 'string' }, { name: 'foo_bar', type: 'string' }]), ['fooBar'], /fooBar and foo_bar both map to column foo_bar/],
    ['a field named like a sink column', record([{ name: '_offset', type: 'long' }, { name: 'a', type: 'string' }]), ['a'], /reserves/],
    ['values that are not records', 'string', ['a'], /not Avro records/],
    ['an invalid schema', { type: 'record', name: 'R', fields: [{ name: 'a', type: 'nope' }] } as unknown as AvroSchema, ['a'], /not valid Avro/],
  ])('refuses %s', (_what, schema, keys, message) => {
    expect(() => tableLayout('t', schema, keys)).toThrow(SchemaMappingError);
    expect(() => tableLayout('t', schema, keys)).toThrow(message);
  });
});

describe('snake_case', () => {
  it.each([
    ['containerId', 'container_id'],
    ['windowStart', 'window_start'],
    ['maxGForce', 'max_g_force'],
    ['temperatureC', 'temperature_c'],
    ['HTTPStatus', 'http_status'],
    ['slope1m', 'slope1m'],
    ['already_snake', 'already_snake'],
  ])('%s → %s', (field, column) => expect(snakeCase(field)).toBe(column));
});
