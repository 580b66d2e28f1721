import { paymentToJson, type LabelledPayment } from '../fraud/index.js';
import type { IngestClient } from './ingest-client.js';

export interface PaymentFeedOptions {
  /** Payments per NDJSON request at most (default 500). */
  readonly batchSize?: number;
  /**
   * Pace: simulated ms per wall-clock ms. A payment is posted once
   * `(eventTime − startTime) / speed` ms have passed since the feed began, so
   * the simulated daily rhythm shows in the rate. Unset: as fast as ingest takes them.
   */
  readonly speed?: number;
  /** Event time that maps to the start of the feed (default: the first payment's). */
  readonly startTime?: number;
  /** Stop early when this returns true (checked between batches). */
  readonly stopped?: () => boolean;
  /** After each accepted batch. */
  readonly onProgress?: (stats: PaymentFeedStats) => void;
}

export interface PaymentFeedStats {
  /** Payments ingest acknowledged (2xx). */
  payments: number;
  /** Of those, labelled fraud by the simulator. */
  fraud: number;
  batches: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Posts simulated payments to ingest in their order, as NDJSON batches: a
 * batch closes when it is full or when the next payment is not due yet.
 * Throws if ingest refuses a batch (every simulated payment is valid).
 */
export async function feedPayments(client: IngestClient, payments: Iterable<LabelledPayment>, options: PaymentFeedOptions = {}): Promise<PaymentFeedStats> {
  const batchSize = options.batchSize ?? 500;
  const stats: PaymentFeedStats = { payments: 0, fraud: 0, batches: 0 };
  const started = Date.now();
  let origin = options.startTime;
  let batch: LabelledPayment[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    await client.postNdjson(batch.map((p) => paymentToJson(p.payment)));
    stats.payments += batch.length;
    stats.fraud += batch.filter((p) => p.fraud).length;
    stats.batches++;
    batch = [];
    options.onProgress?.(stats);
  };
  for (const item of payments) {
    if (options.stopped?.() === true) break;
    const t = item.payment.eventTime.getTime();
    origin ??= t;
    if (options.speed !== undefined) {
      const due = started + (t - origin) / options.speed;
      if (due > Date.now()) await flush();
      // In short naps: a quiet simulated night can be a long wait, and a stop must not wait for it.
      while (due > Date.now() && options.stopped?.() !== true) await sleep(Math.min(due - Date.now(), 250));
      if (options.stopped?.() === true) break;
    }
    batch.push(item);
    if (batch.length >= batchSize) await flush();
  }
  if (options.stopped?.() !== true) await flush();
  return stats;
}
