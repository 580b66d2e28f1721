/**
 * ENRICH_MODE=join as deployed: main.ts in its own process against the real
 * broker and registry, the fraud schemas (schemas/fraud.*.avsc) registered
 * for the test's topics. Cardholders are loaded first (the global table at
 * start), then a seeded payment stream over known and unknown cards is
 * produced in chunks while the service is SIGKILLed once and started again.
 * The committed output must hold exactly one record per payment (no
 * duplicate, no gap), each equal to the join computed here directly from
 * the lists produced. A bad JOIN_FIELDS stops the start with a ConfigError.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { avroSerde, RegistryClient } from '@tributary/avro';
import { CardholderSchema, EnrichedPaymentSchema, PaymentSchema, type Cardholder, type EnrichedPayment, type Payment, type RiskSegment } from '@tributary/schemas';
import { ServiceProcess, createTopics, kafkaClient, produce, readRecords } from '@tributary/testing';
import { stackEndpoints } from '../../../libs/testing/src/vitest/endpoints.js';
import { FRAUD_JOIN_FIELDS } from './join-fixtures.js';

const N = 900;
const KNOWN_CARDS = 20;
const UNKNOWN_CARDS = 4;

/** mulberry32: a small seeded PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const random = prng(20261124);
const cardId = (i: number) => `card-${String(i).padStart(3, '0')}`;
const SEGMENTS: RiskSegment[] = ['LOW', 'MEDIUM', 'HIGH', 'UNKNOWN'];
const cardholders: Cardholder[] = Array.from({ length: KNOWN_CARDS }, (_, i) => ({
  cardId: cardId(i),
  homeLat: Math.round((35 + random() * 25) * 1e4) / 1e4,
  homeLon: Math.round((-10 + random() * 35) * 1e4) / 1e4,
  creditLimit: 500 * (1 + Math.floor(random() * 20)),
  riskSegment: SEGMENTS[Math.floor(random() * SEGMENTS.length)] as RiskSegment,
  currency: 'EUR',
  issuedAt: new Date(Date.UTC(2024, 0, 1) + Math.floor(random() * 600) * 86_400_000),
}));
const T0 = Date.now() - 3_600_000;
const payments: Payment[] = Array.from({ length: N }, (_, i) => {
  const card = cardId(Math.floor(random() * (KNOWN_CARDS + UNKNOWN_CARDS)));
  const online = random() < 0.3;
  return {
    paymentId: `pay-${String(i).padStart(5, '0')}`,
    cardId: card,
    merchantId: `M-${Math.floor(random() * 50)}`,
    amount: Math.round(Math.exp(3 + random() * 3) * 100) / 100,
    currency: 'EUR',
    lat: online ? null : Math.round((35 + random() * 25) * 1e4) / 1e4,
    lon: online ? null : Math.round((-10 + random() * 35) * 1e4) / 1e4,
    eventTime: new Date(T0 + i * 1_000),
    channel: online ? 'ONLINE' : 'POS',
  };
});

/** The join computed directly: the payment, matched, and the cardholder's fields or nulls. */
function expectedEnriched(p: Payment): EnrichedPayment {
  const holder = cardholders.find((c) => c.cardId === p.cardId);
  return holder === undefined
    ? { ...p, matched: false, homeLat: null, homeLon: null, creditLimit: null, riskSegment: null }
    : { ...p, matched: true, homeLat: holder.homeLat, homeLon: holder.homeLon, creditLimit: holder.creditLimit, riskSegment: holder.riskSegment };
}

describe('enrich ENRICH_MODE=join service (broker, registry, fraud schemas)', () => {
  const { KAFKA_BOOTSTRAP, SCHEMA_REGISTRY_URL } = stackEndpoints();
  const kafka = kafkaClient(KAFKA_BOOTSTRAP);
  const registry = new RegistryClient({ url: SCHEMA_REGISTRY_URL });
  const paymentSerde = avroSerde(PaymentSchema, { registry });
  const cardholderSerde = avroSerde(CardholderSchema, { registry });
  const enrichedSerde = avroSerde(EnrichedPaymentSchema, { registry, autoRegister: false });
  const services: ServiceProcess[] = [];
  afterAll(() => services.forEach((s) => s.kill()));

  /** Fresh topics with the fraud schemas registered under their subjects, as the schema gate would. */
  async function setUp(id: string) {
    const topics = { payments: `${id}.payments`, cardholders: `${id}.cardholders`, enriched: `${id}.payments.enriched` };
    await createTopics(kafka, [
      { topic: topics.payments, numPartitions: 3 },
      { topic: topics.cardholders, numPartitions: 2, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      { topic: topics.enriched, numPartitions: 3 },
    ]);
    await registry.register(`${topics.payments}-value`, JSON.stringify(PaymentSchema.schema));
    await registry.register(`${topics.cardholders}-value`, JSON.stringify(CardholderSchema.schema));
    await registry.register(`${topics.enriched}-value`, JSON.stringify(EnrichedPaymentSchema.schema));
    const env = {
      KAFKA_BROKERS: KAFKA_BOOTSTRAP,
      SCHEMA_REGISTRY_URL,
      HTTP_PORT: '0',
      ENRICH_MODE: 'join',
      APPLICATION_ID: `${id}-app`,
      INPUT_TOPIC: topics.payments,
      REFERENCE_TOPIC: topics.cardholders,
      OUTPUT_TOPIC: topics.enriched,
      JOIN_KEY_FIELD: 'cardId',
      JOIN_FIELDS: FRAUD_JOIN_FIELDS,
      UNMATCHED: 'pass',
    };
    return { topics, env };
  }

  it('SIGKILLed once mid-stream: exactly one output per payment, each equal to the join computed directly; unknown cards unmatched', async () => {
    const { topics, env } = await setUp(`enrich-join-it-${Date.now()}`);
    const startService = async () => {
      const service = new ServiceProcess({ entry: 'services/enrich/src/main.ts', env, name: 'enrich-join' });
      services.push(service);
      await service.ready();
      return service;
    };
    await produce(
      kafka,
      topics.cardholders,
      await Promise.all(cardholders.map(async (c) => ({ key: c.cardId, value: await cardholderSerde.serialize(c, { topic: topics.cardholders, isKey: false }) }))),
    );
    const first = await startService();
    const encoded = await Promise.all(payments.map(async (p) => ({ key: p.cardId, value: await paymentSerde.serialize(p, { topic: topics.payments, isKey: false }) })));
    let producing = true;
    const producer = (async () => {
      for (let i = 0; i < encoded.length; i += 30) {
        await produce(kafka, topics.payments, encoded.slice(i, i + 30));
        await new Promise((r) => setTimeout(r, 100));
      }
      producing = false;
    })();
    await readRecords(kafka, topics.enriched, 150, 60_000);
    first.kill('SIGKILL');
    expect(producing, 'the kill came mid-stream').toBe(true);
    expect(await first.exited).toMatchObject({ signal: 'SIGKILL' });
    const second = await startService();
    await producer;

    const records = await readRecords(kafka, topics.enriched, N, 120_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${services.map((s) => `--- ${s.name}\n${s.tail(30)}`).join('\n')}`);
    });
    // Nothing beyond N: a reader asking for one more gets none within 5 s.
    await expect(readRecords(kafka, topics.enriched, N + 1, 5_000)).rejects.toThrow(`read ${N} of ${N + 1} records`);
    const byPayment = new Map<string, EnrichedPayment>();
    for (const r of records) {
      const value = await enrichedSerde.deserialize(r.value as Buffer, { topic: topics.enriched, isKey: false });
      expect(r.key).toBe(value.cardId);
      expect(byPayment.has(value.paymentId), `payment ${value.paymentId} twice`).toBe(false);
      byPayment.set(value.paymentId, { ...value });
    }
    expect(byPayment.size).toBe(N);
    for (const p of payments) expect(byPayment.get(p.paymentId), p.paymentId).toEqual(expectedEnriched(p));
    const unmatched = payments.filter((p) => byPayment.get(p.paymentId)?.matched === false);
    expect(unmatched.length, 'some payments are of unknown cards').toBeGreaterThan(0);
    expect(new Set(unmatched.map((p) => p.cardId)).size).toBe(UNKNOWN_CARDS);

    // The global store is queryable by its join-mode name.
    const url = await second.url();
    const held = (await (await fetch(`${url}/stores/reference/${cardId(3)}`)).json()) as { value?: { creditLimit?: number } };
    expect(held.value?.creditLimit).toBe(cardholders[3]?.creditLimit);
    expect((await fetch(`${url}/stores/reference/${cardId(KNOWN_CARDS)}`)).status).toBe(404);
    expect(await second.stop(30_000)).toMatchObject({ code: 0, killed: false });
  });

  it('a JOIN_FIELDS item the reference schema lacks: exit 1 with a ConfigError naming the item and the reference fields', async () => {
    const { env } = await setUp(`enrich-join-bad-${Date.now()}`);
    const service = new ServiceProcess({ entry: 'services/enrich/src/main.ts', env: { ...env, JOIN_FIELDS: 'homeLat,homeLon,creditLimit,segment' }, name: 'enrich-join-bad' });
    services.push(service);
    expect(await service.exited).toMatchObject({ code: 1 });
    const output = service.tail(200);
    expect(output).toContain('ConfigError');
    expect(output).toContain('JOIN_FIELDS item \\"segment\\": \\"segment\\" is not a field of the reference record');
    expect(output).toContain('its fields: cardId (string), homeLat (double), homeLon (double), creditLimit (double), riskSegment (enum RiskSegment)');
  });
});
