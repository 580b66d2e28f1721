/** Sets a pipeline up on a broker: topics, schemas, references, the five operators, and a PostgreSQL database for the sink. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Kafka, logLevel } from 'kafkajs';
import { RegistryClient } from '@tributary/avro';
import { createTestDatabase, type TestDatabase } from '@tributary/testing';
import { LocalPipeline, type OperatorName } from '../../src/pipeline/local-pipeline.js';
import { publishReferences } from '../../src/pipeline/reference-publisher.js';
import { createPipelineTopics, registerPipelineSchemas } from '../../src/pipeline/topics.js';
import type { SimulatedFleet } from '../../src/simulator/index.js';

export interface PipelineFixture {
  readonly pipeline: LocalPipeline;
  readonly database: TestDatabase;
  readonly logDir: string;
  close(): Promise<void>;
}

export async function startPipeline(options: {
  brokers: string;
  registryUrl: string;
  fleet: SimulatedFleet;
  partitions?: number;
  env?: Partial<Record<OperatorName | 'all', Record<string, string>>>;
}): Promise<PipelineFixture> {
  const kafka = new Kafka({ brokers: [options.brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await createPipelineTopics(admin, options.partitions ?? 4);
  await admin.disconnect();
  await registerPipelineSchemas(options.registryUrl);
  await publishReferences(kafka, new RegistryClient({ url: options.registryUrl }), options.fleet.references);
  const database = await createTestDatabase();
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'pipeline-logs-'));
  const pipeline = new LocalPipeline({
    endpoints: { kafka: options.brokers, registry: options.registryUrl, database: database.url },
    env: {
      ...options.env,
      all: { SHUTDOWN_TIMEOUT_MS: '20000', SCHEMA_AUTO_REGISTER: 'false', ...options.env?.all },
    },
    logDir,
  });
  await pipeline.startAll();
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

/** Waits until the sink's tables hold `rows` score rows (or the time runs out); returns the last count. */
export async function waitForScoreRows(databaseUrl: string, rows: number, timeoutMs: number): Promise<number> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const deadline = Date.now() + timeoutMs;
  let count = 0;
  try {
    while (Date.now() < deadline) {
      count = await db.query('SELECT count(*)::int AS n FROM risk_scores').then(
        (r) => (r.rows[0] as { n: number }).n,
        () => 0,
      );
      if (count >= rows) return count;
      await new Promise((r) => setTimeout(r, 1000));
    }
    return count;
  } finally {
    await db.end();
  }
}
