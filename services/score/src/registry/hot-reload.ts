/**
 * The operator's hot reload, as main.ts wires it: a ModelHolder starting
 * with the model file's model and, when MODELS_TOPIC is set, a follower of
 * that topic (MODEL_NAME's key) that swaps each accepted publication in
 * between batches. Refusals feed `tributary_score_model_refusals_total` and
 * the `/readyz` detail.
 */
import type { ServiceContext } from '@tributary/service';
import type { Registry } from 'prom-client';
import type { KafkaConfig } from 'kafkajs';
import { WindowAggregateSchema } from '@tributary/schemas';
import { kafkajs } from '@tributary/streams';
import { numericPaths } from '../features/numeric-paths.js';
import type { LoadedModel } from '../model/model-loader.js';
import { modelRefusalsCounter } from '../metrics.js';
import { ModelFollower } from './model-follower.js';
import { ModelHolder, type ModelSource } from './model-holder.js';
import { ensureModelsTopics } from './models-topic.js';

export interface HotReload {
  readonly model: ModelSource;
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
  readonly features: readonly string[] | undefined;
  readonly nullValue: number;
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
  const follower = new ModelFollower({
    kafka,
    topic,
    modelName,
    holder,
    features: { items: options.features, nullValue: options.nullValue, numericPaths: numericPaths(WindowAggregateSchema.schema) },
    log: {
      info: (fields, message) => log.info(fields, message),
      warn: (fields, message) => log.warn(fields, message),
      error: (fields, message) => log.error(fields, message),
    },
    onRefused: (r) => refusals.inc({ model: r.model, version: r.version, reason: r.reason }),
  });
  return {
    model: holder,
    get detail() {
      const m = holder.current.scorer.metadata;
      return { model: { name: m.name, version: m.version }, modelsTopic: follower.status };
    },
    async start() {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await ensureModelsTopics(admin, topic);
      } finally {
        await admin.disconnect();
      }
      await follower.start();
      log.info({ topic, model: modelName, version: holder.current.scorer.metadata.version }, 'following the models topic');
    },
    async stop() {
      await follower.stop();
      await holder.close();
    },
  };
}
