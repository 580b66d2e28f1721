/**
 * The whole pipeline for one bench run, started by the bench itself: a local
 * stack (Kafka + registry) on free ports tied to this process, a fresh
 * PostgreSQL database, the pipeline's topics and schemas, the fleet's
 * reference records, and the five operators as separate processes
 * (e2e's LocalPipeline). `close()` undoes it all, also after a failed start.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RegistryClient } from '@tributary/avro';
import type { ContainerReference } from '@tributary/schemas';
import { kafkajs } from '@tributary/streams';
import { createTestDatabase, startLocalStack } from '@tributary/testing';
import { LocalPipeline, OPERATORS, type OperatorName, type PipelineEndpoints } from '../../../e2e/src/pipeline/local-pipeline.js';
import { publishReferences } from '../../../e2e/src/pipeline/reference-publisher.js';
import { createPipelineTopics, registerPipelineSchemas } from '../../../e2e/src/pipeline/topics.js';
import { cleanup } from '../support/cleanup.js';

export interface BenchPipelineOptions {
  readonly partitions: number;
  readonly references: readonly ContainerReference[];
  /** Extra environment per operator, and for all (e.g. COMMIT_INTERVAL_MS overrides). */
  readonly env: Partial<Record<OperatorName | 'all', Record<string, string>>>;
  readonly log: (line: string) => void;
}

/** A process whose CPU time the bench reports. */
export interface WatchedProcess {
  readonly name: string;
  readonly pid: number;
}

export interface BenchPipeline {
  readonly endpoints: PipelineEndpoints;
  readonly pipeline: LocalPipeline;
  readonly registry: RegistryClient;
  readonly logDir: string;
  /** The operators, the broker and the registry. */
  readonly processes: readonly WatchedProcess[];
  /** SIGTERM the operators (upstream first), drop the database, stop the stack; never throws. */
  close(): Promise<void>;
}

export async function startBenchPipeline(options: BenchPipelineOptions): Promise<BenchPipeline> {
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
    const endpoints: PipelineEndpoints = { kafka: stack.endpoints.KAFKA_BOOTSTRAP, registry: stack.endpoints.SCHEMA_REGISTRY_URL, database: database.url };

    const { Kafka, logLevel } = kafkajs();
    const kafka = new Kafka({ clientId: 'bench-pipeline', brokers: [endpoints.kafka], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await createPipelineTopics(admin, options.partitions);
    } finally {
      await admin.disconnect();
    }
    await registerPipelineSchemas(endpoints.registry);
    const registry = new RegistryClient({ url: endpoints.registry });
    await publishReferences(kafka, registry, options.references);
    log(`topics (${options.partitions} partitions), schemas and ${options.references.length} reference records ready`);

    const logDir = mkdtempSync(path.join(os.tmpdir(), 'tributary-bench-pipeline-'));
    const pipeline = new LocalPipeline({
      endpoints,
      env: { ...options.env, all: { SHUTDOWN_TIMEOUT_MS: '20000', SCHEMA_AUTO_REGISTER: 'false', ...options.env.all } },
      logDir,
    });
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
