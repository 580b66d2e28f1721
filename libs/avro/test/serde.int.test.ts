/**
 * The serde against the real registry: round trips, the synchronous hot
 * path, subject strategies, and the typed errors the runtime's DLQ routes.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { stackEndpoints } from '@tributary/testing/vitest';
import { ContainerReferenceSchema, SensorReadingSchema, type ContainerReference, type SensorReading } from '@tributary/schemas';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  avroSerde,
  CorruptPayload,
  DecodeError,
  IncompatibleSchema,
  InvalidValue,
  RegistryClient,
  RegistryUnavailable,
  SchemaNotRegistered,
  TruncatedPayload,
  UnknownMagicByte,
  UnknownSchemaId,
  type AvroSchema,
} from '../src/index.js';

const reading: SensorReading = {
  containerId: 'MSCU1234565',
  eventTime: new Date('2025-01-01T12:00:00.250Z'),
  temperatureC: 4.5,
  humidityPct: 82,
  coolingPowerKw: 3.1,
  doorOpen: false,
  gForce: 1.02,
  gps: { latitudeDeg: 51.9, longitudeDeg: 4.1, accuracyM: null },
};
const container: ContainerReference = {
  containerId: 'MSCU1234565',
  shipmentId: '123e4567-e89b-12d3-a456-426614174000',
  cargoClass: 'PHARMA',
  cargoDescription: 'vaccines',
  setpointC: 5,
  toleranceC: 3,
  cargoValueUsd: '125000.50',
  loadedOn: '2025-01-01',
  updatedAt: new Date('2025-01-01T00:00:00Z'),
};

const uniqueTopic = (name: string): string => `serde.${name}.${randomUUID().slice(0, 8)}`;

describe('Avro serde on the real registry', () => {
  let registry: RegistryClient;
  beforeAll(() => {
    registry = new RegistryClient({ url: stackEndpoints().SCHEMA_REGISTRY_URL });
  });

  it('round-trips the cold-chain records with their logical types, in the Confluent wire format', async () => {
    const topic = uniqueTopic('roundtrip');
    const serde = avroSerde(SensorReadingSchema, { registry });
    const bytes = await serde.serialize(reading, { topic, isKey: false });
    const id = (await registry.latest(`${topic}-value`))?.id;
    expect(bytes[0]).toBe(0);
    expect(bytes.readUInt32BE(1)).toBe(id);
    // A fresh serde (another process) learns the writer schema from the id.
    const other = avroSerde(SensorReadingSchema, { registry: stackEndpoints().SCHEMA_REGISTRY_URL });
    expect(await other.deserialize(bytes, { topic, isKey: false })).toEqual(reading);

    const containers = avroSerde(ContainerReferenceSchema, { registry });
    const encoded = await containers.serialize(container, { topic: uniqueTopic('containers'), isKey: false });
    expect(await avroSerde(ContainerReferenceSchema, { registry: stackEndpoints().SCHEMA_REGISTRY_URL }).deserialize(encoded, { topic, isKey: false })).toEqual(container);
  });

  it('answers synchronously once the schema id and the writer schema are cached', async () => {
    const topic = uniqueTopic('sync');
    const writer = avroSerde(SensorReadingSchema, { registry });
    const first = writer.serialize(reading, { topic, isKey: false });
    expect(first).toBeInstanceOf(Promise);
    const bytes = await first;
    const again = writer.serialize(reading, { topic, isKey: false });
    expect(Buffer.isBuffer(again)).toBe(true);

    const reader = avroSerde(SensorReadingSchema, { registry: stackEndpoints().SCHEMA_REGISTRY_URL });
    expect(reader.deserialize(bytes, { topic, isKey: false })).toBeInstanceOf(Promise); // cache miss
    await reader.warm(bytes.readUInt32BE(1));
    expect(reader.deserialize(bytes, { topic, isKey: false })).toEqual(reading); // not a Promise

    const prepared = avroSerde(SensorReadingSchema, { registry: stackEndpoints().SCHEMA_REGISTRY_URL });
    await prepared.prepare(topic);
    expect(Buffer.isBuffer(prepared.serialize(reading, { topic, isKey: false }))).toBe(true);
    expect(prepared.deserialize(bytes, { topic, isKey: false })).toEqual(reading); // its own schema needs no lookup
  });

  it('uses TopicNameStrategy by default and RecordNameStrategy as an option', async () => {
    const topic = uniqueTopic('subjects');
    const namespace = `io.tributary.test${randomUUID().slice(0, 8)}`;
    const schema = { type: 'record', name: 'Ping', namespace, fields: [{ name: 'n', type: 'int' }] } as AvroSchema;
    await avroSerde(schema, { registry }).serialize({ n: 1 }, { topic, isKey: false });
    await avroSerde(schema, { registry, subjectStrategy: 'record' }).serialize({ n: 1 }, { topic, isKey: false });
    expect(await registry.versions(`${topic}-value`)).toEqual([1]);
    expect(await registry.versions(`${namespace}.Ping`)).toEqual([1]);
  });

  it('without autoRegister, serialize looks the schema up and names the command when it is missing', async () => {
    const topic = uniqueTopic('noauto');
    const serde = avroSerde(SensorReadingSchema, { registry, autoRegister: false });
    await expect(serde.prepare(topic)).rejects.toThrow(SchemaNotRegistered);
    await expect(serde.prepare(topic)).rejects.toThrow(/npm run schemas -- register/);
    await registry.register(`${topic}-value`, JSON.stringify(SensorReadingSchema.schema));
    expect(await serde.prepare(topic)).toBeGreaterThan(0);
  });

  it('refuses a value that does not fit, naming the field', async () => {
    const serde = avroSerde(SensorReadingSchema, { registry });
    const bad = { ...reading, temperatureC: 'warm' } as unknown as SensorReading;
    await expect(Promise.resolve().then(() => serde.serialize(bad, { topic: uniqueTopic('invalid'), isKey: false }))).rejects.toThrow(InvalidValue);
    await expect(Promise.resolve().then(() => serde.serialize(bad, { topic: uniqueTopic('invalid'), isKey: false }))).rejects.toThrow(/temperatureC = "warm"/);
  });
});

describe('typed decode errors', () => {
  let registry: RegistryClient;
  let good: Buffer;
  const topic = uniqueTopic('errors');
  const serde = (): ReturnType<typeof avroSerde<SensorReading>> => avroSerde(SensorReadingSchema, { registry });
  beforeAll(async () => {
    registry = new RegistryClient({ url: stackEndpoints().SCHEMA_REGISTRY_URL });
    good = (await serde().serialize(reading, { topic, isKey: false }));
  });

  const decodeError = async (data: Buffer, s = serde()): Promise<unknown> => {
    try {
      await s.deserialize(data, { topic, isKey: false });
    } catch (error) {
      return error;
    }
    throw new Error('expected the payload to be refused');
  };

  it('wrong magic byte → UnknownMagicByte (code UNKNOWN_MAGIC_BYTE, not retriable)', async () => {
    const error = await decodeError(Buffer.from(JSON.stringify({ temperatureC: 4 })));
    expect(error).toBeInstanceOf(UnknownMagicByte);
    expect(error).toMatchObject({ name: 'UnknownMagicByte', code: 'UNKNOWN_MAGIC_BYTE', retriable: false, magicByte: '{'.charCodeAt(0) });
  });

  it('unknown schema id → UnknownSchemaId, from the registry’s 404', async () => {
    const data = Buffer.from(good);
    data.writeUInt32BE(987_654, 1);
    const error = await decodeError(data);
    expect(error).toBeInstanceOf(UnknownSchemaId);
    expect(error).toMatchObject({ code: 'UNKNOWN_SCHEMA_ID', retriable: false, schemaId: 987_654 });
    expect((error as Error).message).toContain('schema id 987654 is not registered');
  });

  it('truncated payloads → TruncatedPayload, header or body', async () => {
    for (const cut of [0, 3, good.length - 1, 6]) {
      const error = await decodeError(good.subarray(0, cut));
      expect(error, `cut at ${cut}`).toBeInstanceOf(TruncatedPayload);
      expect(error).toMatchObject({ code: 'TRUNCATED_PAYLOAD', retriable: false });
    }
  });

  it('corrupt bytes → CorruptPayload (bad union index, bytes left over)', async () => {
    // gps is the last field: ["null", GpsPosition]; union index 7 does not exist.
    const badUnion = Buffer.from(good);
    const gpsAt = good.length - 1 - 8 - 8 - 1; // index varint, lat, lon, accuracy union index (null)
    badUnion[gpsAt] = 14; // zig-zag 7
    expect(await decodeError(badUnion)).toBeInstanceOf(CorruptPayload);
    const trailing = Buffer.concat([good, Buffer.from([1, 2, 3])]);
    const error = await decodeError(trailing);
    expect(error).toBeInstanceOf(CorruptPayload);
    expect((error as Error).message).toMatch(/3 bytes left over/);
  });

  it('a writer schema the reader cannot resolve → IncompatibleSchema', async () => {
    const other = { type: 'record', name: 'SensorReading', namespace: 'io.tributary.coldchain', fields: [{ name: 'containerId', type: 'long' }] } as AvroSchema;
    const data = (await avroSerde(other, { registry }).serialize({ containerId: 5 }, { topic: uniqueTopic('incompatible'), isKey: false }));
    const error = await decodeError(data);
    expect(error).toBeInstanceOf(IncompatibleSchema);
    expect(error).toMatchObject({ code: 'INCOMPATIBLE_SCHEMA', retriable: false });
  });

  it('an unreachable registry → RegistryUnavailable, retriable (not a poison pill)', async () => {
    const server: Server = createServer((socket) => socket.destroy()); // accepts, then hangs up
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const closed = avroSerde(SensorReadingSchema, { registry: { url: `http://127.0.0.1:${port}/apis/ccompat/v7`, retries: 0 } });
    try {
      const error = await decodeError(good, closed);
      expect(error).toBeInstanceOf(RegistryUnavailable);
      expect(error).toMatchObject({ name: 'RegistryUnavailable', code: 'REGISTRY_UNAVAILABLE', retriable: true });
      await expect(Promise.resolve().then(() => closed.serialize(reading, { topic, isKey: false }))).rejects.toMatchObject({ retriable: true });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const refused = avroSerde(SensorReadingSchema, { registry: { url: `http://127.0.0.1:${port}`, retries: 0 } });
    expect(await decodeError(good, refused)).toBeInstanceOf(RegistryUnavailable); // nothing listens any more
  });

  it('a registry that never answers → RegistryUnavailable after the timeout, not a hang', async () => {
    const sockets: Socket[] = [];
    const server: Server = createServer((socket) => void sockets.push(socket)); // accepts, never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const silent = avroSerde(SensorReadingSchema, { registry: { url: `http://127.0.0.1:${port}`, retries: 0, timeoutMs: 300 } });
    try {
      const started = performance.now();
      expect(await decodeError(good, silent)).toMatchObject({ name: 'RegistryUnavailable', retriable: true });
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('decoder fuzz (random bytes: typed errors only, no crash, no hang)', () => {
  let registry: RegistryClient;
  const topic = uniqueTopic('fuzz');
  beforeAll(() => {
    registry = new RegistryClient({ url: stackEndpoints().SCHEMA_REGISTRY_URL });
  });
  const context = { topic, isKey: false };

  /** Decodes `data` behind a cached id: must answer synchronously, with a value or a DecodeError. */
  function survivesSync(serde: { deserialize(data: Buffer, context: { topic: string; isKey: boolean }): unknown }, data: Buffer): void {
    try {
      const value = serde.deserialize(data, context);
      expect(value).not.toBeInstanceOf(Promise);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
    }
  }

  it('fully random bytes (unknown ids go to the registry once, then are remembered)', async () => {
    const serde = avroSerde(SensorReadingSchema, { registry });
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        try {
          await serde.deserialize(Buffer.from(bytes), context);
        } catch (error) {
          if (!(error instanceof DecodeError)) throw error;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a known schema id followed by random bytes, and valid records with bytes flipped or cut (the decoder itself)', async () => {
    for (const [schema, value] of [
      [SensorReadingSchema, reading],
      [ContainerReferenceSchema, container],
    ] as const) {
      const serde = avroSerde<unknown>(schema, { registry });
      const good = await serde.serialize(value, { topic: uniqueTopic('fuzz-known'), isKey: false });
      const header = good.subarray(0, 5);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (body) => survivesSync(serde, Buffer.concat([header, body]))),
        { numRuns: 5000 },
      );
      fc.assert(
        fc.property(fc.integer({ min: 5, max: good.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 5, max: good.length }), (at, byte, cut) => {
          const flipped = Buffer.from(good);
          flipped[at] = byte;
          survivesSync(serde, flipped.subarray(0, cut));
        }),
        { numRuns: 5000 },
      );
    }
  });

  it('schemas with arrays and maps: a huge block count is refused, not looped over', async () => {
    const schema = { type: 'record', name: 'Lists', fields: [{ name: 'xs', type: { type: 'array', items: 'double' } }, { name: 'm', type: { type: 'map', values: 'string' } }] } as AvroSchema;
    const serde = avroSerde<unknown>(schema, { registry });
    const good = await serde.serialize({ xs: [1, 2], m: { a: 'b' } }, { topic: uniqueTopic('fuzz-lists'), isKey: false });
    const header = good.subarray(0, 5);
    const huge = Buffer.concat([header, Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f])]); // ~2^31 items
    const started = performance.now();
    expect(() => serde.deserialize(huge, context)).toThrow(CorruptPayload);
    expect(performance.now() - started).toBeLessThan(100);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (body) => survivesSync(serde, Buffer.concat([header, body]))),
      { numRuns: 5000 },
    );
  });
});
