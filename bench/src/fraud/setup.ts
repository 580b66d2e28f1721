/**
 * The fraud pipeline for one bench run, started by the bench itself: a
 * local stack (Kafka + registry) on free ports tied to this process, a fresh
 * PostgreSQL database, the fraud topics and schemas, the cardholder
 * records, and the five operators with the fraud configuration
 * (e2e/src/pipeline/fraud-pipeline.ts) as separate processes. Like the
 * cold-chain bench's setup (../pipeline/setup.ts), `close()` undoes it all,
 * also after a failed start.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RegistryClient } from '@tributary/avro';
import type { Cardholder } from '@tributary/schemas';
import { kafkajs } from '@tributary/streams';
import { createTestDatabase, startLocalStack } from '@tributary/testing';
import { fraudOperatorEnv, publishCardholders } from '../../../e2e/src/pipeline/fraud-pipeline.js';
import { LocalPipeline, OPERATORS, type OperatorName } from '../../../e2e/src/pipeline/local-pipeline.js';
import { createPipelineTopics, registerPipelineSchemas } from '../../../e2e/src/pipeline/topics.js';
import type { BenchPipeline, WatchedProcess } from '../pipeline/setup.js';
import { cleanup } from '../support/cleanup.js';

/** The PostgreSQL schema the fraud sink writes in the bench's database. */
export const FRAUD_BENCH_DB_SCHEMA = 'fraud';

export interface FraudBenchOptions {
  readonly partitions: number;
  readonly cardholders: readonly Cardholder[];
  /** Overrides on top of the fraud environment, per operator and for all (e.g. COMMIT_INTERVAL_MS). */
  readonly env: Partial<Record<OperatorName | 'all', Record<string, string>>>;
  readonly log: (line: string) => void;
}

export async function startFraudBench(options: FraudBenchOptions): Promise<BenchPipeline> {
  const { log } = options;
  const undo = cleanup(log);
  const close = undo.close;
  try {
    const stack = await startLocalStack({ lifetime: 'tied', log: (line) => log(`stack: ${line}`) });
    undo.push(async () => {
      log('stopping the stack…');
      await stack.stop();
    });
    const database = await createTestDatabase(stack.endpoints.DATABASE_URL, 'tributary_bench');
    undo.push(async () => await database.drop());
    const endpoints = { kafka: stack.endpoints.KAFKA_BOOTSTRAP, registry: stack.endpoints.SCHEMA_REGISTRY_URL, database: database.url };

    const { Kafka, logLevel } = kafkajs();
    const kafka = new Kafka({ clientId: 'bench-fraud', brokers: [endpoints.kafka], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await createPipelineTopics(admin, options.partitions, 1, 'fraud');
    } finally {
      await admin.disconnect();
    }
    await registerPipelineSchemas(endpoints.registry);
    const registry = new RegistryClient({ url: endpoints.registry });
    await publishCardholders(kafka, registry, options.cardholders);
    log(`fraud topics (${options.partitions} partitions), schemas and ${options.cardholders.length} cardholder records ready`);

    const logDir = mkdtempSync(path.join(os.tmpdir(), 'tributary-bench-fraud-'));
    const fraud = fraudOperatorEnv({ databaseSchema: FRAUD_BENCH_DB_SCHEMA });
    const env: Partial<Record<OperatorName | 'all', Record<string, string>>> = { all: { SHUTDOWN_TIMEOUT_MS: '20000', SCHEMA_AUTO_REGISTER: 'false', ...options.env.all } };
    for (const name of OPERATORS) env[name] = { ...fraud[name], ...options.env[name] };
    const pipeline = new LocalPipeline({ endpoints, env, logDir });
    undo.push(async () => {
      log('stopping the operators (SIGTERM)…');
      const exits = await pipeline.stopAll(30_000);
      const unclean = Object.entries(exits).filter(([, e]) => e.code !== 0 || e.killed);
      if (unclean.length > 0) log(`operators that did not exit cleanly: ${unclean.map(([n, e]) => `${n} (code ${String(e.code)}${e.killed ? ', killed' : ''})`).join(', ')}`);
    });
    log(`starting ${OPERATORS.join(', ')} (logs in ${logDir})…`);
    await pipeline.startAll();

    const processes: WatchedProcess[] = [];
    for (const name of OPERATORS) {
      const pid = pipeline.get(name)?.child.pid;
      if (pid !== undefined) processes.push({ name, pid });
    }
    processes.push({ name: 'kafka', pid: stack.kafka.process.pid });
    if (stack.registry !== undefined) processes.push({ name: 'registry', pid: stack.registry.process.pid });
    return { endpoints, pipeline, registry, logDir, processes, close };
  } catch (error) {
    await close();
    throw error;
  }
}
