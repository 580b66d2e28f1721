/**
 * The fraud pipeline's configuration (npm start -- fraud, tributary setup/simulate with PIPELINE=fraud) against the
 * operators' own configuration readers and the registered schemas, and the payment feeder against a local HTTP
 * server standing in for ingest. No broker: the whole pipeline runs in `npm start -- fraud`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig as aggregateConfig, parseLookbackFeatures } from '@tributary/aggregate';
import { loadConfig as enrichConfig } from '@tributary/enrich';
import { loadConfig as ingestConfig } from '@tributary/ingest';
import { EnrichedPaymentSchema, PaymentFeaturesSchema, PaymentSchema } from '@tributary/schemas';
import { loadConfig as scoreConfig, parseModelMetadata } from '@tributary/score';
import { loadConfig as sinkConfig, parseSinkTopics } from '@tributary/sink';
import { simulatePayments } from '../src/fraud/index.js';
import { FRAUD_JOIN_FIELDS, FRAUD_LOOKBACK_FEATURES, FRAUD_MODEL_PATH, FRAUD_SINK_TOPICS, fraudOperatorEnv } from '../src/pipeline/fraud-pipeline.js';
import { IngestClient } from '../src/pipeline/ingest-client.js';
import { feedPayments } from '../src/pipeline/payment-feeder.js';
import { FRAUD_TOPICS, fraudTopicConfigs, pipelineTopicConfigs, topicConfigsOf } from '../src/pipeline/topics.js';

const fieldNames = (schema: { schema: unknown }): string[] => (schema.schema as { fields: { name: string }[] }).fields.map((f) => f.name);

describe('the fraud pipeline configuration', () => {
  const env = fraudOperatorEnv();

  it('is valid configuration for each operator, in the generic modes', () => {
    expect(ingestConfig(env.ingest)).toMatchObject({ INGEST_TOPIC: 'fraud.payments', KEY_FIELD: 'cardId' });
    expect(enrichConfig(env.enrich)).toMatchObject({ ENRICH_MODE: 'join', JOIN_KEY_FIELD: 'cardId' });
    expect(aggregateConfig(env.aggregate)).toMatchObject({ AGGREGATE_MODE: 'lookback', LOOKBACK_KEY_FIELD: 'cardId' });
    expect(scoreConfig(env.score)).toMatchObject({ SCORE_MODE: 'records', SCORES_TOPIC: 'fraud.decisions', ALERT_THRESHOLD: 0.5, CRITICAL_THRESHOLD: 0.9 });
    expect(sinkConfig(env.sink)).toMatchObject({ DATABASE_SCHEMA: 'fraud' });
    expect(parseSinkTopics(FRAUD_SINK_TOPICS.split(','))).toEqual([expect.objectContaining({ topic: 'fraud.decisions', table: 'decisions' })]);
  });

  it('chains the topics: ingest → enrich → aggregate → score → sink', () => {
    expect(env.enrich['INPUT_TOPIC']).toBe(env.ingest['INGEST_TOPIC']);
    expect(env.aggregate['INPUT_TOPIC']).toBe(env.enrich['OUTPUT_TOPIC']);
    expect(env.score['INPUT_TOPIC']).toBe(env.aggregate['OUTPUT_TOPIC']);
    expect(FRAUD_SINK_TOPICS.startsWith(`${env.score['SCORES_TOPIC']}:`)).toBe(true);
    expect(new Set(Object.values(env).map((e) => e['APPLICATION_ID'] ?? e['GROUP_ID'])).size).toBe(5);
  });

  it('matches the schemas: join fields are EnrichedPayment’s additions, features are PaymentFeatures’ additions, model features are PaymentFeatures fields', () => {
    const payment = fieldNames(PaymentSchema);
    const enriched = fieldNames(EnrichedPaymentSchema);
    const features = fieldNames(PaymentFeaturesSchema);
    expect(['matched', ...FRAUD_JOIN_FIELDS.split(',')]).toEqual(enriched.filter((f) => !payment.includes(f)));
    expect(parseLookbackFeatures(FRAUD_LOOKBACK_FEATURES).map((f) => f.name).sort()).toEqual(features.filter((f) => !enriched.includes(f)).sort());
    expect(existsSync(FRAUD_MODEL_PATH)).toBe(true);
    const metadata = parseModelMetadata(JSON.parse(readFileSync(path.join(path.dirname(FRAUD_MODEL_PATH), 'model.json'), 'utf8')), 'model.json');
    for (const expression of Object.values(metadata.featureExpressions ?? {})) expect(features).toContain(expression);
  });

  it('creates every fraud topic with one partition count, the cardholders compacted; cold chain unchanged', () => {
    const topics = fraudTopicConfigs(6);
    expect(topics.map((t) => t.topic).sort()).toEqual(Object.values(FRAUD_TOPICS).sort());
    expect(topics.every((t) => t.numPartitions === 6)).toBe(true);
    expect(topics.filter((t) => t.configEntries !== undefined)).toEqual([expect.objectContaining({ topic: 'fraud.cardholders', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] })]);
    expect(topicConfigsOf('coldchain', 4)).toEqual(pipelineTopicConfigs(4));
    expect(topicConfigsOf('fraud', 4)).toEqual(fraudTopicConfigs(4));
  });
});

describe('feedPayments', () => {
  const bodies: string[] = [];
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (req.url === '/records' && req.headers['content-type'] === 'application/x-ndjson') bodies.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => await new Promise((resolve) => server.close(resolve)));

  it('posts every payment once, in order, as ingest JSON in NDJSON batches', async () => {
    bodies.length = 0;
    const sim = simulatePayments({ seed: 1, cards: 50, startTime: Date.UTC(2025, 0, 6), durationMs: 86_400_000, fraudShare: 0.1 });
    const stats = await feedPayments(new IngestClient({ url }), sim.payments, { batchSize: 40, speed: 1e9 });
    const posted = bodies.flatMap((b) => b.trim().split('\n')).map((line) => JSON.parse(line) as { paymentId: string; eventTime: number; lat: number | null });
    expect(posted.map((p) => p.paymentId)).toEqual(sim.payments.map((p) => p.payment.paymentId));
    expect(posted.map((p) => p.eventTime)).toEqual(sim.payments.map((p) => p.payment.eventTime.getTime()));
    expect(stats).toMatchObject({ payments: sim.payments.length, fraud: sim.payments.filter((p) => p.fraud).length });
    expect(bodies.every((b) => b.trim().split('\n').length <= 40)).toBe(true);
  });

  it('stops between batches when asked', async () => {
    bodies.length = 0;
    const sim = simulatePayments({ seed: 2, cards: 20, startTime: Date.UTC(2025, 0, 6), durationMs: 86_400_000 });
    let stop = false;
    const stats = await feedPayments(new IngestClient({ url }), sim.payments, { batchSize: 10, onProgress: (s) => (stop = s.batches >= 2), stopped: () => stop });
    expect(stats.batches).toBe(2);
    expect(stats.payments).toBe(20);
  });
});
