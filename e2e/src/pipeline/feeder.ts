import { toJson, type PostItem } from '../simulator/index.js';
import type { IngestClient } from './ingest-client.js';

export interface FeedOptions {
  /** Readings per NDJSON request (default 500). */
  readonly batchSize?: number;
  /** Throttle: at most this many readings per second (default: as fast as ingest takes them). */
  readonly readingsPerSecond?: number;
  /** Stop early when this returns true (checked between batches). */
  readonly stopped?: () => boolean;
  /** After each accepted batch. */
  readonly onProgress?: (stats: FeedStats) => void;
}

export interface FeedStats {
  /** Readings ingest acknowledged (2xx). */
  readings: number;
  /** Malformed bodies ingest refused with 400. */
  rejected: number;
  /** Malformed bodies ingest did NOT refuse (a bug if ever > 0). */
  malformedAccepted: number;
  batches: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Posts simulator items to ingest in order: readings in NDJSON batches;
 * each malformed body alone (after flushing the batch before it, so the
 * order of everything posted is the simulator's), expecting a 400.
 */
export async function feed(client: IngestClient, items: Iterable<PostItem>, options: FeedOptions = {}): Promise<FeedStats> {
  const batchSize = options.batchSize ?? 500;
  const stats: FeedStats = { readings: 0, rejected: 0, malformedAccepted: 0, batches: 0 };
  const started = Date.now();
  let batch: unknown[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    if (options.readingsPerSecond !== undefined) {
      const due = started + ((stats.readings + batch.length) / options.readingsPerSecond) * 1000;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
    }
    await client.postNdjson(batch);
    stats.readings += batch.length;
    stats.batches++;
    batch = [];
    options.onProgress?.(stats);
  };
  for (const item of items) {
    if (options.stopped?.() === true) break;
    if (item.kind === 'reading') {
      batch.push(toJson(item.reading));
      if (batch.length >= batchSize) await flush();
      continue;
    }
    await flush();
    const answer = await client.post(JSON.stringify(item.body), 'application/json');
    if (answer.status === 400) stats.rejected++;
    else stats.malformedAccepted++;
  }
  await flush();
  return stats;
}
