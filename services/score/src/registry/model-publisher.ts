/**
 * Publishing, rolling back and listing models on the models topic (what
 * `npm run model -- …` runs). A publication goes, in one transaction, to
 * the compacted models topic (what operators follow: the latest per name)
 * and to its history topic (every publication, kept: what rollback reads).
 * A model is published only once it loads here as the operator would load
 * it (`loadModel`: the graph against its metadata, FEATURES against the
 * model and the input schema).
 */
import type { Kafka } from 'kafkajs';
import { WindowAggregateSchema } from '@tributary/schemas';
import { ModelError } from '../errors.js';
import { numericPaths } from '../features/numeric-paths.js';
import { loadModel } from '../model/model-loader.js';
import type { ModelMetadata } from '../model/model-metadata.js';
import { decodeEnvelope, encodeEnvelope, envelopeBytes, envelopeFor, type ModelEnvelope } from './model-envelope.js';
import { ensureModelsTopics, historyTopic, readWholeTopic } from './models-topic.js';

export interface PublishTarget {
  readonly kafka: Kafka;
  /** The compacted models topic (MODELS_TOPIC); its history is `<topic>.history`. */
  readonly topic: string;
}

export interface PublishOptions extends PublishTarget {
  readonly bytes: Uint8Array;
  /** model.json; undefined: the metadata embedded in the file. */
  readonly metadata?: ModelMetadata | undefined;
  /** FEATURES as the operators set it (undefined: the model's featureExpressions). */
  readonly features?: readonly string[] | undefined;
  /** The operators' input record's numeric paths, which the features must read (default: WindowAggregate's; `--input-schema`). */
  readonly numericPaths?: ReadonlySet<string> | undefined;
  readonly inlineMaxBytes?: number;
  /** Where operators read a model larger than `inlineMaxBytes` (file:// or http(s)://). */
  readonly url?: string | undefined;
  /** Name of the model in messages (its path). */
  readonly source?: string;
}

/**
 * Loads `bytes` as the operator would; throws the refusal's error (a ModelError or ConfigError naming the mismatch).
 * `inputPaths`: the input record's numeric paths (default: WindowAggregate's, windows mode).
 */
export async function checkModel(
  bytes: Uint8Array,
  metadata: ModelMetadata | undefined,
  features: readonly string[] | undefined,
  source: string,
  inputPaths?: ReadonlySet<string>,
): Promise<ModelMetadata> {
  const load = await loadModel(bytes, metadata, { items: features, nullValue: 0, numericPaths: inputPaths ?? numericPaths(WindowAggregateSchema.schema) }, source);
  if (!load.ok) throw load.refusal.error;
  await load.model.release();
  return load.model.scorer.metadata;
}

async function send(target: PublishTarget, envelope: ModelEnvelope): Promise<void> {
  const admin = target.kafka.admin();
  await admin.connect();
  try {
    await ensureModelsTopics(admin, target.topic);
  } finally {
    await admin.disconnect();
  }
  const producer = target.kafka.producer({ transactionalId: `tributary-models-${target.topic}`, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const value = encodeEnvelope(envelope);
    const transaction = await producer.transaction();
    try {
      await transaction.sendBatch({
        topicMessages: [target.topic, historyTopic(target.topic)].map((topic) => ({ topic, messages: [{ key: envelope.name, value }] })),
      });
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw error;
    }
  } finally {
    await producer.disconnect();
  }
}

/** Checks the model, then publishes it; returns what was published. */
export async function publishModel(options: PublishOptions): Promise<ModelEnvelope> {
  const metadata = await checkModel(options.bytes, options.metadata, options.features, options.source ?? 'model', options.numericPaths);
  const envelope = envelopeFor(options.bytes, metadata, { ...(options.inlineMaxBytes !== undefined ? { inlineMaxBytes: options.inlineMaxBytes } : {}), url: options.url });
  await send(options, envelope);
  return envelope;
}

export interface ModelListing {
  /** The latest readable publication of each model, by name (operators refuse an unreadable one and keep the one before). */
  readonly live: Map<string, ModelEnvelope>;
  /** Every publication, oldest first; undecodable records are listed with their refusal. */
  readonly history: ({ readonly ok: true; readonly envelope: ModelEnvelope } | { readonly ok: false; readonly key: string | undefined; readonly message: string })[];
}

export async function listModels(target: PublishTarget): Promise<ModelListing> {
  const admin = target.kafka.admin();
  await admin.connect();
  try {
    await ensureModelsTopics(admin, target.topic);
  } finally {
    await admin.disconnect();
  }
  const live = new Map<string, ModelEnvelope>();
  for (const { message } of (await readWholeTopic(target.kafka, target.topic)).records) {
    const key = message.key?.toString('utf8');
    const decoded = decodeEnvelope(message.value, key);
    // An unreadable record does not replace the one before it: operators refuse it and keep that one.
    if (decoded.ok) live.set(decoded.envelope.name, decoded.envelope);
  }
  const history: ModelListing['history'] = (await readWholeTopic(target.kafka, historyTopic(target.topic))).records.map(({ message }) => {
    const key = message.key?.toString('utf8');
    const decoded = decodeEnvelope(message.value, key);
    return decoded.ok ? { ok: true, envelope: decoded.envelope } : { ok: false, key, message: decoded.message };
  });
  return { live, history };
}

/** The last publication of `current`'s model in `history` whose version differs from `current`'s: the version live before it. */
export function previousPublication(history: ModelListing['history'], current: Pick<ModelEnvelope, 'name' | 'version'>): ModelEnvelope | undefined {
  return history.flatMap((h) => (h.ok && h.envelope.name === current.name && h.envelope.version !== current.version ? [h.envelope] : [])).at(-1);
}

/**
 * Re-publishes the version that was live before the current one: the last
 * publication of `name` in the history whose version differs from the live
 * version. It is a new publication (new `publishedAt`, `rollbackOf` the
 * version it replaces), checked like any other; a second rollback goes back
 * to the version the first one replaced.
 */
export async function rollbackModel(target: PublishTarget & { readonly features?: readonly string[] | undefined; readonly numericPaths?: ReadonlySet<string> | undefined }, name: string): Promise<ModelEnvelope> {
  const { live, history } = await listModels(target);
  const current = live.get(name);
  if (current === undefined) throw new ModelError(`model ${name} has no publication on ${target.topic}: nothing to roll back`);
  const previous = previousPublication(history, current);
  if (previous === undefined) throw new ModelError(`model ${name} has no version before ${current.version} in ${historyTopic(target.topic)}: nothing to roll back to`);
  const bytes = await envelopeBytes(previous);
  if (!bytes.ok) throw new ModelError(bytes.message);
  await checkModel(bytes.bytes, previous.metadata, target.features, `${name} ${previous.version}`, target.numericPaths);
  const envelope: ModelEnvelope = { ...previous, publishedAt: new Date().toISOString(), rollbackOf: current.version };
  await send(target, envelope);
  return envelope;
}
