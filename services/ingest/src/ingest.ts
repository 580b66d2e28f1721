/**
 * The running ingest operator: the topic's schema (its encoder), the
 * idempotent producer and the batcher in front of it, with their lifecycle.
 * The routes ask it to admit, encode and produce; the service shell asks it
 * whether it is ready and stops it. It is an `Operator` of the shell.
 */
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { RegistryUnavailable, type RegistryClient } from '@tributary/avro';
import { errorMessage } from '@tributary/streams';
import { BrokerUnavailable, BufferFull, NotReady } from './errors.js';
import { ingestMetrics, type IngestMetrics } from './metrics.js';
import { ProduceBatcher } from './produce-batcher.js';
import { RecordEncoder, type EncodedRecord } from './record-encoder.js';
import { RecordProducer, type IngestLog } from './record-producer.js';
import { loadTopicSchema, type TopicSchema } from './topic-schema.js';

export interface IngestOptions {
  /** A kafkajs client (its brokers, TLS and SASL). */
  readonly kafka: Kafka;
  readonly registry: RegistryClient;
  readonly topic: string;
  /** Top-level field holding the record key (a string, int or long). */
  readonly keyField: string;
  /** Schema subject; default `<topic>-value`. */
  readonly subject?: string;
  /** Registered version to write with; default `latest`. */
  readonly schemaVersion?: number | 'latest';
  /** Write with this `.avsc` file's schema instead (it must be registered under the subject). */
  readonly schemaFile?: string;
  readonly allowUnknownFields?: boolean;
  /** Largest encoded record (default 1 000 000 bytes, under the broker's default `message.max.bytes`). */
  readonly maxRecordBytes?: number;
  /** How long a batch waits for more records when no send is in flight (default 5 ms). */
  readonly lingerMs?: number;
  /** Records and estimated bytes per producer send (defaults 1 000 and 512 KiB). */
  readonly maxBatchRecords?: number;
  readonly maxBatchBytes?: number;
  /** Records accepted and not yet acknowledged before requests get 429 (default 50 000). */
  readonly maxBufferedRecords?: number;
  /** kafkajs retries of a send before the request gets 503 (default 5). */
  readonly sendRetries?: number;
  /** Broker acknowledgement timeout per produce request, ms (default 30 000). */
  readonly ackTimeoutMs?: number;
  readonly log: IngestLog;
  /** Where the `tributary_ingest_*` metrics go (none when absent). */
  readonly metricsRegistry?: Registry;
  /** Backoff between attempts to load the schema or connect the producer, ms. */
  readonly retryBackoffMs?: { readonly initial: number; readonly max: number };
}

export class Ingest {
  readonly topic: string;
  readonly metrics: IngestMetrics | undefined;
  readonly #options: IngestOptions;
  readonly #producer: RecordProducer;
  readonly #batcher: ProduceBatcher;
  #encoder: RecordEncoder | undefined;
  #schemaError: unknown;
  #schemaLoading: Promise<void> | undefined;
  #stopping = false;

  constructor(options: IngestOptions) {
    this.#options = options;
    this.topic = options.topic;
    this.#producer = new RecordProducer({
      kafka: options.kafka,
      topic: options.topic,
      sendRetries: options.sendRetries ?? 5,
      ackTimeoutMs: options.ackTimeoutMs ?? 30_000,
      log: options.log,
      ...(options.retryBackoffMs === undefined ? {} : { reconnectBackoffMs: options.retryBackoffMs }),
    });
    this.metrics = options.metricsRegistry === undefined ? undefined : ingestMetrics(options.metricsRegistry, () => this.#batcher.buffered);
    const metrics = this.metrics;
    this.#batcher = new ProduceBatcher({
      send: (records) => this.#producer.send(records),
      lingerMs: options.lingerMs ?? 5,
      maxBatchRecords: options.maxBatchRecords ?? 1_000,
      maxBatchBytes: options.maxBatchBytes ?? 512 * 1024,
      maxBufferedRecords: options.maxBufferedRecords ?? 50_000,
      ...(metrics === undefined
        ? {}
        : {
            onBatch: ({ records, seconds }) => {
              metrics.batchRecords.observe(records);
              metrics.batchSeconds.observe(seconds);
            },
          }),
    });
  }

  /** Schema loaded, producer connected, not stopping: `/readyz`. */
  get ready(): boolean {
    return this.#encoder !== undefined && this.#producer.connected && !this.#stopping;
  }

  /** Why the ingest is not ready (undefined when it is). */
  get notReadyReason(): string | undefined {
    if (this.#stopping) return 'ingest is shutting down';
    if (this.#encoder === undefined) return `the topic's schema is not loaded yet${this.#schemaError === undefined ? '' : `: ${errorMessage(this.#schemaError)}`}`;
    if (!this.#producer.connected) return `not connected to Kafka: ${this.#producer.notConnectedReason ?? 'connecting'}`;
    return undefined;
  }

  /** The schema records are written with (undefined until loaded). */
  get schema(): TopicSchema | undefined {
    return this.#encoder?.schema;
  }

  /** Records accepted and not yet acknowledged. */
  get buffered(): number {
    return this.#batcher.buffered;
  }

  /** Most records buffered at once (MAX_BUFFERED_RECORDS). */
  get capacity(): number {
    return this.#batcher.capacity;
  }

  get allowsUnknownFields(): boolean {
    return this.#options.allowUnknownFields ?? false;
  }

  /**
   * Loads the schema and connects the producer. Fails for what retrying
   * cannot fix (no schema under the subject, a key field the schema lacks, a
   * missing topic); an unreachable registry or broker is retried in the
   * background while the ingest stays not ready.
   */
  async start(): Promise<void> {
    const [schema, producer] = await Promise.allSettled([this.#loadSchema(), this.#producer.start()]);
    const failure = [schema, producer].find((result) => result.status === 'rejected');
    if (failure !== undefined) {
      await this.stop();
      throw failure.reason;
    }
  }

  /** Refuses new requests, waits for the records already accepted to be acknowledged (or fail), disconnects. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#batcher.close();
    await this.#producer.stop();
    await this.#schemaLoading;
  }

  /** Cheap checks before a request body is read: ready, connected, buffer not already full. */
  admit(): void {
    if (this.#stopping) throw new NotReady('ingest is shutting down and takes no more records');
    if (this.#encoder === undefined) throw new NotReady(`ingest cannot take records yet: ${this.notReadyReason ?? ''}`);
    if (!this.#producer.connected) {
      throw new BrokerUnavailable(`not connected to Kafka, nothing was written: ${this.#producer.notConnectedReason ?? 'connecting'}; retry later`);
    }
    if (!this.#batcher.hasRoom(1)) throw new BufferFull(this.#batcher.buffered, 1, this.#batcher.capacity, 1);
  }

  /** The encoder of the loaded schema (throws `NotReady` before it is loaded). */
  encoder(): RecordEncoder {
    if (this.#encoder === undefined) throw new NotReady(`ingest cannot take records yet: ${this.notReadyReason ?? ''}`);
    return this.#encoder;
  }

  /** Queues the records and resolves once Kafka acknowledged all of them. */
  produce(records: readonly EncodedRecord[]): Promise<void> {
    if (!this.#producer.connected) {
      return Promise.reject(new BrokerUnavailable(`not connected to Kafka, nothing was written: ${this.#producer.notConnectedReason ?? 'connecting'}; retry later`));
    }
    return this.#batcher.produce(records);
  }

  /** First attempt now; if the registry is unreachable, keeps trying in the background. */
  async #loadSchema(): Promise<void> {
    try {
      await this.#tryLoadSchema();
    } catch (error) {
      if (!(error instanceof RegistryUnavailable)) throw error;
      this.#schemaError = error;
      this.#options.log.warn({ err: errorMessage(error) }, 'schema registry unavailable; loading the schema in the background');
      this.#schemaLoading = this.#retryLoadSchema();
    }
  }

  async #retryLoadSchema(): Promise<void> {
    const { initial, max } = this.#options.retryBackoffMs ?? { initial: 500, max: 10_000 };
    for (let delay = initial; !this.#stopping; delay = Math.min(delay * 2, max)) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (this.#stopping) return;
      try {
        await this.#tryLoadSchema();
        return;
      } catch (error) {
        this.#schemaError = error;
        // A schema that is missing or unusable will not fix itself, but someone may register it: keep trying, loudly.
        this.#options.log.warn({ err: errorMessage(error) }, 'cannot load the topic schema');
      }
    }
  }

  async #tryLoadSchema(): Promise<void> {
    const o = this.#options;
    const schema = await loadTopicSchema(o.registry, {
      subject: o.subject ?? `${o.topic}-value`,
      ...(o.schemaVersion === undefined ? {} : { version: o.schemaVersion }),
      ...(o.schemaFile === undefined ? {} : { file: o.schemaFile }),
    });
    this.#encoder = new RecordEncoder(schema, {
      keyField: o.keyField,
      maxRecordBytes: o.maxRecordBytes ?? 1_000_000,
      ...(o.allowUnknownFields === undefined ? {} : { allowUnknownFields: o.allowUnknownFields }),
    });
    this.#schemaError = undefined;
    o.log.info({ topic: o.topic, schema: schema.source }, 'schema loaded');
  }
}
