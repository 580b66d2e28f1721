import type { Admin, ITopicConfig } from 'kafkajs';
import { RegistryClient, loadSchemaFiles } from '@tributary/avro';
import { SCHEMA_DIR } from '@tributary/schemas';

/** The cold-chain pipeline's source and sink topics (the operators create their internal ones). */
export const PIPELINE_TOPICS = {
  readings: 'coldchain.readings',
  containers: 'coldchain.containers',
  enriched: 'coldchain.readings.enriched',
  aggregates: 'coldchain.aggregates.1m',
  scores: 'coldchain.scores',
  alerts: 'coldchain.alerts',
  /** Records ingest refused (schema validation): created here because ingest creates no topics. */
  ingestDlq: 'coldchain-ingest.dlq',
} as const;

/** The card-fraud pipeline's source and sink topics, every one keyed by cardId (the operators create their internal ones). */
export const FRAUD_TOPICS = {
  payments: 'fraud.payments',
  cardholders: 'fraud.cardholders',
  enriched: 'fraud.payments.enriched',
  features: 'fraud.payment-features',
  decisions: 'fraud.decisions',
  /** Payments ingest refused (schema validation). */
  ingestDlq: 'fraud-ingest.dlq',
} as const;

/** The pipelines `npm start`, `tributary setup` and `tributary simulate` know (same operators, other configuration). */
export const PIPELINES = ['coldchain', 'fraud'] as const;
export type PipelineName = (typeof PIPELINES)[number];

/** Topic definitions of a pipeline's topics: all with one partition count (one key throughout), the reference topic compacted. */
function topicConfigs(topics: Readonly<Record<string, string>>, compacted: string, partitions: number, replicationFactor: number): ITopicConfig[] {
  return Object.values(topics).map((topic) => ({
    topic,
    numPartitions: partitions,
    replicationFactor,
    ...(topic === compacted ? { configEntries: [{ name: 'cleanup.policy', value: 'compact' }] } : {}),
  }));
}

/** Topic definitions: every topic keyed by container id, so each has the same partition count; the reference topic is compacted. */
export function pipelineTopicConfigs(partitions: number, replicationFactor = 1): ITopicConfig[] {
  return topicConfigs(PIPELINE_TOPICS, PIPELINE_TOPICS.containers, partitions, replicationFactor);
}

/** The fraud pipeline's topic definitions: every topic keyed by cardId, fraud.cardholders compacted. */
export function fraudTopicConfigs(partitions: number, replicationFactor = 1): ITopicConfig[] {
  return topicConfigs(FRAUD_TOPICS, FRAUD_TOPICS.cardholders, partitions, replicationFactor);
}

/** A pipeline's topic definitions by name. */
export function topicConfigsOf(pipeline: PipelineName, partitions: number, replicationFactor = 1): ITopicConfig[] {
  return pipeline === 'fraud' ? fraudTopicConfigs(partitions, replicationFactor) : pipelineTopicConfigs(partitions, replicationFactor);
}

/**
 * Creates the missing topics of `pipeline` (default the cold-chain one;
 * `replicationFactor` copies of each partition); an existing topic with
 * another partition count is an error (keys would move).
 */
export async function createPipelineTopics(admin: Admin, partitions: number, replicationFactor = 1, pipeline: PipelineName = 'coldchain'): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const wanted = topicConfigsOf(pipeline, partitions, replicationFactor);
  const missing = wanted.filter((t) => !existing.has(t.topic));
  if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  // A topic created a moment ago can still be unknown to the metadata the operators ask for: wait until all are served.
  const names = wanted.map((t) => t.topic);
  let metadata: Awaited<ReturnType<Admin['fetchTopicMetadata']>> | undefined;
  for (let attempt = 0; metadata === undefined; attempt++) {
    try {
      metadata = await admin.fetchTopicMetadata({ topics: names });
    } catch (error) {
      if (attempt >= 50 || (error as { retriable?: boolean }).retriable !== true) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const present = new Set(wanted.filter((t) => existing.has(t.topic)).map((t) => t.topic));
  for (const topic of metadata.topics.filter((t) => present.has(t.name))) {
    if (topic.partitions.length !== partitions) {
      throw new Error(`topic ${topic.name} has ${topic.partitions.length} partitions, the pipeline expects ${partitions}: delete it or run with PARTITIONS=${topic.partitions.length}`);
    }
  }
}

/**
 * Registers `schemas/*.avsc` (each subject's file as its latest version, under the registry's compatibility rule).
 * Takes the registry's URL, or a client (one with credentials).
 */
export async function registerPipelineSchemas(registryOrUrl: string | RegistryClient): Promise<number> {
  const registry = typeof registryOrUrl === 'string' ? new RegistryClient({ url: registryOrUrl }) : registryOrUrl;
  const files = loadSchemaFiles(SCHEMA_DIR);
  for (const file of files) await registry.register(file.subject, file.text);
  return files.length;
}
