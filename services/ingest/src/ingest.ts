/**
 * The running ingest operator: the topic's schema (its encoder), the
 * idempotent producer and the batcher in front of it, and the dead-letter
 * writer, with their lifecycle. The routes ask it to admit, encode, produce
 * and dead-letter; the service shell asks it whether it is ready and stops
 * it. It is an `Operator` of the shell.
 */
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { RegistryUnavailable, type RegistryClient } from '@tributary/avro';
import { errorMessage, type Compression } from '@tributary/streams';
import { DeadLetterWriter } from './dead-letter-writer.js';
import { deadLettersOf, type RefusedRequest } from './dead-letters.js';
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
  /**
   * Where records refused for their content go (INVALID_RECORDS,
   * RECORD_TOO_LARGE, MALFORMED_BODY), written before the refusal is
   * answered; it must exist. None when absent.
   */
  readonly deadLetterTopic?: string;
  /** Largest dead-letter value; longer bodies and records are cut (default 65 536 bytes). */
  readonly maxDeadLetterBytes?: number;
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
  /** Batch compression of records and dead letters (default none). */
  readonly compression?: Compression;
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
  readonly #deadLetters: DeadLetterWriter | undefined;
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
      compression: options.compression ?? 'none',
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
    this.#deadLetters =
      options.deadLetterTopic === undefined
        ? undefined
        : new DeadLetterWriter({
            kafka: options.kafka,
            topic: options.deadLetterTopic,
            sendRetries: options.sendRetries ?? 5,
            ackTimeoutMs: options.ackTimeoutMs ?? 30_000,
            compression: options.compression ?? 'none',
            maxBatchRecords: options.maxBatchRecords ?? 1_000,
            maxBatchBytes: options.maxBatchBytes ?? 512 * 1024,
            maxBufferedRecords: options.maxBufferedRecords ?? 50_000,
            log: options.log,
            metrics,
            ...(options.retryBackoffMs === undefined ? {} : { reconnectBackoffMs: options.retryBackoffMs }),
          });
  }

  /** The dead-letter topic (undefined when refused records are not dead-lettered). */
  get deadLetterTopic(): string | undefined {
    return this.#deadLetters?.topic;
  }

  /** Schema loaded, producers (topic and dead-letter topic) connected, not stopping: `/readyz`. */
  get ready(): boolean {
    return this.#encoder !== undefined && this.#producer.connected && (this.#deadLetters?.connected ?? true) && !this.#stopping;
  }

  /** Why the ingest is not ready (undefined when it is). */
  get notReadyReason(): string | undefined {
    if (this.#stopping) return 'ingest is shutting down';
    if (this.#encoder === undefined) return `the topic's schema is not loaded yet${this.#schemaError === undefined ? '' : `: ${errorMessage(this.#schemaError)}`}`;
    if (!this.#producer.connected) return `not connected to Kafka: ${this.#producer.notConnectedReason ?? 'connecting'}`;
    const deadLetters = this.#deadLetters;
    if (deadLetters !== undefined && !deadLetters.connected) {
      return `cannot write to the dead-letter topic ${deadLetters.topic}: ${deadLetters.notConnectedReason ?? 'connecting'}`;
    }
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
   * Loads the schema and connects the producers. Fails for what retrying
   * cannot fix (no schema under the subject, a key field the schema lacks, a
   * missing topic or dead-letter topic); an unreachable registry or broker
   * is retried in the background while the ingest stays not ready.
   */
  async start(): Promise<void> {
    const results = await Promise.allSettled([this.#loadSchema(), this.#producer.start(), this.#deadLetters?.start()]);
    const failure = results.find((result) => result.status === 'rejected');
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
    await this.#deadLetters?.stop();
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

  /**
   * Writes the records `error` refused for their content to the dead-letter
   * topic and resolves once they are acknowledged (or their failure was
   * logged and counted: the request is refused all the same). Does nothing
   * for other errors, or without a dead-letter topic. Never rejects.
   */
  async deadLetter(error: unknown, request: RefusedRequest): Promise<void> {
    const writer = this.#deadLetters;
    if (writer === undefined) return;
    let letters;
    try {
      letters = deadLettersOf(error, request, { keyField: this.#options.keyField, targetTopic: this.topic, maxValueBytes: this.#options.maxDeadLetterBytes ?? 65_536 });
    } catch (failure) {
      // A bug here must not turn the 4xx into a 500: log it loudly instead.
      const code = (error as { code?: unknown }).code;
      this.metrics?.deadLetterFailures.inc({ code: typeof code === 'string' ? code : 'UNKNOWN' });
      this.#options.log.error({ err: errorMessage(failure), requestId: request.requestId }, 'cannot build the dead letters of a refused request');
      return;
    }
    await writer.write(letters, request.requestId);
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
