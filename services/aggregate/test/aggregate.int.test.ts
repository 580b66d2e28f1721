/**
 * The aggregate service as deployed: main.ts in its own process against the
 * real broker and registry, Avro in and out. Two containers on a 2-partition
 * topic, out-of-order readings within grace, a late reading; the committed
 * output must be exactly one WindowAggregate per container equal to the
 * reference semantics, and the late reading must be on the late topic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { avroSerde, RegistryClient } from '@tributary/avro';
import { EnrichedReadingSchema, WindowAggregateSchema, type EnrichedReading, type WindowAggregate } from '@tributary/schemas';
import { LATE_HEADERS } from '@tributary/streams';
import { stackEndpoints } from '../../../libs/testing/src/vitest/endpoints.js';
import { MINUTE, T0, reading } from './fixtures.js';
import { ServiceProcess, createTopics, kafkaClient, produce, readRecords } from '@tributary/testing';
import { expectClose, referenceAggregate } from './reference-aggregate.js';

// Event times near the wall clock, so the broker's time-based retention of the changelog keeps them.
const START = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
const at = (containerId: string, offsetMs: number, overrides: Partial<EnrichedReading> = {}): EnrichedReading =>
  reading(containerId, START - T0 + offsetMs, overrides);

describe('aggregate service (broker, registry, Avro)', () => {
  const id = `aggregate-it-${Date.now()}`;
  const topics = { input: `${id}.enriched`, output: `${id}.aggregates` };
  const applicationId = `${id}-app`;
  let service: ServiceProcess | undefined;

  const { KAFKA_BOOTSTRAP, SCHEMA_REGISTRY_URL } = stackEndpoints();
  const kafka = kafkaClient(KAFKA_BOOTSTRAP);
  const registry = new RegistryClient({ url: SCHEMA_REGISTRY_URL });
  const readings = avroSerde(EnrichedReadingSchema, { registry });
  const aggregates = avroSerde(WindowAggregateSchema, { registry });

  beforeAll(async () => {
    await createTopics(kafka, [
      { topic: topics.input, numPartitions: 2 },
      { topic: topics.output, numPartitions: 2 },
    ]);
    service = new ServiceProcess({
      entry: 'services/aggregate/src/main.ts',
      env: {
        KAFKA_BROKERS: KAFKA_BOOTSTRAP,
        SCHEMA_REGISTRY_URL,
        HTTP_PORT: '0',
        APPLICATION_ID: applicationId,
        INPUT_TOPIC: topics.input,
        OUTPUT_TOPIC: topics.output,
      },
    });
    await service.ready();
  });
  afterAll(() => service?.kill());

  it('writes one aggregate per container and window, equal to the reference semantics; the late reading goes to <app>.late', async () => {
    const url = await (service as ServiceProcess).url();
    const windowA = [
      at('A', 0, { temperatureC: 1, doorOpen: true, coolingPowerKw: 3 }),
      at('A', 45_000, { temperatureC: 4, cargoClass: 'CHILLED', setpointC: 2, coolingPowerKw: 6 }),
      at('A', 15_000, { temperatureC: 2, coolingPowerKw: 5 }),
      at('A', 30_000, { temperatureC: 3, doorOpen: true, coolingPowerKw: 4, gForce: 2.5 }),
    ];
    const windowB = [at('B', 10_000, { temperatureC: -20, doorOpen: true }), at('B', 5_000, { temperatureC: -21 })];
    const late = at('A', 20_000, { temperatureC: 99 });
    const send = async (records: EnrichedReading[]) =>
      produce(
        kafka,
        topics.input,
        await Promise.all(records.map(async (r) => ({ key: r.containerId, value: await readings.serialize(r, { topic: topics.input, isKey: false }) }))),
      );
    await send([...windowA, ...windowB]);
    await expect
      .poll(async () => ((await (await fetch(`${url}/stores/windows-1m/A`)).json()) as { value?: { value: { n: number } }[] }).value?.[0]?.value.n, { timeout: 30_000 })
      .toBe(4);
    await send([at('A', 90_000), at('B', 90_000)]); // each partition's watermark reaches end + grace
    await send([late]);

    const out = await readRecords(kafka, topics.output, 2);
    const byKey = new Map<string, WindowAggregate>();
    for (const r of out) byKey.set(r.key as string, await aggregates.deserialize(r.value as Buffer, { topic: topics.output, isKey: false }));
    expect([...byKey.keys()].sort()).toEqual(['A', 'B']);
    expectClose(byKey.get('A') as WindowAggregate, referenceAggregate('A', START, MINUTE, windowA));
    expectClose(byKey.get('B') as WindowAggregate, referenceAggregate('B', START, MINUTE, windowB));
    expect(byKey.get('A')).toMatchObject({ readingCount: 4, doorOpenSeconds: 30, cargoClass: 'CHILLED', setpointC: 2, maxGForce: 2.5 });

    const [lateRecord] = await readRecords(kafka, `${applicationId}.late`, 1);
    expect(lateRecord?.key).toBe('A');
    expect(await readings.deserialize(lateRecord?.value as Buffer, { topic: topics.input, isKey: false })).toEqual(late);
    expect(lateRecord?.headers[LATE_HEADERS.windows]?.toString()).toBe(`${START}-${START + MINUTE}`);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    // Everything was processed (both aggregates and the late record are committed): nothing else was emitted.
    expect(metrics).toContain(`tributary_records_produced_total{topic="${topics.output}",service="aggregate"} 2`);
    expect(metrics).toContain(`tributary_records_late_total{topic="${topics.input}",store="windows-1m",dropped="false",service="aggregate"} 1`);
    expect(await (service as ServiceProcess).stop(30_000)).toMatchObject({ code: 0, killed: false });
  });
});
