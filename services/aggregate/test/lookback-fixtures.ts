import type { AvroSchema } from '@tributary/avro';
import { EnrichedPaymentSchema, PaymentFeaturesSchema, type EnrichedPayment } from '@tributary/schemas';
import { bytes, string, type Serde } from '@tributary/streams';
import { TopologyTestDriver } from '@tributary/testing';
import { buildLookbackTopology, parseLookbackFeatures, type GenericRecord, type LookbackTopologyOptions } from '../src/index.js';
import { avroBinarySerde } from './avro-binary-serde.js';
import type { ReferenceFeature } from './lookback-reference.js';

export const LB_APP = 'fraud-aggregate';
export const TOPICS = { input: 'fraud.payments.enriched', output: 'fraud.payment-features' };
export const MIN = 60_000;
export const HOUR = 60 * MIN;
/** 2025-03-01T00:00:00Z. */
export const T0 = Date.UTC(2025, 2, 1);

/** The fraud configuration of the README, and the same features for the reference. */
export const FRAUD_FEATURES =
  'count10m=count:10m,amountSum10m=sum(amount):10m,amountSum24h=sum(amount):24h,merchants24h=distinct(merchantId):24h,count24h=count:24h,kmFromLast=distance(lat,lon):last';
export const FRAUD_REFERENCE: ReferenceFeature[] = [
  { name: 'count10m', fn: 'count', range: 10 * MIN },
  { name: 'amountSum10m', fn: 'sum', field: 'amount', range: 10 * MIN },
  { name: 'amountSum24h', fn: 'sum', field: 'amount', range: 24 * HOUR },
  { name: 'merchants24h', fn: 'distinct', field: 'merchantId', range: 24 * HOUR },
  { name: 'count24h', fn: 'count', range: 24 * HOUR },
  { name: 'kmFromLast', fn: 'distance', range: 'last' },
];

/** Every other function and range form, on an output schema made for them (PaymentFeatures holds only the fraud set). */
export const OTHER_FEATURES = 'amountMin1h=min(amount):1h,amountMax1h=max(amount):1h,amountAvg30m=avg(amount):30m,limitMax2h=max(creditLimit):2h,km5m=distance(lat,lon):5m,holders1d=distinct(riskSegment):1d,n90s=count():90s';
export const OTHER_REFERENCE: ReferenceFeature[] = [
  { name: 'amountMin1h', fn: 'min', field: 'amount', range: HOUR },
  { name: 'amountMax1h', fn: 'max', field: 'amount', range: HOUR },
  { name: 'amountAvg30m', fn: 'avg', field: 'amount', range: 30 * MIN },
  { name: 'limitMax2h', fn: 'max', field: 'creditLimit', range: 2 * HOUR },
  { name: 'km5m', fn: 'distance', range: 5 * MIN },
  { name: 'holders1d', fn: 'distinct', field: 'riskSegment', range: 24 * HOUR },
  { name: 'n90s', fn: 'count', range: 90_000 },
];

const enrichedFields = (EnrichedPaymentSchema.schema as { fields: object[] }).fields;
/** EnrichedPayment + the OTHER_FEATURES fields. */
export const OTHER_OUTPUT_SCHEMA = {
  type: 'record',
  name: 'OtherFeatures',
  namespace: 'io.tributary.fraud', // the enums of EnrichedPayment inherit it: another namespace would make them other types
  fields: [
    ...enrichedFields,
    ...['amountMin1h', 'amountMax1h', 'amountAvg30m', 'limitMax2h', 'km5m'].map((name) => ({ name, type: ['null', 'double'], default: null })),
    { name: 'holders1d', type: 'int' },
    { name: 'n90s', type: 'long' },
  ],
} as unknown as AvroSchema;

export const inputSerde = avroBinarySerde(EnrichedPaymentSchema) as unknown as Serde<GenericRecord>;

/** A matched contactless payment of `cardId` at T0 + `offsetMs`. */
export function payment(cardId: string, offsetMs: number, overrides: Partial<EnrichedPayment> = {}): EnrichedPayment {
  return {
    paymentId: `${cardId}-${offsetMs}`,
    cardId,
    merchantId: 'M1',
    amount: 10,
    currency: 'EUR',
    lat: 48.8566,
    lon: 2.3522,
    eventTime: new Date(T0 + offsetMs),
    channel: 'CONTACTLESS',
    matched: true,
    homeLat: 48.85,
    homeLon: 2.35,
    creditLimit: 2000,
    riskSegment: 'LOW',
    ...overrides,
  };
}

export interface LookbackDriverOptions {
  readonly features?: string;
  readonly outputSchema?: AvroSchema;
  readonly graceMs?: number;
  readonly keyField?: string;
  readonly partitions?: number;
}

export function lookbackOptions(options: LookbackDriverOptions = {}): LookbackTopologyOptions {
  return {
    serdes: { input: inputSerde, output: avroBinarySerde<GenericRecord>({ schema: options.outputSchema ?? PaymentFeaturesSchema.schema }) },
    topics: TOPICS,
    features: parseLookbackFeatures(options.features ?? FRAUD_FEATURES),
    eventTimeField: 'eventTime',
    ...(options.graceMs === undefined ? {} : { graceMs: options.graceMs }),
    ...(options.keyField === undefined ? {} : { keyField: options.keyField }),
  };
}

/** The look-back topology in the driver, with the fraud topics and app id. */
export function startLookback(options: LookbackDriverOptions = {}) {
  const topologyOptions = lookbackOptions(options);
  const driver = new TopologyTestDriver(buildLookbackTopology(topologyOptions), { applicationId: LB_APP, partitions: options.partitions ?? 1 });
  const input = driver.createInputTopic(TOPICS.input, { key: string(), value: inputSerde });
  return {
    driver,
    input,
    send: (p: EnrichedPayment) => input.pipeInput(p.cardId, p as unknown as GenericRecord),
    output: driver.createOutputTopic(TOPICS.output, { key: string(), value: topologyOptions.serdes.output }),
    dlq: driver.createOutputTopic(`${LB_APP}.dlq`, { key: bytes(), value: bytes() }),
  };
}

/** mulberry32: a small seeded PRNG, so a failing stream can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random payment stream over ~3 days for `cards` cards: bursts (several
 * payments seconds apart), quiet hours, some payments at the same ms, online
 * ones without a position, a few merchants; arrival order = event time plus a
 * random delay of up to `maxDelayMs` (out of order within that).
 */
export function randomPayments(seed: number, n: number, cards = 4, maxDelayMs = 4 * MIN): EnrichedPayment[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const clock = new Map<string, number>();
  const payments: { p: EnrichedPayment; arrives: number }[] = [];
  for (let i = 0; i < n; i++) {
    const cardId = `card-${Math.floor(rnd() * cards)}`;
    const r = rnd();
    // Bursts (0-20 s), minutes apart, hours apart (the 24 h ranges evict).
    const gap = r < 0.45 ? Math.floor(rnd() * 20_000) : r < 0.85 ? Math.floor(rnd() * 15 * MIN) : Math.floor(rnd() * 14 * HOUR);
    const t = (clock.get(cardId) ?? Math.floor(rnd() * HOUR)) + (rnd() < 0.1 ? 0 : gap);
    clock.set(cardId, t);
    const online = rnd() < 0.2;
    const p = payment(cardId, t, {
      paymentId: `p${i}`,
      merchantId: pick(['M1', 'M2', 'M3', 'M4', 'M5', 'M6']),
      amount: Math.round(rnd() * 50_000) / 100,
      lat: online ? null : 40 + rnd() * 15,
      lon: online ? null : -5 + rnd() * 25,
      channel: online ? 'ONLINE' : pick(['POS', 'CONTACTLESS', 'ATM'] as const),
      creditLimit: rnd() < 0.1 ? null : pick([500, 2000, 10_000]),
      riskSegment: pick(['LOW', 'MEDIUM', 'HIGH', null] as const),
    });
    payments.push({ p, arrives: T0 + t + Math.floor(rnd() * maxDelayMs) });
  }
  return payments.sort((a, b) => a.arrives - b.arrives).map((x) => x.p);
}
