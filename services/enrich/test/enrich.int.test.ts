/**
 * The enrich service as deployed: main.ts in its own process against the
 * real broker and registry, Avro on every topic. The reference topic is
 * loaded before the service starts (global table at start), then updated and
 * tombstoned while it runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { avroSerde, RegistryClient } from '@tributary/avro';
import { ContainerReferenceSchema, EnrichedReadingSchema, SensorReadingSchema } from '@tributary/schemas';
import { DLQ_HEADERS } from '@tributary/streams';
import { stackEndpoints } from '../../../libs/testing/src/vitest/endpoints.js';
import { reading, reference } from './fixtures.js';
import { ServiceProcess, createTopics, kafkaClient, produce, readRecords } from '@tributary/testing';

describe('enrich service (broker, registry, Avro)', () => {
  const id = `enrich-it-${Date.now()}`;
  const topics = { readings: `${id}.readings`, containers: `${id}.containers`, enriched: `${id}.enriched` };
  const applicationId = `${id}-app`;
  let service: ServiceProcess | undefined;

  const { KAFKA_BOOTSTRAP, SCHEMA_REGISTRY_URL } = stackEndpoints();
  const kafka = kafkaClient(KAFKA_BOOTSTRAP);
  const registry = new RegistryClient({ url: SCHEMA_REGISTRY_URL });
  const readings = avroSerde(SensorReadingSchema, { registry });
  const containers = avroSerde(ContainerReferenceSchema, { registry });
  const enriched = avroSerde(EnrichedReadingSchema, { registry });
  const encode = {
    reading: async (r: ReturnType<typeof reading>) => readings.serialize(r, { topic: topics.readings, isKey: false }),
    reference: async (r: ReturnType<typeof reference>) => containers.serialize(r, { topic: topics.containers, isKey: false }),
  };

  beforeAll(async () => {
    await createTopics(kafka, [
      { topic: topics.readings, numPartitions: 2 },
      { topic: topics.containers, numPartitions: 2, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      { topic: topics.enriched, numPartitions: 2 },
    ]);
    await produce(kafka, topics.containers, [{ key: 'MSKU1', value: await encode.reference(reference('MSKU1', { cargoClass: 'CHILLED', setpointC: 2, toleranceC: 1 })) }]);
    service = new ServiceProcess({
      entry: 'services/enrich/src/main.ts',
      env: {
        KAFKA_BROKERS: KAFKA_BOOTSTRAP,
        SCHEMA_REGISTRY_URL,
        HTTP_PORT: '0',
        APPLICATION_ID: applicationId,
        INPUT_TOPIC: topics.readings,
        REFERENCE_TOPIC: topics.containers,
        OUTPUT_TOPIC: topics.enriched,
        UNMATCHED: 'dlq',
      },
    });
    await service.ready();
  });
  afterAll(() => service?.kill());

  it('enriches matched readings, dead-letters unmatched ones, follows reference updates and tombstones, and stops cleanly', async () => {
    const url = await (service as ServiceProcess).url();
    await produce(kafka, topics.readings, [
      { key: 'MSKU1', value: await encode.reading(reading('MSKU1', { temperatureC: 3.5 })) },
      { key: 'NOPE1', value: await encode.reading(reading('NOPE1')) },
    ]);
    const first = await readRecords(kafka, topics.enriched, 1);
    const value = await enriched.deserialize(first[0]?.value as Buffer, { topic: topics.enriched, isKey: false });
    expect(first[0]?.key).toBe('MSKU1');
    expect(value).toMatchObject({ containerId: 'MSKU1', matched: true, cargoClass: 'CHILLED', setpointC: 2, toleranceC: 1, deviationC: 1.5 });

    // A new reference record, then a tombstone, while running (the global table follows the topic).
    await produce(kafka, topics.containers, [{ key: 'MSKU1', value: await encode.reference(reference('MSKU1', { cargoClass: 'PHARMA', setpointC: 5, toleranceC: 2 })) }]);
    await expect.poll(async () => ((await (await fetch(`${url}/stores/containers/MSKU1`)).json()) as { value?: { setpointC?: number } }).value?.setpointC, { timeout: 30_000 }).toBe(5);
    await produce(kafka, topics.readings, [{ key: 'MSKU1', value: await encode.reading(reading('MSKU1', { temperatureC: 3.5 })) }]);
    const second = await readRecords(kafka, topics.enriched, 2);
    expect(await enriched.deserialize(second[1]?.value as Buffer, { topic: topics.enriched, isKey: false })).toMatchObject({ cargoClass: 'PHARMA', deviationC: -1.5 });

    await produce(kafka, topics.containers, [{ key: 'MSKU1', value: null }]);
    await expect.poll(async () => (await fetch(`${url}/stores/containers/MSKU1`)).status, { timeout: 30_000 }).toBe(404);
    await produce(kafka, topics.readings, [{ key: 'MSKU1', value: await encode.reading(reading('MSKU1')) }]);

    const dead = await readRecords(kafka, `${applicationId}.dlq`, 2);
    expect(dead.map((r) => [r.key, r.headers[DLQ_HEADERS.errorCode]?.toString()])).toEqual([
      ['NOPE1', 'UNMATCHED_REFERENCE'],
      ['MSKU1', 'UNMATCHED_REFERENCE'],
    ]);
    expect(await readings.deserialize(dead[0]?.value as Buffer, { topic: topics.readings, isKey: false })).toMatchObject({ containerId: 'NOPE1' });

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/tributary_enrich_joins_total\{result="matched",service="enrich"\} 2/);
    expect(metrics).toMatch(/tributary_enrich_joins_total\{result="unmatched",service="enrich"\} 2/);
    // Dead letters by the topic they came from (alert rules and dashboards read this), and as records produced to the DLQ.
    expect(metrics).toContain(`tributary_records_dead_lettered_total{topic="${topics.readings}",service="enrich"} 2`);
    expect(metrics).toContain(`tributary_records_produced_total{topic="${applicationId}.dlq",service="enrich"} 2`);

    expect(await (service as ServiceProcess).stop(30_000)).toMatchObject({ code: 0, killed: false });
  });
});
