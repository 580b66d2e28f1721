/**
 * Writes the dead letters of refused requests to the dead-letter topic,
 * before the refusal is answered: a client that got the 400 / 413 can rely
 * on the refused records being on the topic.
 *
 * It is a second `RecordProducer` (idempotent, acks=all, reconnecting in the
 * background, failing at start when the topic does not exist: ingest
 * creates no topics) behind its own `ProduceBatcher`, so dead letters of
 * concurrent requests share sends and never wait behind, or hold up, the
 * topic's records.
 *
 * A dead letter that cannot be written does not change the answer (the
 * request is still refused with its 4xx): `write` never throws; it logs an
 * error and counts the letters in `tributary_ingest_dead_letter_failures_total`.
 */
import { errorMessage, type Compression } from '@tributary/streams';
import type { Kafka } from 'kafkajs';
import type { DeadLetter } from './dead-letters.js';
import type { IngestMetrics } from './metrics.js';
import { ProduceBatcher } from './produce-batcher.js';
import { RecordProducer, type IngestLog } from './record-producer.js';

export interface DeadLetterWriterOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly sendRetries: number;
  readonly ackTimeoutMs: number;
  readonly compression: Compression;
  /** Dead letters waiting for the broker before more are dropped (and counted as failures). */
  readonly maxBufferedRecords: number;
  readonly maxBatchRecords: number;
  readonly maxBatchBytes: number;
  readonly log: IngestLog;
  readonly metrics: IngestMetrics | undefined;
  readonly reconnectBackoffMs?: { readonly initial: number; readonly max: number };
}

export class DeadLetterWriter {
  readonly topic: string;
  readonly #options: DeadLetterWriterOptions;
  readonly #producer: RecordProducer;
  readonly #batcher: ProduceBatcher;

  constructor(options: DeadLetterWriterOptions) {
    this.#options = options;
    this.topic = options.topic;
    this.#producer = new RecordProducer({
      kafka: options.kafka,
      topic: options.topic,
      topicSetting: 'set DLQ_TOPIC (none writes no dead letters)',
      sendRetries: options.sendRetries,
      ackTimeoutMs: options.ackTimeoutMs,
      compression: options.compression,
      log: options.log,
      ...(options.reconnectBackoffMs === undefined ? {} : { reconnectBackoffMs: options.reconnectBackoffMs }),
    });
    this.#batcher = new ProduceBatcher({
      send: (records) => this.#producer.send(records),
      // No linger: refusals are rare and their answer waits for this write. Dead letters of concurrent refusals still share a send while one is in flight.
      lingerMs: 0,
      maxBatchRecords: options.maxBatchRecords,
      maxBatchBytes: options.maxBatchBytes,
      maxBufferedRecords: options.maxBufferedRecords,
    });
  }

  get connected(): boolean {
    return this.#producer.connected;
  }

  get notConnectedReason(): string | undefined {
    return this.#producer.notConnectedReason;
  }

  /** Connects; throws when the topic does not exist (an unreachable broker is retried in the background). */
  start(): Promise<void> {
    return this.#producer.start();
  }

  /** Writes what was accepted, then disconnects. */
  async stop(): Promise<void> {
    await this.#batcher.close();
    await this.#producer.stop();
  }

  /**
   * Writes the dead letters and resolves once the broker acknowledged them,
   * or once their failure was logged and counted. Never rejects.
   */
  async write(letters: readonly DeadLetter[], requestId: string): Promise<void> {
    if (letters.length === 0) return;
    const metrics = this.#options.metrics;
    try {
      await this.#batcher.produce(letters.map(({ key, value, headers }) => (headers === undefined ? { key, value } : { key, value, headers })));
    } catch (error) {
      for (const [code, count] of countByCode(letters)) metrics?.deadLetterFailures.inc({ code }, count);
      this.#options.log.error(
        { err: errorMessage(error), topic: this.topic, requestId, deadLetters: letters.length },
        'cannot write the refused records to the dead-letter topic; the request is refused all the same',
      );
      return;
    }
    for (const [code, count] of countByCode(letters)) metrics?.deadLetters.inc({ code }, count);
    this.#options.log.debug({ topic: this.topic, requestId, deadLetters: letters.length }, 'refused records written to the dead-letter topic');
  }
}

function countByCode(letters: readonly DeadLetter[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { code } of letters) counts.set(code, (counts.get(code) ?? 0) + 1);
  return counts;
}
