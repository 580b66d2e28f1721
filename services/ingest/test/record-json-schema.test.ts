import { describe, expect, it } from 'vitest';
import { SensorReadingSchema } from '@tributary/schemas';
import type { AvroSchema } from '@tributary/avro';
import { recordJsonSchema } from '../src/record-json-schema.js';

describe('recordJsonSchema', () => {
  it('describes the reading as the validator reads it: required fields, unwrapped unions, timestamps as text or epoch ms, docs', () => {
    const schema = recordJsonSchema(SensorReadingSchema.schema);
    expect(schema).toMatchObject({ type: 'object', title: 'io.tributary.coldchain.SensorReading', additionalProperties: false });
    expect(schema['required']).toEqual(['containerId', 'eventTime', 'temperatureC', 'humidityPct', 'coolingPowerKw', 'doorOpen', 'gForce']);
    const properties = schema['properties'] as Record<string, Record<string, unknown>>;
    expect(properties['containerId']).toMatchObject({ type: 'string', description: expect.stringContaining('ISO 6346') as unknown });
    expect(properties['eventTime']?.['oneOf']).toEqual([
      { type: 'string', format: 'date-time', description: 'ISO-8601 with a zone' },
      { type: 'integer', description: 'milliseconds since the epoch' },
    ]);
    expect(properties['doorOpen']).toMatchObject({ type: 'boolean' });
    const gps = properties['gps']?.['anyOf'] as Record<string, unknown>[];
    expect(gps[0]).toEqual({ type: 'null' });
    expect(gps[1]).toMatchObject({ type: 'object', title: 'io.tributary.coldchain.GpsPosition', required: ['latitudeDeg', 'longitudeDeg'] });
    expect((gps[1]?.['properties'] as Record<string, Record<string, unknown>>)['accuracyM']).toMatchObject({ default: null, anyOf: [{ type: 'null' }, { type: 'number' }] });
  });

  it('covers enums, arrays, maps, fixed, bytes, decimals, dates, named references and recursion', () => {
    const schema: AvroSchema = {
      type: 'record',
      name: 'Node',
      namespace: 'x',
      fields: [
        { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['A', 'B'] } },
        { name: 'again', type: 'Kind' },
        { name: 'tags', type: { type: 'array', items: 'string' } },
        { name: 'attrs', type: { type: 'map', values: 'long' } },
        { name: 'hash', type: { type: 'fixed', name: 'Hash', size: 4 } },
        { name: 'blob', type: 'bytes' },
        { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } },
        { name: 'day', type: { type: 'int', logicalType: 'date' } },
        { name: 'children', type: { type: 'array', items: 'Node' }, default: [] },
      ],
    };
    const properties = recordJsonSchema(schema, true)['properties'] as Record<string, Record<string, unknown>>;
    expect(properties['kind']).toEqual({ type: 'string', enum: ['A', 'B'] });
    expect(properties['again']).toEqual({ type: 'string', enum: ['A', 'B'] });
    expect(properties['tags']).toEqual({ type: 'array', items: { type: 'string' } });
    expect(properties['attrs']).toMatchObject({ type: 'object', additionalProperties: { type: 'integer', format: 'int64' } });
    expect(properties['hash']).toMatchObject({ type: 'string', contentEncoding: 'base64' });
    expect(properties['blob']).toMatchObject({ type: 'string', contentEncoding: 'base64' });
    expect(properties['amount']).toMatchObject({ type: ['string', 'number'] });
    expect(properties['day']).toEqual({ type: 'string', format: 'date' });
    expect(properties['children']).toEqual({ type: 'array', items: { description: 'a x.Node (recursive)' }, default: [] });
    expect(recordJsonSchema(schema, true)['additionalProperties']).toBe(true);
  });
});
