/**
 * The operator's hot reload, as main.ts wires it: a ModelHolder starting
 * with the model file's model and, when MODELS_TOPIC is set, a follower of
 * that topic (MODEL_NAME's key) that swaps each accepted publication in
 * between batches. Refusals feed `tributary_score_model_refusals_total` and
 * the `/readyz` detail.
 */
import type { ServiceContext } from '@tributary/service';
import type { Registry } from 'prom-client';
import type { Admin, KafkaConfig } from 'kafkajs';
import { WindowAggregateSchema } from '@tributary/schemas';
import { isRetriableKafkaError, kafkajs } from '@tributary/streams';
import { setTimeout as sleep } from 'node:timers/promises';
import { numericPaths } from '../features/numeric-paths.js';
import type { LoadedModel } from '../model/model-loader.js';
import { modelRefusalsCounter } from '../metrics.js';
import { ModelFollower } from './model-follower.js';
import { ModelHolder, type ModelSource, type OptionalModelSource } from './model-holder.js';
import { ensureModelsTopics } from './models-topic.js';

export interface HotReload {
  readonly model: ModelSource;
  /** With SHADOW_MODEL_NAME: the candidate model (empty until its first accepted publication). */
  readonly shadow?: OptionalModelSource | undefined;
  /** For `/readyz`: the model in use and, with a models topic, the last refusal. */
  readonly detail: Record<string, unknown>;
  /** Creates the topics if missing, reads the models topic and applies its latest publication (before anything is scored), then follows it. */
  start(): Promise<void>;
  /** Stops following and releases every model (after the app stopped). */
  stop(): Promise<void>;
}

export interface HotReloadOptions {
  readonly initial: LoadedModel;
  readonly modelsTopic?: string | undefined;
  readonly modelName?: string | undefined;
  /** SHADOW_MODEL_NAME: a second key on the topic, followed the same way, for shadow scoring. */
  readonly shadowModelName?: string | undefined;
  /** The shadow scores' topic (created when missing, with `scoresTopic`'s partition count). */
  readonly shadowScoresTopic?: string | undefined;
  readonly scoresTopic?: string | undefined;
  readonly features: readonly string[] | undefined;
  readonly nullValue: number;
  /** The input record's numeric paths (FEATURES of a publication are checked against them); default: WindowAggregate's. */
  readonly numericPaths?: ReadonlySet<string> | undefined;
  readonly kafka: KafkaConfig;
  readonly log: ServiceContext['log'];
  readonly registry: Registry;
}

export function hotReload(options: HotReloadOptions): HotReload {
  const { log } = options;
  const holder = new ModelHolder(options.initial, {
    onReleaseError: (error, model) => log.warn({ err: error, model: model.scorer.metadata.name, version: model.scorer.metadata.version }, 'releasing a replaced model failed'),
  });
  const topic = options.modelsTopic;
  if (topic === undefined) {
    return {
      model: holder,
      get detail() {
        const m = holder.current.scorer.metadata;
        return { model: { name: m.name, version: m.version, source: 'file' } };
      },
      start: async () => undefined,
      stop: () => holder.close(),
    };
  }
  const modelName = options.modelName ?? options.initial.scorer.metadata.name;
  const refusals = modelRefusalsCounter(options.registry);
  const kafka = new (kafkajs().Kafka)({ ...options.kafka, logLevel: kafkajs().logLevel.NOTHING });
  const follow = (name: string, held: ModelHolder): ModelFollower =>
    new ModelFollower({
      kafka,
      topic,
      modelName: name,
      holder: held,
      features: { items: options.features, nullValue: options.nullValue, numericPaths: options.numericPaths ?? numericPaths(WindowAggregateSchema.schema) },
      log: {
        info: (fields, message) => log.info(fields, message),
        warn: (fields, message) => log.warn(fields, message),
        error: (fields, message) => log.error(fields, message),
      },
      onRefused: (r) => refusals.inc({ model: r.model, version: r.version, reason: r.reason }),
    });
  const follower = follow(modelName, holder);
  const shadowName = options.shadowModelName;
  const shadowHolder = shadowName === undefined ? undefined : new ModelHolder(undefined);
  const shadowFollower = shadowName === undefined || shadowHolder === undefined ? undefined : follow(shadowName, shadowHolder);
  return {
    model: holder,
    shadow: shadowHolder,
    get detail() {
      const m = holder.current.scorer.metadata;
      return { model: { name: m.name, version: m.version }, modelsTopic: follower.status, ...(shadowFollower !== undefined ? { shadow: shadowFollower.status } : {}) };
    },
    async start() {
      await retryWhileRetriable(async () => {
        const admin = kafka.admin();
        await admin.connect();
        try {
          await ensureModelsTopics(admin, topic);
          if (shadowName !== undefined && options.shadowScoresTopic !== undefined) await ensureLike(admin, options.shadowScoresTopic, options.scoresTopic);
        } finally {
          await admin.disconnect();
        }
      });
      await retryWhileRetriable(() => follower.start());
      if (shadowFollower !== undefined) await retryWhileRetriable(() => shadowFollower.start());
      log.info(
        { topic, model: modelName, version: holder.current.scorer.metadata.version, ...(shadowName !== undefined ? { shadowModel: shadowName, shadowVersion: shadowHolder?.model?.scorer.metadata.version ?? null } : {}) },
        'following the models topic',
      );
    },
    async stop() {
      await follower.stop();
      await shadowFollower?.stop();
      await holder.close();
      await shadowHolder?.close();
    },
  };
}

/** Creates `topic` when missing, with as many partitions as `like` (the scores topic): shadow scores are keyed and partitioned like the live ones. */
async function ensureLike(admin: Admin, topic: string, like: string | undefined): Promise<void> {
  if ((await admin.listTopics()).includes(topic)) return;
  const partitions = like === undefined ? 1 : ((await admin.fetchTopicMetadata({ topics: [like] })).topics[0]?.partitions.length ?? 1);
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  } catch (error) {
    if (!/already exists/i.test((error as Error).message)) throw error;
  }
}

/**
 * A topic created a moment ago (by this start or another instance's) can
 * still answer UNKNOWN_TOPIC_OR_PARTITION while its metadata spreads: retry
 * retriable Kafka errors with backoff for up to a minute instead of failing
 * the start (which a chaos test saw as exit 1).
 */
async function retryWhileRetriable<T>(step: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (let backoffMs = 200; ; backoffMs = Math.min(backoffMs * 2, 3_000)) {
    try {
      return await step();
    } catch (error) {
      if (!isRetriableKafkaError(error) || Date.now() + backoffMs > deadline) throw error;
      await sleep(backoffMs);
    }
  }
}
