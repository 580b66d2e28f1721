/**
 * Ingest's own metrics, registered on the service's registry beside the
 * shell's standard ones.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface IngestMetrics {
  /** Answers to POST /records by HTTP status. */
  readonly requests: Counter<'status'>;
  /** Records acknowledged by Kafka (`accepted`) or refused with their request (`rejected`). */
  readonly records: Counter<'outcome'>;
  /** POST /records from the first byte to the answer. */
  readonly requestSeconds: Histogram;
  /** Records per producer send, and how long the broker took to acknowledge them. */
  readonly batchRecords: Histogram;
  readonly batchSeconds: Histogram;
  /** Refused records written to the dead-letter topic, by refusal code. */
  readonly deadLetters: Counter<'code'>;
  /** Refused records that could not be written to the dead-letter topic (the request was refused all the same). */
  readonly deadLetterFailures: Counter<'code'>;
}

/**
 * Creates the metrics on `registry`. `buffered` is read at each scrape for
 * `tributary_ingest_buffered_records`.
 */
export function ingestMetrics(registry: Registry, buffered: () => number): IngestMetrics {
  const registers = [registry];
  new Gauge({
    name: 'tributary_ingest_buffered_records',
    help: 'Records accepted into the produce buffer and not yet acknowledged by Kafka (or failed).',
    registers,
    collect() {
      this.set(buffered());
    },
  });
  const metrics: IngestMetrics = {
    requests: new Counter({ name: 'tributary_ingest_requests_total', help: 'Ingest requests answered, by HTTP status.', labelNames: ['status'], registers }),
    records: new Counter({
      name: 'tributary_ingest_records_total',
      help: 'Records acknowledged by Kafka (outcome="accepted") or refused with their request (outcome="rejected": invalid, buffer full, broker unavailable).',
      labelNames: ['outcome'],
      registers,
    }),
    requestSeconds: new Histogram({
      name: 'tributary_ingest_request_seconds',
      help: 'Time from receiving an ingest request to answering it, seconds.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    batchRecords: new Histogram({
      name: 'tributary_ingest_batch_records',
      help: 'Records per producer send (requests batched together).',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'tributary_ingest_batch_seconds',
      help: 'Time Kafka took to acknowledge one producer send (acks=all), seconds.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    deadLetters: new Counter({
      name: 'tributary_ingest_dead_letters_total',
      help: 'Records refused for their content (INVALID_RECORDS, RECORD_TOO_LARGE, MALFORMED_BODY) and written to the dead-letter topic, by code.',
      labelNames: ['code'],
      registers,
    }),
    deadLetterFailures: new Counter({
      name: 'tributary_ingest_dead_letter_failures_total',
      help: 'Refused records that could not be written to the dead-letter topic (the request was refused all the same), by code.',
      labelNames: ['code'],
      registers,
    }),
  };
  // The content codes exported from the start at 0: a rate over a series that appears only with its first event reads as nothing.
  for (const code of DEAD_LETTER_CODES) {
    metrics.deadLetters.inc({ code }, 0);
    metrics.deadLetterFailures.inc({ code }, 0);
  }
  return metrics;
}

/** The codes of records refused for their content (what `tributary_ingest_dead_letters_total` counts). */
const DEAD_LETTER_CODES = ['INVALID_RECORDS', 'RECORD_TOO_LARGE', 'MALFORMED_BODY'] as const;
