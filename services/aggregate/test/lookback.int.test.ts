/**
 * AGGREGATE_MODE=lookback as deployed: main.ts in its own process against the real
 * broker and registry, the fraud schemas registered for the test's topics,
 * a seeded random payment stream (6 cards, bursts, out-of-order arrivals,
 * days of event time) produced in chunks — once undisturbed, once with the
 * service SIGKILLed mid-stream and started again. The committed output must
 * hold exactly one record per payment, each equal to the naive reference
 * computed in topic order (a card's payments share a partition, so their
 * arrival order is the order they were produced in).
 *
 * The output records carry the payments' event times, which span about 7.3
 * days here: with the broker's default 7-day retention, its retention check
 * (30 s after start, then every 5 minutes) deleted an output segment that
 * held only the oldest outputs — the "lost first outputs of one partition"
 * that kept both cases skipped at first. The output topic keeps everything
 * (retention.ms=-1): the test is about the operator, not retention.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { avroSerde, RegistryClient } from '@tributary/avro';
import { EnrichedPaymentSchema, PaymentFeaturesSchema, type EnrichedPayment } from '@tributary/schemas';
import { kafkajs } from '@tributary/streams';
import { ServiceProcess, createTopics, kafkaClient, produce, readRecords } from '@tributary/testing';
import { stackEndpoints } from '../../../libs/testing/src/vitest/endpoints.js';
import type { GenericRecord } from '../src/index.js';
import { FRAUD_FEATURES, FRAUD_REFERENCE, HOUR, randomPayments } from './lookback-fixtures.js';
import { expectFeaturesClose, referenceFeatures } from './lookback-reference.js';

const N = 800;
// Event times shifted to end an hour before the wall clock: outputs are stamped with them, and the broker keeps
// them only within its time-based retention and rejects them more than log.message.timestamp.after.max.ms (1 h) ahead.
const generated = randomPayments(7, N, 6);
const SHIFT = Date.now() - HOUR - Math.max(...generated.map((p) => p.eventTime.getTime()));
const payments: EnrichedPayment[] = generated.map((p) => ({ ...p, eventTime: new Date(p.eventTime.getTime() + SHIFT) }));

/** Every committed record of `topic` that arrives within `ms` (diagnostics). */
async function readAll(topic: string, ms = 8_000): Promise<{ value: Buffer | null; headers: Record<string, Buffer | undefined> }[]> {
  const { Kafka, logLevel } = kafkajs();
  const consumer = new Kafka({ brokers: [stackEndpoints().KAFKA_BOOTSTRAP], logLevel: logLevel.NOTHING }).consumer({ groupId: `diag-${Date.now()}-${Math.random()}`, readUncommitted: false });
  const out: { value: Buffer | null; headers: Record<string, Buffer | undefined> }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void out.push({ value: message.value, headers: message.headers as Record<string, Buffer | undefined> }) });
    await new Promise((r) => setTimeout(r, ms));
  } finally {
    await consumer.disconnect();
  }
  return out;
}

describe('aggregate AGGREGATE_MODE=lookback service (broker, registry, Avro)', () => {
  const { KAFKA_BOOTSTRAP, SCHEMA_REGISTRY_URL } = stackEndpoints();
  const kafka = kafkaClient(KAFKA_BOOTSTRAP);
  const registry = new RegistryClient({ url: SCHEMA_REGISTRY_URL });
  const input = avroSerde(EnrichedPaymentSchema, { registry });
  const output = avroSerde<GenericRecord>(PaymentFeaturesSchema.schema, { registry, autoRegister: false });
  const services: ServiceProcess[] = [];
  afterAll(() => services.forEach((s) => s.kill()));

  async function scenario(kill: boolean): Promise<void> {
    const id = `aggregate-lb-it-${Date.now()}`;
    const topics = { input: `${id}.payments.enriched`, output: `${id}.payment-features` };
    const env = {
      KAFKA_BROKERS: KAFKA_BOOTSTRAP,
      SCHEMA_REGISTRY_URL,
      HTTP_PORT: '0',
      AGGREGATE_MODE: 'lookback',
      APPLICATION_ID: `${id}-app`,
      INPUT_TOPIC: topics.input,
      OUTPUT_TOPIC: topics.output,
      LOOKBACK_FEATURES: FRAUD_FEATURES,
      LOOKBACK_KEY_FIELD: 'cardId',
      LOOKBACK_GRACE_MS: '300000',
    };
    const startService = async () => {
      const service = new ServiceProcess({ entry: 'services/aggregate/src/main.ts', env, name: 'aggregate-lookback' });
      services.push(service);
      await service.ready();
      return service;
    };
    await createTopics(kafka, [
      { topic: topics.input, numPartitions: 2 },
      // Outputs are stamped with event times up to ~7.3 days old: beyond the default retention (see the header).
      { topic: topics.output, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '-1' }] },
    ]);
    // As the schema gate would: the input and output subjects hold the fraud schemas.
    await registry.register(`${topics.input}-value`, JSON.stringify(EnrichedPaymentSchema.schema));
    await registry.register(`${topics.output}-value`, JSON.stringify(PaymentFeaturesSchema.schema));

    const first = await startService();
    const encoded = await Promise.all(payments.map(async (p) => ({ key: p.cardId, value: await input.serialize(p, { topic: topics.input, isKey: false }) })));
    // The stream comes in chunks (while the service dies and comes back, in the SIGKILL case).
    let producing = true;
    const producer = (async () => {
      for (let i = 0; i < encoded.length; i += 40) {
        await produce(kafka, topics.input, encoded.slice(i, i + 40));
        await new Promise((r) => setTimeout(r, 100));
      }
      producing = false;
    })();
    if (kill) {
      await readRecords(kafka, topics.output, 150, 60_000);
      first.kill('SIGKILL');
      expect(producing, 'the kill came mid-stream').toBe(true);
      await first.exited;
      await startService();
    }
    await producer;

    const records = await readRecords(kafka, topics.output, N, 120_000).catch(async (error: unknown) => {
      const seen = new Set<string>();
      for (const r of await readAll(topics.output)) seen.add((await output.deserialize(r.value as Buffer, { topic: topics.output, isKey: false }))['paymentId'] as string);
      const missing = payments.filter((p) => !seen.has(p.paymentId)).map((p) => `${p.paymentId}/${p.cardId}`);
      throw new Error(`${String(error)}; missing ${missing.join(', ')}\n${services.map((s) => `--- ${s.name}\n${s.tail(30)}`).join('\n')}`);
    });
    // Nothing beyond N: a reader asking for one more gets none within 5 s.
    await expect(readRecords(kafka, topics.output, N + 1, 5_000)).rejects.toThrow(`read ${N} of ${N + 1} records`);
    const byPayment = new Map<string, GenericRecord>();
    for (const r of records) {
      const value = await output.deserialize(r.value as Buffer, { topic: topics.output, isKey: false });
      expect(r.key).toBe(value['cardId']);
      expect(byPayment.has(value['paymentId'] as string), `payment ${String(value['paymentId'])} twice`).toBe(false);
      byPayment.set(value['paymentId'] as string, value);
    }
    expect(byPayment.size).toBe(N);
    const expected = referenceFeatures(payments, FRAUD_REFERENCE, 300_000);
    payments.forEach((p, i) => {
      const e = expected[i];
      if (e === 'late' || e === undefined) throw new Error(`payment ${p.paymentId} is late in the reference: the stream is meant to have none`);
      expectFeaturesClose(byPayment.get(p.paymentId) ?? {}, e, FRAUD_REFERENCE, p.paymentId);
    });
  }

  it('exactly one output per payment, each equal to the reference', () => scenario(false));

  it('SIGKILLed once mid-stream: exactly one output per payment, each equal to the reference', () => scenario(true));
});
