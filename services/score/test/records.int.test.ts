/**
 * SCORE_MODE=records as deployed: main.ts in its own process against the
 * real broker and registry, the fraud schemas registered for the test's
 * topics (PaymentFeatures in, Decision out), a fraud model written with the
 * operator's ONNX writer over the eight PaymentFeatures features, and a
 * candidate published on a models topic for shadow scoring. Payments are
 * produced in chunks on a 2-partition topic while the service is SIGKILLed
 * once mid-stream and started again. The committed decisions must hold
 * exactly one record per payment (no gap, no duplicate), keyed by the input
 * key, with the copied fields, the risk of a TypeScript computation of the
 * same model and the decision its thresholds give; the shadow topic the
 * same with the candidate's risk; no alerts topic. Then an output schema
 * with a field the input lacks stops the service with a ConfigError.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { avroSerde, RegistryClient } from '@tributary/avro';
import { DecisionSchema, PaymentFeaturesSchema, type PaymentFeatures } from '@tributary/schemas';
import { kafkajs } from '@tributary/streams';
import { ServiceProcess, createTopics, kafkaClient, produce, readRecords } from '@tributary/testing';
import { stackEndpoints } from '../../../libs/testing/src/vitest/endpoints.js';
import { numericPaths } from '../src/features/numeric-paths.js';
import type { ModelMetadata } from '../src/model/model-metadata.js';
import type { GenericRecord } from '../src/records/record-output.js';
import { publishModel } from '../src/registry/model-publisher.js';
import { expectedDecision, FRAUD_METADATA, FRAUD_PARAMS, fraudModelBytes, fraudRisk, fraudRow, payment } from './fraud-fixtures.js';

const N = 1200;
const CARDS = 40;
const THRESHOLD = 0.5;
const CRITICAL = 0.9;
// Event times end well before the wall clock: the outputs are stamped with them, and the broker keeps them within its retention.
const START = Date.now() - 3_600_000 - N * 1000;
const payments: PaymentFeatures[] = Array.from({ length: N }, (_, i) => payment(i, START, CARDS));

const CANDIDATE: ModelMetadata = { ...FRAUD_METADATA, name: 'fraud-candidate', version: '0.2.0' };
const CANDIDATE_PARAMS = { ...FRAUD_PARAMS, weights: FRAUD_PARAMS.weights.map((w) => w * 0.5), bias: -2 };

describe('score SCORE_MODE=records service (broker, registry, Avro, fraud model)', () => {
  const { KAFKA_BOOTSTRAP, SCHEMA_REGISTRY_URL } = stackEndpoints();
  const kafka = kafkaClient(KAFKA_BOOTSTRAP);
  const registry = new RegistryClient({ url: SCHEMA_REGISTRY_URL });
  const input = avroSerde(PaymentFeaturesSchema, { registry });
  const output = avroSerde<GenericRecord>(DecisionSchema.schema, { registry, autoRegister: false });
  const services: ServiceProcess[] = [];
  afterAll(() => services.forEach((s) => s.kill()));

  async function modelDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'score-records-'));
    await writeFile(join(dir, 'model.onnx'), fraudModelBytes());
    await writeFile(join(dir, 'model.json'), JSON.stringify(FRAUD_METADATA));
    return dir;
  }

  it('SIGKILLed once mid-stream: exactly one Decision per payment, risk and decision as computed independently; shadow decisions likewise', async () => {
    const id = `score-records-it-${Date.now()}`;
    const topics = { input: `${id}.payment-features`, scores: `${id}.decisions`, shadow: `${id}.decisions.shadow`, alerts: `${id}.alerts`, models: `${id}.models` };
    await createTopics(kafka, [
      { topic: topics.input, numPartitions: 2 },
      { topic: topics.scores, numPartitions: 2 },
    ]);
    // As the schema gate would: the input and output subjects hold the fraud schemas.
    await registry.register(`${topics.input}-value`, JSON.stringify(PaymentFeaturesSchema.schema));
    await registry.register(`${topics.scores}-value`, JSON.stringify(DecisionSchema.schema));
    // The shadow candidate, published as `npm run model -- publish --input-schema schemas/fraud.payment-features-value.avsc` does.
    const { Kafka, logLevel } = kafkajs();
    await publishModel({
      kafka: new Kafka({ brokers: [KAFKA_BOOTSTRAP], logLevel: logLevel.NOTHING }),
      topic: topics.models,
      bytes: fraudModelBytes(CANDIDATE, CANDIDATE_PARAMS),
      metadata: CANDIDATE,
      numericPaths: numericPaths(PaymentFeaturesSchema.schema),
    });
    const env = {
      KAFKA_BROKERS: KAFKA_BOOTSTRAP,
      SCHEMA_REGISTRY_URL,
      HTTP_PORT: '0',
      SCORE_MODE: 'records',
      APPLICATION_ID: `${id}-app`,
      INPUT_TOPIC: topics.input,
      SCORES_TOPIC: topics.scores,
      ALERTS_TOPIC: topics.alerts,
      MODEL_PATH: join(await modelDir(), 'model.onnx'),
      ALERT_THRESHOLD: String(THRESHOLD),
      CRITICAL_THRESHOLD: String(CRITICAL),
      MODELS_TOPIC: topics.models,
      SHADOW_MODEL_NAME: CANDIDATE.name,
    };
    const startService = async () => {
      const service = new ServiceProcess({ entry: 'services/score/src/main.ts', env, name: 'score-records' });
      services.push(service);
      await service.ready();
      return service;
    };

    const first = await startService();
    const encoded = await Promise.all(payments.map(async (p) => ({ key: p.cardId, value: await input.serialize(p, { topic: topics.input, isKey: false }) })));
    let producing = true;
    const producer = (async () => {
      for (let i = 0; i < encoded.length; i += 40) {
        await produce(kafka, topics.input, encoded.slice(i, i + 40));
        await new Promise((r) => setTimeout(r, 100));
      }
      producing = false;
    })();
    await readRecords(kafka, topics.scores, 150, 60_000);
    first.kill('SIGKILL');
    expect(producing, 'the kill came mid-stream').toBe(true);
    await first.exited;
    const second = await startService();
    await producer;

    const records = await readRecords(kafka, topics.scores, N, 120_000);
    // Nothing beyond N: a reader asking for one more gets none within 5 s.
    await expect(readRecords(kafka, topics.scores, N + 1, 5_000)).rejects.toThrow(`read ${N} of ${N + 1} records`);
    const byPayment = new Map<string, { key: string | null; value: GenericRecord }>();
    for (const r of records) {
      const value = await output.deserialize(r.value as Buffer, { topic: topics.scores, isKey: false });
      const paymentId = value['paymentId'] as string;
      expect(byPayment.has(paymentId), `payment ${paymentId} decided twice`).toBe(false);
      byPayment.set(paymentId, { key: r.key, value });
    }
    expect(byPayment.size).toBe(N);
    const counts = { APPROVE: 0, REVIEW: 0, DECLINE: 0 };
    for (const p of payments) {
      const got = byPayment.get(p.paymentId);
      if (got === undefined) throw new Error(`payment ${p.paymentId} has no decision`);
      const row = fraudRow(p);
      const risk = fraudRisk(row);
      expect(got.key, p.paymentId).toBe(p.cardId);
      expect(got.value['risk'] as number, p.paymentId).toBeCloseTo(risk, 5);
      const decision = expectedDecision(risk, THRESHOLD, CRITICAL);
      counts[decision]++;
      expect(got.value, p.paymentId).toMatchObject({
        paymentId: p.paymentId,
        cardId: p.cardId,
        merchantId: p.merchantId,
        amount: p.amount,
        currency: p.currency,
        eventTime: p.eventTime,
        decision,
        modelName: FRAUD_METADATA.name,
        modelVersion: FRAUD_METADATA.version,
        features: Object.fromEntries(FRAUD_METADATA.features.map((f, j) => [f, row[j]])),
      });
      expect(got.value['scoredAt']).toBeInstanceOf(Date);
    }
    expect(counts.REVIEW).toBeGreaterThan(0);
    expect(counts.DECLINE).toBeGreaterThan(0);
    expect(counts.APPROVE).toBeGreaterThan(counts.REVIEW + counts.DECLINE);

    // Shadow: the candidate's Decisions, in the same transactions: exactly one per payment too.
    const shadowSerde = avroSerde<GenericRecord>(DecisionSchema.schema, { registry, autoRegister: false });
    const shadow = new Map<string, GenericRecord>();
    for (const r of await readRecords(kafka, topics.shadow, N, 60_000)) {
      const value = await shadowSerde.deserialize(r.value as Buffer, { topic: topics.shadow, isKey: false });
      expect(shadow.has(value['paymentId'] as string), `shadow decision of ${String(value['paymentId'])} twice`).toBe(false);
      expect(r.key).toBe(value['cardId']);
      shadow.set(value['paymentId'] as string, value);
    }
    await expect(readRecords(kafka, topics.shadow, N + 1, 3_000)).rejects.toThrow(`read ${N} of ${N + 1} records`);
    for (const p of payments) {
      const s = shadow.get(p.paymentId) as GenericRecord;
      expect(s['modelName']).toBe(CANDIDATE.name);
      expect(s['risk'] as number, p.paymentId).toBeCloseTo(fraudRisk(fraudRow(p), CANDIDATE_PARAMS), 5);
      expect(s['decision']).toBe(expectedDecision(s['risk'] as number, THRESHOLD, CRITICAL));
    }

    // No alerts topic in records mode: neither created nor written.
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.listTopics()).not.toContain(topics.alerts);
    } finally {
      await admin.disconnect();
    }
    const metrics = await (await fetch(`${await second.url()}/metrics`)).text();
    expect(metrics).toMatch(/tributary_score_shadow_scores_total\{service="score"\} [1-9]/);
    expect(await second.stop(30_000)).toMatchObject({ code: 0, killed: false });
  });

  it('stops with a ConfigError naming the field when the output schema has a field the input lacks', async () => {
    const id = `score-records-bad-${Date.now()}`;
    const topics = { input: `${id}.payment-features`, scores: `${id}.decisions` };
    const schema = DecisionSchema.schema as { fields: object[] };
    await registry.register(`${topics.input}-value`, JSON.stringify(PaymentFeaturesSchema.schema));
    await registry.register(`${topics.scores}-value`, JSON.stringify({ ...schema, fields: [...schema.fields, { name: 'terminalId', type: 'string', doc: 'not in the input' }] }));
    const service = new ServiceProcess({
      entry: 'services/score/src/main.ts',
      env: {
        KAFKA_BROKERS: KAFKA_BOOTSTRAP,
        SCHEMA_REGISTRY_URL,
        HTTP_PORT: '0',
        SCORE_MODE: 'records',
        APPLICATION_ID: `${id}-app`,
        INPUT_TOPIC: topics.input,
        SCORES_TOPIC: topics.scores,
        MODEL_PATH: join(await modelDir(), 'model.onnx'),
      },
      name: 'score-records-bad',
    });
    services.push(service);
    expect((await service.exited).code).toBe(1);
    expect(service.tail()).toMatch(new RegExp(`the output schema \\(subject ${id.replace(/[.-]/g, '\\$&')}\\.decisions-value v1\\) field "terminalId" is neither computed by score`));
  });
});
