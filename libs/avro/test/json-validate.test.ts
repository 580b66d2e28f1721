import { describe, expect, it } from 'vitest';
import { JsonValidator, validateJson } from '../src/index.js';
import { SensorReadingSchema, ContainerReferenceSchema } from '@tributary/schemas';

const good = {
  containerId: 'MSCU1234565',
  eventTime: '2025-01-01T12:00:00.250Z',
  temperatureC: 4.5,
  humidityPct: 82,
  coolingPowerKw: 3.1,
  doorOpen: false,
  gForce: 1.02,
  gps: { latitudeDeg: 51.9, longitudeDeg: 4.1 },
};

describe('JSON → Avro validation', () => {
  const validator = new JsonValidator(SensorReadingSchema);

  it('accepts a valid document and converts it to what the serde writes (Date, defaults filled)', () => {
    const result = validator.validate(good);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.eventTime).toEqual(new Date('2025-01-01T12:00:00.250Z'));
    expect(result.value.gps).toEqual({ latitudeDeg: 51.9, longitudeDeg: 4.1, accuracyM: null });
    expect(validator.validate({ ...good, eventTime: 1735732800250 }).ok).toBe(true);
    expect(validator.validate({ ...good, gps: null }).ok).toBe(true);
    expect(validator.validate({ ...good, gps: undefined }).ok).toBe(true); // default null
  });

  it('names the field path, the expected type and the value received for every error', () => {
    const result = validator.validate({ ...good, temperatureC: '4.5', eventTime: 'yesterday', gps: { latitudeDeg: 'north', longitudeDeg: 4.1 }, doorOpen: undefined, extra: 1 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      { path: 'eventTime', expected: 'timestamp-millis (ISO-8601 string with zone, or epoch milliseconds)', received: '"yesterday" (string)', message: expect.stringContaining('eventTime: expected timestamp-millis') as string },
      { path: 'temperatureC', expected: 'double (number)', received: '"4.5" (string)', message: 'temperatureC: expected double (number), received "4.5" (string)' },
      { path: 'doorOpen', expected: 'boolean', received: 'missing', message: 'doorOpen: expected boolean, received missing' },
      { path: 'gps.latitudeDeg', expected: 'double (number)', received: '"north" (string)', message: 'gps.latitudeDeg: expected double (number), received "north" (string)' },
      { path: 'extra', expected: expect.stringContaining('no such field') as string, received: '1 (number)', message: expect.any(String) as string },
    ]);
  });

  it('unknown fields can be allowed', () => {
    expect(new JsonValidator(SensorReadingSchema, { allowUnknownFields: true }).validate({ ...good, extra: 1 }).ok).toBe(true);
  });

  it('checks logical types: uuid, date, decimal within its scale, enum symbols', () => {
    const container = {
      containerId: 'MSCU1234565',
      shipmentId: '123e4567-e89b-12d3-a456-426614174000',
      cargoClass: 'PHARMA',
      cargoDescription: 'vaccines',
      setpointC: 5,
      toleranceC: 3,
      cargoValueUsd: '125000.50',
      loadedOn: '2025-01-01',
      updatedAt: '2025-01-01T00:00:00Z',
    };
    expect(validateJson(ContainerReferenceSchema, container)).toMatchObject({ ok: true, value: { cargoValueUsd: '125000.50', loadedOn: '2025-01-01' } });
    const bad = validateJson(ContainerReferenceSchema, { ...container, shipmentId: 'nope', cargoClass: 'FISH', cargoValueUsd: '1.005', loadedOn: '2025-02-30' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors.map((e) => [e.path, e.expected])).toEqual([
      ['shipmentId', 'uuid (8-4-4-4-12 hex string)'],
      ['cargoClass', 'one of FROZEN, CHILLED, PHARMA, PRODUCE, OTHER'],
      ['cargoValueUsd', 'decimal(14, 2) (string or number with at most 2 decimals)'],
      ['loadedOn', 'date (YYYY-MM-DD)'],
    ]);
  });

  it('a non-object document is one error at the root', () => {
    expect(validator.validate([1, 2])).toEqual({
      ok: false,
      errors: [{ path: '(root)', expected: 'record SensorReading (JSON object)', received: '[1,2] (array)', message: '(root): expected record SensorReading (JSON object), received [1,2] (array)' }],
    });
  });
});
