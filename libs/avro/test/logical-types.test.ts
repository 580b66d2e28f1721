import { describe, expect, it } from 'vitest';
import { avroType, type AvroSchema } from '../src/index.js';

const schema = {
  type: 'record',
  name: 'Logical',
  fields: [
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } },
    { name: 'fixedAmount', type: { type: 'fixed', name: 'Amount', size: 4, logicalType: 'decimal', precision: 9, scale: 3 } },
    { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
  ],
} as AvroSchema;
const type = avroType(schema);
const value = { at: new Date('2025-03-01T10:20:30.456Z'), day: '2024-02-29', amount: '-12.50', fixedAmount: '99999.999', id: '123e4567-e89b-12d3-a456-426614174000' };

describe('logical types', () => {
  it('round-trip as Date, YYYY-MM-DD string, exact decimal string, uuid string', () => {
    expect(type.fromBuffer(type.toBuffer(value))).toEqual(value);
  });

  it('store what the Avro spec says: epoch millis, days since epoch, two’s complement unscaled decimal', () => {
    const ts = avroType({ type: 'long' }).fromBuffer(avroType({ type: 'long', logicalType: 'timestamp-millis' }).toBuffer(value.at)) as number;
    expect(ts).toBe(value.at.getTime());
    expect(avroType({ type: 'int' }).fromBuffer(avroType({ type: 'int', logicalType: 'date' }).toBuffer('1970-01-02'))).toBe(1);
    const bytes = avroType({ type: 'bytes' }).fromBuffer(avroType({ type: 'bytes', logicalType: 'decimal', precision: 5, scale: 2 }).toBuffer('-12.50')) as Buffer;
    expect(bytes.toString('hex')).toBe('fb1e'); // -1250
  });

  it('refuse values that do not fit instead of rounding', () => {
    expect(type.isValid({ ...value, amount: '1.005' })).toBe(false); // scale 2
    expect(type.isValid({ ...value, amount: '12345678.00' })).toBe(false); // precision 9
    expect(type.isValid({ ...value, day: '2023-02-29' })).toBe(false);
    expect(type.isValid({ ...value, id: 'not-a-uuid' })).toBe(false);
    expect(type.isValid({ ...value, at: new Date(Number.NaN) })).toBe(false);
  });

  it('a timestamp-millis reader reads a plain long writer', () => {
    const reader = avroType({ type: 'long', logicalType: 'timestamp-millis' });
    const writer = avroType({ type: 'long' });
    expect(reader.fromBuffer(writer.toBuffer(5), reader.createResolver(writer))).toEqual(new Date(5));
  });
});
