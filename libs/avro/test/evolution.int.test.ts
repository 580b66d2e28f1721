/**
 * Schema evolution with running producers and consumers on the real broker
 * and registry: a producer switches from v1 to v2 mid-stream while a v1
 * consumer and a v2 consumer read the same topic. Both must decode every
 * record: old writer / new reader and new writer / old reader.
 */
import { randomUUID } from 'node:crypto';
import { stackEndpoints } from '@tributary/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { avroSerde, RegistryClient, type AvroSchema } from '../src/index.js';
import { collect, createTopic, kafka } from './support.js';

const record = (fields: unknown[]): AvroSchema => ({ type: 'record', name: 'Reading', namespace: 'io.tributary.test', fields }) as AvroSchema;

interface Scenario {
  readonly name: string;
  readonly v1: AvroSchema;
  readonly v2: AvroSchema;
  readonly write1: (i: number) => Record<string, unknown>;
  readonly write2: (i: number) => Record<string, unknown>;
  /** What a v1 reader sees for record i written with v2, and a v2 reader for record i written with v1. */
  readonly v1Reads2: (i: number) => Record<string, unknown>;
  readonly v2Reads1: (i: number) => Record<string, unknown>;
}

const scenarios: Scenario[] = [
  {
    name: 'add an optional field with a default',
    v1: record([{ name: 'id', type: 'string' }, { name: 'temperatureC', type: 'double' }]),
    v2: record([{ name: 'id', type: 'string' }, { name: 'temperatureC', type: 'double' }, { name: 'humidityPct', type: ['null', 'double'], default: null }]),
    write1: (i) => ({ id: `c${i}`, temperatureC: i + 0.5 }),
    write2: (i) => ({ id: `c${i}`, temperatureC: i + 0.5, humidityPct: 80 + i }),
    v1Reads2: (i) => ({ id: `c${i}`, temperatureC: i + 0.5 }), // the new field is skipped
    v2Reads1: (i) => ({ id: `c${i}`, temperatureC: i + 0.5, humidityPct: null }), // the default fills in
  },
  {
    name: 'remove a field that had a default',
    v1: record([{ name: 'id', type: 'string' }, { name: 'temperatureC', type: 'double' }, { name: 'firmware', type: 'string', default: 'unknown' }]),
    v2: record([{ name: 'id', type: 'string' }, { name: 'temperatureC', type: 'double' }]),
    write1: (i) => ({ id: `c${i}`, temperatureC: i + 0.5, firmware: `fw-${i}` }),
    write2: (i) => ({ id: `c${i}`, temperatureC: i + 0.5 }),
    v1Reads2: (i) => ({ id: `c${i}`, temperatureC: i + 0.5, firmware: 'unknown' }), // the old reader's default
    v2Reads1: (i) => ({ id: `c${i}`, temperatureC: i + 0.5 }), // the removed field is skipped
  },
  {
    name: 'rename a field with an alias',
    v1: record([{ name: 'id', type: 'string' }, { name: 'temp', type: 'double', default: 0 }]),
    v2: record([{ name: 'id', type: 'string' }, { name: 'temperatureC', aliases: ['temp'], type: 'double', default: 0 }]),
    write1: (i) => ({ id: `c${i}`, temp: i + 0.5 }),
    write2: (i) => ({ id: `c${i}`, temperatureC: i + 0.5 }),
    // Avro resolves aliases of the reader only: a v1 reader does not know the new name and takes its default.
    v1Reads2: (i) => ({ id: `c${i}`, temp: 0 }),
    v2Reads1: (i) => ({ id: `c${i}`, temperatureC: i + 0.5 }), // the alias maps temp → temperatureC
  },
];

const PER_VERSION = 20;

describe('evolution mid-stream, real broker and registry', () => {
  const client = kafka();
  let registry: RegistryClient;
  const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });

  beforeAll(async () => {
    registry = new RegistryClient({ url: stackEndpoints().SCHEMA_REGISTRY_URL });
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
  });

  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const topic = `evolution.${scenario.name.replace(/\W+/g, '-')}.${randomUUID().slice(0, 8)}`;
      await createTopic(client, topic);
      const writer1 = avroSerde<Record<string, unknown>>(scenario.v1, { registry });
      const writer2 = avroSerde<Record<string, unknown>>(scenario.v2, { registry });
      // Consumers run before anything is written, with fresh serdes (nothing cached): they learn writer schemas from the ids.
      const reader1 = await collect(client, topic, avroSerde<Record<string, unknown>>(scenario.v1, { registry: stackEndpoints().SCHEMA_REGISTRY_URL }), `${topic}.v1`);
      const reader2 = await collect(client, topic, avroSerde<Record<string, unknown>>(scenario.v2, { registry: stackEndpoints().SCHEMA_REGISTRY_URL }), `${topic}.v2`);
      try {
        for (let i = 0; i < PER_VERSION; i++) {
          await producer.send({ topic, messages: [{ key: `c${i}`, value: await writer1.serialize(scenario.write1(i), { topic, isKey: false }) }] });
        }
        await reader1.waitFor(PER_VERSION);
        // Mid-stream: the producer is upgraded to v2 (registered under the registry's BACKWARD rule).
        for (let i = 0; i < PER_VERSION; i++) {
          await producer.send({ topic, messages: [{ key: `c${i}`, value: await writer2.serialize(scenario.write2(i), { topic, isKey: false }) }] });
        }
        await reader1.waitFor(2 * PER_VERSION);
        await reader2.waitFor(2 * PER_VERSION);

        const ids = [await writer1.prepare(topic), await writer2.prepare(topic)];
        expect(ids[0]).not.toBe(ids[1]);
        expect(await registry.versions(`${topic}-value`)).toEqual([1, 2]);
        const indices = Array.from({ length: PER_VERSION }, (_, i) => i);
        expect(reader1.errors).toEqual([]);
        expect(reader2.errors).toEqual([]);
        expect(reader1.values).toEqual([...indices.map(scenario.write1), ...indices.map(scenario.v1Reads2)]);
        expect(reader2.values).toEqual([...indices.map(scenario.v2Reads1), ...indices.map(scenario.write2)]);
      } finally {
        await reader1.stop();
        await reader2.stop();
      }
    });
  }
});
