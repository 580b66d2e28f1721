import { describe, expect, it } from 'vitest';
import type { AvroSchema } from '@tributary/avro';
import { tableLayout } from '../src/columns.js';
import { planMigration, type ExistingTable } from '../src/migration-plan.js';

const layout = (fields: { name: string; type: unknown }[]) =>
  tableLayout('readings', { type: 'record', name: 'R', fields } as unknown as AvroSchema, ['id']);

const v1 = layout([
  { name: 'id', type: 'string' },
  { name: 'value', type: 'double' },
  { name: 'note', type: 'string' },
]);

/** The table v1 created, as the database describes it. */
const existing = (overrides: Record<string, { sqlType: string; notNull: boolean }> = {}, primaryKey = ['id']): ExistingTable => ({
  columns: new Map(
    Object.entries({
      id: { sqlType: 'text', notNull: true },
      value: { sqlType: 'double precision', notNull: true },
      note: { sqlType: 'text', notNull: true },
      _topic: { sqlType: 'text', notNull: true },
      _partition: { sqlType: 'integer', notNull: true },
      _offset: { sqlType: 'bigint', notNull: true },
      _written_at: { sqlType: 'timestamp with time zone', notNull: true },
      ...overrides,
    }),
  ),
  primaryKey,
});

describe('migration plans', () => {
  it('creates a missing table with the sink columns and the primary key', () => {
    const plan = planMigration('public', v1, undefined);
    expect(plan.problems).toEqual([]);
    expect(plan.statements).toEqual([
      'CREATE TABLE "public"."readings" (\n' +
        '  "id" text NOT NULL,\n  "value" double precision NOT NULL,\n  "note" text NOT NULL,\n' +
        '  "_topic" text NOT NULL,\n  "_partition" integer NOT NULL,\n  "_offset" bigint NOT NULL,\n' +
        '  "_written_at" timestamp with time zone NOT NULL DEFAULT now(),\n  PRIMARY KEY ("id")\n)',
    ]);
  });

  it('changes nothing when the table matches', () => {
    expect(planMigration('public', v1, existing())).toEqual({ statements: [], problems: [] });
  });

  it('adds a new field as a nullable column, relaxes a field that became optional, and one that disappeared', () => {
    const v2 = layout([
      { name: 'id', type: 'string' },
      { name: 'value', type: ['null', 'double'] },
      { name: 'batteryPct', type: 'double' },
    ]);
    expect(planMigration('s', v2, existing())).toEqual({
      problems: [],
      statements: [
        'ALTER TABLE "s"."readings" ALTER COLUMN "value" DROP NOT NULL',
        'ALTER TABLE "s"."readings" ADD COLUMN "battery_pct" double precision',
        'ALTER TABLE "s"."readings" ALTER COLUMN "note" DROP NOT NULL',
      ],
    });
  });

  it('refuses a type change and a different primary key, naming both', () => {
    const plan = planMigration('public', v1, existing({ value: { sqlType: 'integer', notNull: true } }, ['note']));
    expect(plan.problems).toHaveLength(2);
    expect(plan.problems[0]).toMatch(/primary key is \(note\) but SINK_TOPICS configures \(id\)/);
    expect(plan.problems[1]).toMatch(/column value is integer but field value now maps to double precision/);
  });
});
