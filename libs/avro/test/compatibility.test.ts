import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { avroType, canRead, checkCompatibility, type AvroSchema } from '../src/index.js';

const record = (fields: unknown[], extra: Record<string, unknown> = {}): AvroSchema => ({ type: 'record', name: 'Reading', namespace: 'test', fields, ...extra }) as AvroSchema;
const v1 = record([
  { name: 'id', type: 'string' },
  { name: 'temperatureC', type: 'double' },
  { name: 'note', type: ['null', 'string'], default: null },
]);

/** avsc's own resolver agrees with the checker: it builds exactly when no incompatibility is found. */
function avscCanRead(reader: AvroSchema, writer: AvroSchema): boolean {
  try {
    avroType(reader).createResolver(avroType(writer));
    return true;
  } catch {
    return false;
  }
}

describe('canRead (Avro schema resolution, with the field named)', () => {
  const cases: { name: string; reader: AvroSchema; writer: AvroSchema; rule?: string; path?: string }[] = [
    { name: 'identical', reader: v1, writer: v1 },
    { name: 'added optional field', reader: record([...(v1 as { fields: unknown[] }).fields, { name: 'humidityPct', type: ['null', 'double'], default: null }]), writer: v1 },
    {
      name: 'added field without default',
      reader: record([...(v1 as { fields: unknown[] }).fields, { name: 'humidityPct', type: 'double' }]),
      writer: v1,
      rule: 'READER_FIELD_MISSING_DEFAULT_VALUE',
      path: 'humidityPct',
    },
    { name: 'removed field', reader: record([{ name: 'id', type: 'string' }]), writer: v1 },
    { name: 'type change', reader: record([{ name: 'id', type: 'string' }, { name: 'temperatureC', type: 'string' }]), writer: v1, rule: 'TYPE_MISMATCH', path: 'temperatureC' },
    { name: 'int promoted to double', reader: record([{ name: 'n', type: 'double' }]), writer: record([{ name: 'n', type: 'int' }]) },
    { name: 'double narrowed to int', reader: record([{ name: 'n', type: 'int' }]), writer: record([{ name: 'n', type: 'double' }]), rule: 'TYPE_MISMATCH', path: 'n' },
    { name: 'rename with alias', reader: record([{ name: 'id', type: 'string' }, { name: 'tempC', aliases: ['temperatureC'], type: 'double' }]), writer: v1 },
    {
      name: 'nested field type change',
      reader: record([{ name: 'gps', type: ['null', { type: 'record', name: 'Gps', fields: [{ name: 'lat', type: 'string' }] }], default: null }]),
      writer: record([{ name: 'gps', type: ['null', { type: 'record', name: 'Gps', fields: [{ name: 'lat', type: 'double' }] }], default: null }]),
      rule: 'TYPE_MISMATCH',
      path: 'gps.lat',
    },
    {
      name: 'enum symbol removed, no default',
      reader: record([{ name: 'c', type: { type: 'enum', name: 'C', symbols: ['A'] } }]),
      writer: record([{ name: 'c', type: { type: 'enum', name: 'C', symbols: ['A', 'B'] } }]),
      rule: 'MISSING_ENUM_SYMBOLS',
      path: 'c',
    },
    {
      name: 'enum symbol removed, with default',
      reader: record([{ name: 'c', type: { type: 'enum', name: 'C', symbols: ['A', 'Z'], default: 'Z' } }]),
      writer: record([{ name: 'c', type: { type: 'enum', name: 'C', symbols: ['A', 'B'] } }]),
    },
    {
      name: 'union branch dropped',
      reader: record([{ name: 'v', type: ['null', 'string'] }]),
      writer: record([{ name: 'v', type: ['null', 'string', 'long'] }]),
      rule: 'MISSING_UNION_BRANCH',
      path: 'v',
    },
    { name: 'record renamed without alias', reader: record([{ name: 'id', type: 'string' }], { name: 'Other' }), writer: v1, rule: 'NAME_MISMATCH', path: '(root)' },
    { name: 'array items promoted', reader: record([{ name: 'xs', type: { type: 'array', items: 'long' } }]), writer: record([{ name: 'xs', type: { type: 'array', items: 'int' } }]) },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.rule ?? 'compatible'}`, () => {
      const found = canRead(avroType(c.reader), avroType(c.writer));
      if (c.rule === undefined) expect(found).toEqual([]);
      else expect(found).toContainEqual(expect.objectContaining({ type: c.rule, path: c.path }));
      expect(avscCanRead(c.reader, c.writer)).toBe(c.rule === undefined);
    });
  }
});

describe('checkCompatibility under a level', () => {
  const withRequired = record([...(v1 as { fields: unknown[] }).fields, { name: 'humidityPct', type: 'double' }]);
  const withoutTemperature = record([{ name: 'id', type: 'string' }, { name: 'note', type: ['null', 'string'], default: null }]);

  it('BACKWARD refuses a new field without a default and says to give it one', () => {
    const [v] = checkCompatibility('BACKWARD', withRequired, [{ version: 1, schema: v1 }]);
    expect(v).toMatchObject({ path: 'humidityPct', type: 'READER_FIELD_MISSING_DEFAULT_VALUE', direction: 'backward', version: 1 });
    expect(v?.advice).toMatch(/give it a default/);
  });

  it('BACKWARD accepts removing a field; FORWARD refuses it when the old version had no default', () => {
    expect(checkCompatibility('BACKWARD', withoutTemperature, [{ version: 1, schema: v1 }])).toEqual([]);
    const [v] = checkCompatibility('FORWARD', withoutTemperature, [{ version: 1, schema: v1 }]);
    expect(v).toMatchObject({ path: 'temperatureC', type: 'READER_FIELD_MISSING_DEFAULT_VALUE', direction: 'forward' });
    expect(v?.advice).toMatch(/removed/);
  });

  it('FULL checks both directions; NONE nothing', () => {
    const both = checkCompatibility('FULL', withRequired, [{ version: 1, schema: v1 }]);
    expect(both.map((v) => v.direction)).toEqual(['backward']);
    expect(checkCompatibility('NONE', withRequired, [{ version: 1, schema: v1 }])).toEqual([]);
  });

  it('a transitive level checks every version, a plain one only the latest', () => {
    const v2 = record([{ name: 'id', type: 'string' }, { name: 'temperatureC', type: 'double' }, { name: 'note', type: ['null', 'string'], default: null }, { name: 'x', type: 'int', default: 0 }]);
    const v3 = record([{ name: 'id', type: 'string' }, { name: 'temperatureC', type: 'double' }, { name: 'x', type: 'int' }]);
    // v3 has x without default: v1 lacks x, v2 has it.
    expect(checkCompatibility('BACKWARD', v3, [{ version: 1, schema: v1 }, { version: 2, schema: v2 }])).toEqual([]);
    expect(checkCompatibility('BACKWARD_TRANSITIVE', v3, [{ version: 1, schema: v1 }, { version: 2, schema: v2 }])).toEqual([
      expect.objectContaining({ path: 'x', version: 1 }),
    ]);
  });

  it('no registered version: nothing to break', () => {
    expect(checkCompatibility('FULL_TRANSITIVE', withRequired, [])).toEqual([]);
  });
});

it('avsc is the same module the serde uses', () => {
  expect(avroType({ type: 'string' })).toBeInstanceOf(avro.Type);
});
