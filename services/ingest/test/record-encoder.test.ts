import { avroType, type AvroSchema } from '@tributary/avro';
import { SensorReadingSchema } from '@tributary/schemas';
import { describe, expect, it } from 'vitest';
import { IngestSetupError, InvalidRecords, PayloadTooLarge, RecordTooLarge } from '../src/errors.js';
import { RecordEncoder } from '../src/record-encoder.js';
import { reading, readingSchema } from './fixtures.js';

function refusal(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
}

describe('RecordEncoder', () => {
  const encoder = new RecordEncoder(readingSchema(42), { keyField: 'containerId', maxRecordBytes: 1_000_000 });

  it('keys each record by the key field and writes the Confluent wire format with the registered id', () => {
    const [first, second] = encoder.encode([reading('MSCU1234565', 1), reading('TGHU7654321', 2)]);
    expect(first?.key).toBe('MSCU1234565');
    expect(second?.key).toBe('TGHU7654321');
    const value = first?.value as Buffer;
    expect(value[0]).toBe(0);
    expect(value.readUInt32BE(1)).toBe(42);
    const decoded = avroType(SensorReadingSchema.schema).fromBuffer(value.subarray(5)) as Record<string, unknown>;
    expect(decoded).toEqual({ ...reading('MSCU1234565', 1), eventTime: new Date(Date.UTC(2025, 0, 1, 0, 0, 1)) });
  });

  it('refuses the whole batch when one record is invalid, naming index, line, path, expected and received', () => {
    const bad = { ...reading('MSCU1234565'), temperatureC: 'cold' } as Record<string, unknown>;
    delete bad['doorOpen'];
    const error = refusal(() => encoder.encode([reading('A'), bad, reading('B'), { ...reading('C'), extra: 1 }], [1, 2, 4, 5]));
    expect(error).toBeInstanceOf(InvalidRecords);
    const invalid = error as InvalidRecords;
    expect(invalid.status).toBe(400);
    expect(invalid.invalid).toBe(2);
    expect(invalid.total).toBe(4);
    expect(invalid.records.map((r) => [r.index, r.line])).toEqual([
      [1, 2],
      [3, 5],
    ]);
    expect(invalid.records[0]?.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'temperatureC', expected: 'double (number)', received: '"cold" (string)' }),
        expect.objectContaining({ path: 'doorOpen', received: 'missing' }),
      ]),
    );
    expect(invalid.records[1]?.errors[0]?.path).toBe('extra');
    expect(invalid.message).toMatch(/^2 of 4 record\(s\) do not match the schema, so none was written; the first: record 1: /);
  });

  it('lists at most maxReportedRecords invalid records but counts all, and names every one for the dead-letter topic', () => {
    const capped = new RecordEncoder(readingSchema(), { keyField: 'containerId', maxRecordBytes: 1_000_000, maxReportedRecords: 3 });
    const error = refusal(() => capped.encode([reading('OK'), ...Array.from({ length: 10 }, () => ({}))]));
    expect((error as InvalidRecords).records).toHaveLength(3);
    expect((error as InvalidRecords).invalid).toBe(10);
    const refused = (error as InvalidRecords).refused;
    expect(refused.map((r) => r.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(refused[0]).toMatchObject({ code: 'INVALID_RECORDS', message: expect.stringMatching(/^containerId: .*; eventTime: /) as unknown });
  });

  it('accepts unknown fields when told to', () => {
    const lenient = new RecordEncoder(readingSchema(), { keyField: 'containerId', maxRecordBytes: 1_000_000, allowUnknownFields: true });
    expect(lenient.encode([{ ...reading('A'), extra: 1 }])).toHaveLength(1);
  });

  it('refuses a record whose encoding is over maxRecordBytes', () => {
    const small = new RecordEncoder(readingSchema(), { keyField: 'containerId', maxRecordBytes: 60 });
    const error = refusal(() => small.encode([reading('A'), reading('B'.repeat(100))]));
    expect(error).toBeInstanceOf(PayloadTooLarge);
    expect(error).toBeInstanceOf(RecordTooLarge);
    expect((error as PayloadTooLarge).code).toBe('RECORD_TOO_LARGE');
    expect((error as PayloadTooLarge).message).toMatch(/^record 1 encodes to \d+ bytes, above MAX_RECORD_BYTES \(60\); nothing was written$/);
    expect((error as RecordTooLarge).refused).toEqual([{ index: 1, code: 'RECORD_TOO_LARGE', message: expect.stringMatching(/^record 1 encodes/) as unknown, errors: [] }]);
  });

  it('answers 413 when any record is too large, even after invalid ones, and names both kinds for the dead-letter topic', () => {
    const small = new RecordEncoder(readingSchema(), { keyField: 'containerId', maxRecordBytes: 60 });
    const error = refusal(() => small.encode([{}, reading('B'.repeat(100)), reading('A'), reading('C'.repeat(100))], [1, 2, 3, 4]));
    expect(error).toBeInstanceOf(RecordTooLarge);
    expect((error as RecordTooLarge).message).toMatch(/^record 1 \(line 2\) encodes to \d+ bytes, above MAX_RECORD_BYTES \(60\) \(2 records are too large\); nothing was written$/);
    expect((error as RecordTooLarge).refused.map((r) => [r.index, r.line, r.code])).toEqual([
      [0, 1, 'INVALID_RECORDS'],
      [1, 2, 'RECORD_TOO_LARGE'],
      [3, 4, 'RECORD_TOO_LARGE'],
    ]);
  });

  it('refuses key fields that are missing, nullable or not a scalar', () => {
    for (const keyField of ['nope', 'gps', 'doorOpen', 'temperatureC']) {
      expect(() => new RecordEncoder(readingSchema(), { keyField, maxRecordBytes: 1_000_000 }), keyField).toThrow(IngestSetupError);
    }
    expect(() => new RecordEncoder(readingSchema(), { keyField: 'nope', maxRecordBytes: 1 })).toThrow(/KEY_FIELD "nope" is not a field of io.tributary.coldchain.SensorReading/);
  });

  it('takes int and long key fields as their decimal text', () => {
    const schema: AvroSchema = { type: 'record', name: 'Payment', fields: [{ name: 'accountId', type: 'long' }, { name: 'amount', type: 'double' }] };
    const payments = new RecordEncoder({ subject: 'payments-value', id: 7, schema, source: 'test' }, { keyField: 'accountId', maxRecordBytes: 1_000_000 });
    expect(payments.encode([{ accountId: 1_234_567_890_123, amount: 1.5 }])[0]?.key).toBe('1234567890123');
  });
});
