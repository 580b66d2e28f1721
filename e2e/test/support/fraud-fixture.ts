/**
 * Sets the card-fraud pipeline up on a broker for a test: its topics, every
 * schema, the cardholder records, a PostgreSQL database for the sink, and
 * the five operators with the fraud configuration (e2e/src/pipeline/
 * fraud-pipeline.ts), each its own process.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { RegistryClient } from '@tributary/avro';
import type { Cardholder } from '@tributary/schemas';
import { ensureModelsTopics, historyTopic } from '@tributary/score';
import { createTestDatabase, type TestDatabase } from '@tributary/testing';
import { fraudOperatorEnv, publishCardholders } from '../../src/pipeline/fraud-pipeline.js';
import { LocalPipeline, OPERATORS, type OperatorName } from '../../src/pipeline/local-pipeline.js';
import { createPipelineTopics, registerPipelineSchemas } from '../../src/pipeline/topics.js';

/** The PostgreSQL schema the fraud sink writes (the `decisions` table and its `sink_offsets`). */
export const FRAUD_DB_SCHEMA = 'fraud';

export interface FraudPipelineFixture {
  readonly pipeline: LocalPipeline;
  readonly database: TestDatabase;
  readonly logDir: string;
  close(): Promise<void>;
}

export async function startFraudPipeline(options: {
  brokers: string;
  registryUrl: string;
  cardholders: readonly Cardholder[];
  partitions?: number;
  /** Added to the fraud environment, per operator and for all. */
  env?: Partial<Record<OperatorName | 'all', Record<string, string>>>;
  /** The score operator's MODELS_TOPIC, created here (with its history topic) before the operators start. */
  modelsTopic?: string;
}): Promise<FraudPipelineFixture> {
  const kafka = new Kafka({ brokers: [options.brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createPipelineTopics(admin, options.partitions ?? 4, 1, 'fraud');
    if (options.modelsTopic !== undefined) await createModelsTopics(admin, options.modelsTopic);
  } finally {
    await admin.disconnect();
  }
  await registerPipelineSchemas(options.registryUrl);
  // Reference data first: the join sees every cardholder before the first payment.
  await publishCardholders(kafka, new RegistryClient({ url: options.registryUrl }), options.cardholders);
  const database = await createTestDatabase();
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'fraud-pipeline-logs-'));
  const fraud = fraudOperatorEnv({ databaseSchema: FRAUD_DB_SCHEMA });
  const env: Partial<Record<OperatorName | 'all', Record<string, string>>> = {
    all: { SHUTDOWN_TIMEOUT_MS: '20000', SCHEMA_AUTO_REGISTER: 'false', ...options.env?.all },
  };
  for (const name of OPERATORS) env[name] = { ...fraud[name], ...options.env?.[name] };
  const pipeline = new LocalPipeline({ endpoints: { kafka: options.brokers, registry: options.registryUrl, database: database.url }, env, logDir });
  try {
    await pipeline.startAll();
  } catch (error) {
    pipeline.killAll();
    await database.drop();
    throw error;
  }
  return {
    pipeline,
    database,
    logDir,
    close: async () => {
      pipeline.killAll();
      await database.drop();
    },
  };
}

/**
 * The models topics as the score operator creates them, made here first:
 * the operator's own creation (createTopics waitForLeaders) can fail its
 * start with UNKNOWN_TOPIC_OR_PARTITION when the new topic's metadata lags
 * (seen on this 2-core machine). Retried until both topics are served.
 */
async function createModelsTopics(admin: Admin, topic: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await ensureModelsTopics(admin, topic);
      await admin.fetchTopicMetadata({ topics: [topic, historyTopic(topic)] });
      return;
    } catch (error) {
      if (attempt >= 50 || (error as { retriable?: boolean }).retriable !== true) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Polls `probe` every second until it returns true or the time runs out; returns its last answer. */
export async function waitFor(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Rows of the sink's decisions table now (0 while the sink has not created it). */
export async function decisionRowCount(databaseUrl: string): Promise<number> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    return await db.query(`SELECT count(*)::int AS n FROM ${FRAUD_DB_SCHEMA}.decisions`).then(
      (r) => (r.rows[0] as { n: number }).n,
      () => 0,
    );
  } finally {
    await db.end();
  }
}
