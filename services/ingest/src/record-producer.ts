/**
 * The idempotent producer behind ingest, and what happens when Kafka is not
 * there.
 *
 * - `idempotent: true`, `acks: -1` (all in-sync replicas), and
 *   `maxInFlightRequests: 1` (kafkajs serializes an idempotent producer's
 *   requests per broker anyway; the limit makes it explicit). kafkajs' own
 *   retries inside a send reuse the batch's sequence numbers, so a retried
 *   request is never written twice.
 * - A send is retried `sendRetries` times, then fails; the request gets 503.
 *   kafkajs' default for idempotent producers is to retry forever, which
 *   would hold every HTTP request while the broker is down.
 * - After a failed send the producer is replaced by a new one (a new
 *   producer id). kafkajs rolls the failed batch's sequence numbers back, so
 *   the same producer would give the next, different records those numbers;
 *   if the failed batch had in fact been written, the broker would take the
 *   new one for a duplicate and drop it while acknowledging it.
 * - While not connected (at start, after a failure) a new producer is
 *   connected in the background with backoff; sends fail at once with
 *   `BrokerUnavailable` saying why, instead of waiting.
 * - `start()` fails with `IngestSetupError` when the broker answers but the
 *   topic does not exist: producers never create topics here.
 *
 * Ingest runs two: one for the topic, one for the dead-letter topic.
 */
import type { Kafka, Producer } from 'kafkajs';
import { COMPRESSION_TYPES, errorMessage, isRetriable, kafkajs, type Compression } from '@tributary/streams';
import { BrokerUnavailable, IngestSetupError, ProduceFailed } from './errors.js';
import type { OutgoingRecord } from './record-encoder.js';

/** The part of a pino logger used here. */
export interface IngestLog {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface RecordProducerOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  /** How the topic is configured, for the message when it is missing (default `set INGEST_TOPIC`). */
  readonly topicSetting?: string;
  /** kafkajs retries of one send before it fails (its backoff starts at 300 ms and doubles). */
  readonly sendRetries: number;
  /** How long the broker may take to acknowledge a produce request (acks=all), ms. */
  readonly ackTimeoutMs: number;
  /** Batch compression (default none). */
  readonly compression?: Compression;
  readonly log: IngestLog;
  /** First and largest wait between reconnection attempts, ms (defaults 500 and 10 000). */
  readonly reconnectBackoffMs?: { readonly initial: number; readonly max: number };
}

class TopicMissing extends IngestSetupError {}

export class RecordProducer {
  readonly #options: RecordProducerOptions;
  #producer: Producer | undefined;
  #connected = false;
  #reconnecting: Promise<void> | undefined;
  #stopped = false;
  /** Ends the reconnection loop's current wait (on stop). */
  #wake: (() => void) | undefined;
  /** Why the producer is not connected, for the 503 answers and /readyz. */
  #lastError: unknown;

  constructor(options: RecordProducerOptions) {
    this.#options = options;
  }

  get topic(): string {
    return this.#options.topic;
  }

  /** Connected to the cluster, producer id initialised, and the topic exists. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Why the producer is not connected (undefined while connected). */
  get notConnectedReason(): string | undefined {
    if (this.#connected) return undefined;
    return this.#lastError === undefined ? 'connecting to Kafka' : errorMessage(this.#lastError);
  }

  /**
   * Connects. A missing topic throws; an unreachable broker does not: the
   * producer keeps connecting in the background (not `connected` meanwhile).
   */
  async start(): Promise<void> {
    try {
      await this.#open();
    } catch (error) {
      if (error instanceof TopicMissing) throw error;
      this.#notConnected(error);
    }
  }

  /** Sends one batch and resolves once the broker acknowledged every record. */
  async send(records: readonly OutgoingRecord[]): Promise<void> {
    const producer = this.#producer;
    if (!this.#connected || producer === undefined) {
      throw new BrokerUnavailable(`not connected to Kafka, nothing was written: ${this.notConnectedReason ?? 'connecting'}; retry later`, this.#lastError);
    }
    try {
      await producer.send({
        topic: this.#options.topic,
        acks: -1,
        timeout: this.#options.ackTimeoutMs,
        compression: COMPRESSION_TYPES[this.#options.compression ?? 'none'],
        messages: records as OutgoingRecord[],
      });
    } catch (error) {
      this.#notConnected(error);
      const message = `Kafka did not acknowledge the records (${errorMessage(error)}); some of them may have been written: retry the request`;
      throw isRetriable(error) || isConnectionError(error) ? new BrokerUnavailable(message, error) : new ProduceFailed(message, error);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#connected = false;
    this.#wake?.();
    await this.#reconnecting;
    const producer = this.#producer;
    this.#producer = undefined;
    await producer?.disconnect();
  }

  /** Replaces the producer: disconnects the old one, connects a new one, checks the topic. */
  async #open(): Promise<void> {
    const previous = this.#producer;
    this.#producer = undefined;
    await previous?.disconnect().catch(() => undefined);
    const { kafka, topic } = this.#options;
    const producer = kafka.producer({
      // Kafka's own partitioner (murmur2 of the key), as the Java clients and the streams runtime use it.
      createPartitioner: kafkajs().Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: this.#options.sendRetries },
    });
    try {
      await producer.connect();
      const admin = kafka.admin();
      await admin.connect();
      try {
        const topics = await admin.listTopics();
        if (!topics.includes(topic)) {
          throw new TopicMissing(`topic "${topic}" does not exist on the Kafka cluster: create it (ingest never creates topics), or ${this.#options.topicSetting ?? 'set INGEST_TOPIC'}`);
        }
      } finally {
        await admin.disconnect();
      }
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
    if (this.#stopped) {
      await producer.disconnect();
      return;
    }
    this.#producer = producer;
    this.#connected = true;
    this.#lastError = undefined;
    this.#options.log.info({ topic }, 'producer connected');
  }

  #notConnected(error: unknown): void {
    this.#connected = false;
    this.#lastError = error;
    if (this.#stopped || this.#reconnecting !== undefined) return;
    this.#options.log.warn({ err: errorMessage(error), topic: this.#options.topic }, 'producer not connected; reconnecting in the background');
    this.#reconnecting = this.#reconnect().finally(() => (this.#reconnecting = undefined));
  }

  async #reconnect(): Promise<void> {
    const { initial, max } = this.#options.reconnectBackoffMs ?? { initial: 500, max: 10_000 };
    let delay = initial;
    let attempts = 0;
    while (!this.#stopped) {
      try {
        await this.#open();
        return;
      } catch (error) {
        this.#lastError = error;
        attempts++;
        // Every attempt at debug, and a warning now and then so an outage stays visible without flooding the log.
        const log = attempts % 10 === 1 ? this.#options.log.warn.bind(this.#options.log) : this.#options.log.debug.bind(this.#options.log);
        log({ err: errorMessage(error), attempts, retryInMs: delay }, 'cannot connect the producer');
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
      delay = Math.min(delay * 2, max);
    }
  }
}

function isConnectionError(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    if (/Connection|BrokerNotFound|RequestTimeout|NumberOfRetriesExceeded/.test(e.name)) return true;
  }
  return false;
}
