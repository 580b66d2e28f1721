/**
 * Follows the models topic for one model name and swaps each new
 * publication into the ModelHolder once it is loaded and accepted. At
 * start it reads the whole topic (compacted: the latest publication per
 * name) and loads the latest one before anything is scored; afterwards it
 * polls in the background. A publication that is refused (a corrupt or
 * truncated envelope, a checksum mismatch, a model `loadModel` refuses) is
 * logged, counted and kept in `status` for `/readyz`, and the holder keeps
 * the model it has.
 */
import type { Kafka } from 'kafkajs';
import { ConfigError, PartitionReader, errorMessage } from '@tributary/streams';
import type { ModelFeatureOptions } from '../features/model-features.js';
import { loadModel } from '../model/model-loader.js';
import type { ModelMetadata } from '../model/model-metadata.js';
import { decodeEnvelope, envelopeBytes, type ModelEnvelope } from './model-envelope.js';
import type { ModelHolder } from './model-holder.js';
import { partitionCount, readUntilEnd, type TopicRecord } from './models-topic.js';

export type RefusalReason = 'envelope' | 'metadata' | 'checksum' | 'fetch' | 'model' | 'features';

export interface ModelRefused {
  readonly model: string;
  readonly version: string;
  readonly reason: RefusalReason;
  readonly message: string;
  /** Where it was read: `<topic>/<partition>@<offset>`. */
  readonly record: string;
  readonly at: string;
}

export interface ModelFollowerStatus {
  readonly topic: string;
  readonly model: string;
  /** `none`: nothing loaded yet (a shadow model before its first publication). */
  readonly live: { readonly version: string; readonly source: 'file' | 'topic' | 'none'; readonly publishedAt?: string; readonly record?: string };
  readonly refusals: number;
  readonly lastRefusal?: ModelRefused;
}

export interface ModelFollowerLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface ModelFollowerOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  /** The key to follow (MODEL_NAME). */
  readonly modelName: string;
  readonly holder: ModelHolder;
  /** FEATURES (or the model's featureExpressions), the null value and the input schema's numeric paths, as at start. */
  readonly features: ModelFeatureOptions;
  readonly log: ModelFollowerLog;
  readonly onRefused?: (refusal: ModelRefused) => void;
  readonly onSwapped?: (next: ModelMetadata, previous: ModelMetadata | undefined) => void;
  /** Longest wait of one background fetch (default 500 ms). */
  readonly pollMaxWaitMs?: number;
}

export class ModelFollower {
  readonly #options: ModelFollowerOptions;
  readonly #reader: PartitionReader;
  #next = new Map<number, bigint>();
  #running = false;
  #loop: Promise<void> | undefined;
  #live: ModelFollowerStatus['live'];
  #refusals = 0;
  #lastRefusal: ModelRefused | undefined;

  constructor(options: ModelFollowerOptions) {
    this.#options = options;
    this.#reader = new PartitionReader(options.kafka);
    const initial = options.holder.model?.scorer.metadata;
    this.#live = initial === undefined ? { version: 'none', source: 'none' } : { version: initial.version, source: 'file' };
  }

  get status(): ModelFollowerStatus {
    return {
      topic: this.#options.topic,
      model: this.#options.modelName,
      live: this.#live,
      refusals: this.#refusals,
      ...(this.#lastRefusal !== undefined ? { lastRefusal: this.#lastRefusal } : {}),
    };
  }

  /** Reads the topic to its end and applies the latest publication of the model (awaited: before the first batch), then follows it in the background. */
  async start(): Promise<void> {
    const { kafka, topic } = this.#options;
    const partitions = await partitionCount(kafka, topic);
    await this.#reader.connect();
    const { records, next } = await readUntilEnd(this.#reader, topic, partitions);
    this.#next = next;
    await this.#applyLatest(records);
    this.#running = true;
    this.#loop = this.#follow();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    await this.#reader.disconnect();
  }

  async #follow(): Promise<void> {
    const { topic } = this.#options;
    let backoffMs = 200;
    while (this.#running) {
      try {
        const fetched = await this.#reader.fetch(
          [...this.#next].map(([partition, offset]) => ({ topic, partition, offset })),
          { maxWaitMs: this.#options.pollMaxWaitMs ?? 500 },
        );
        const records: TopicRecord[] = [];
        for (const f of fetched) {
          for (const message of f.records) records.push({ partition: f.partition, offset: BigInt(message.offset), message });
          this.#next.set(f.partition, f.nextOffset);
        }
        if (this.#running) await this.#applyLatest(records);
        backoffMs = 200;
      } catch (error) {
        this.#options.log.warn({ err: error, topic }, `cannot read the models topic (retrying): ${errorMessage(error)}`);
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
        backoffMs = Math.min(backoffMs * 2, 10_000);
      }
    }
  }

  /** Applies the last record of the followed model among `records` (a compacted topic: the latest publication wins). */
  async #applyLatest(records: readonly TopicRecord[]): Promise<void> {
    const name = this.#options.modelName;
    const mine = records.filter((r) => r.message.key?.toString('utf8') === name);
    const latest = mine[mine.length - 1];
    if (latest !== undefined) await this.#apply(latest);
  }

  async #apply(record: TopicRecord): Promise<void> {
    const { topic, holder, log } = this.#options;
    const where = `${topic}/${record.partition}@${record.offset}`;
    const applied = await applyPublication(record.message, holder, this.#options.features, where, this.#options.modelName);
    if (!applied.ok) return this.#refuse(applied.refusal, where);
    const { envelope, previous } = applied;
    this.#live = { version: envelope.version, source: 'topic', publishedAt: envelope.publishedAt, record: where };
    log.info(
      { model: envelope.name, version: envelope.version, previousVersion: previous?.version ?? null, sha256: envelope.sha256, publishedAt: envelope.publishedAt, record: where, ...(envelope.rollbackOf !== undefined ? { rollbackOf: envelope.rollbackOf } : {}) },
      'model swapped',
    );
    this.#options.onSwapped?.(holder.current.scorer.metadata, previous);
  }

  #refuse(refusal: Omit<ModelRefused, 'record' | 'at'>, where: string): void {
    const full: ModelRefused = { ...refusal, record: where, at: new Date().toISOString() };
    this.#refusals++;
    this.#lastRefusal = full;
    this.#options.log.error({ ...full, keeping: this.#live.version }, `model refused, keeping ${this.#options.holder.model?.scorer.metadata.name ?? this.#options.modelName} ${this.#live.version}: ${refusal.message}`);
    this.#options.onRefused?.(full);
  }
}

export type PublicationResult =
  | { readonly ok: true; readonly envelope: ModelEnvelope; readonly previous: ModelMetadata | undefined }
  | { readonly ok: false; readonly refusal: Omit<ModelRefused, 'record' | 'at'> };

/**
 * Decodes one models-topic record, loads its model with `loadModel` and,
 * only when it is accepted, swaps it into `holder`; a refusal leaves the
 * holder as it was. Never throws for a bad publication.
 */
export async function applyPublication(
  message: { readonly key: Buffer | null; readonly value: Buffer | null },
  holder: ModelHolder,
  features: ModelFeatureOptions,
  where: string,
  fallbackName = 'unknown',
): Promise<PublicationResult> {
  const decoded = decodeEnvelope(message.value, message.key?.toString('utf8'));
  if (!decoded.ok) return { ok: false, refusal: { model: decoded.name ?? fallbackName, version: decoded.version ?? 'unknown', reason: decoded.reason, message: decoded.message } };
  const envelope = decoded.envelope;
  const bytes = await envelopeBytes(envelope);
  if (!bytes.ok) return { ok: false, refusal: { model: envelope.name, version: envelope.version, reason: bytes.reason, message: bytes.message } };
  const load = await loadModel(bytes.bytes, envelope.metadata, features, `${where} (${envelope.name} ${envelope.version})`);
  if (!load.ok) {
    const reason = load.refusal.error instanceof ConfigError ? 'features' : 'model';
    return { ok: false, refusal: { model: envelope.name, version: envelope.version, reason, message: load.refusal.message } };
  }
  const previous = holder.model?.scorer.metadata;
  holder.swap(load.model);
  return { ok: true, envelope, previous };
}
