/**
 * Shares producer round trips between concurrent requests. kafkajs sends
 * what one call gives it and batches nothing itself, so a request per send
 * would cost a broker round trip per request. The batcher queues the records
 * of every request and sends them in batches:
 *
 * - one send at a time; records that arrive while a send is in flight go
 *   out together as soon as it ends (they already waited a round trip);
 * - with no send in flight, the first records wait up to `lingerMs` for
 *   company, unless a full batch is already there;
 * - a batch holds at most `maxBatchRecords` records and `maxBatchBytes`
 *   estimated bytes: kafkajs writes a call's records for one partition as
 *   one record batch, which the broker refuses above `message.max.bytes`,
 *   and it groups them per partition in time quadratic in their number.
 *
 * A request's promise resolves only when every one of its records was
 * acknowledged, possibly over several sends, and rejects with the first
 * send error that touched it (its remaining records are then not sent).
 * Records keep their order: a request's records, and requests in the order
 * they were queued.
 *
 * The buffer is bounded: `produce` refuses a request with `BufferFull` when
 * its records would take the buffered count (queued plus in flight) above
 * `maxBufferedRecords`, so memory stays bounded while Kafka is slow.
 */
import { BufferFull, NotReady } from './errors.js';
import type { OutgoingRecord } from './record-encoder.js';

export interface ProduceBatcherOptions {
  /** Sends one batch; resolves once the broker acknowledged all of it (acks=all). */
  readonly send: (records: readonly OutgoingRecord[]) => Promise<void>;
  readonly lingerMs: number;
  readonly maxBatchRecords: number;
  readonly maxBatchBytes: number;
  readonly maxBufferedRecords: number;
  /** The `Retry-After` a refused request is given (default 1 s). */
  readonly retryAfterSeconds?: number;
  /** Called after each send with its size and duration; `error` when it failed. */
  readonly onBatch?: (batch: { readonly records: number; readonly bytes: number; readonly seconds: number; readonly error?: unknown }) => void;
}

interface Pending {
  readonly records: readonly OutgoingRecord[];
  /** Index of the first record not yet taken into a batch. */
  next: number;
  acked: number;
  settled: boolean;
  resolve(): void;
  reject(error: unknown): void;
}

/** Estimated size of a record in a produce request (key, value, headers, per-record overhead). */
export function recordBytes(record: OutgoingRecord): number {
  let bytes = 24 + (record.key?.length ?? 0) + record.value.length;
  if (record.headers !== undefined) for (const [name, value] of Object.entries(record.headers)) bytes += 8 + name.length + value.length;
  return bytes;
}

export class ProduceBatcher {
  readonly #options: ProduceBatcherOptions;
  readonly #queue: Pending[] = [];
  #buffered = 0;
  #queuedRecords = 0;
  #queuedBytes = 0;
  #sending = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #idleWaiters: (() => void)[] = [];

  constructor(options: ProduceBatcherOptions) {
    this.#options = options;
  }

  /** Records accepted and not yet acknowledged or failed. */
  get buffered(): number {
    return this.#buffered;
  }

  get capacity(): number {
    return this.#options.maxBufferedRecords;
  }

  /** True when `count` more records fit in the buffer now. */
  hasRoom(count: number): boolean {
    return this.#buffered + count <= this.#options.maxBufferedRecords;
  }

  /**
   * Queues `records` and resolves when the broker acknowledged all of them.
   * Rejects at once with `BufferFull` (nothing queued) when they do not fit,
   * with `NotReady` after `close()`, and later with the send's error.
   */
  produce(records: readonly OutgoingRecord[]): Promise<void> {
    if (this.#closed) return Promise.reject(new NotReady('ingest is shutting down and takes no more records'));
    if (records.length === 0) return Promise.resolve();
    if (!this.hasRoom(records.length)) {
      return Promise.reject(new BufferFull(this.#buffered, records.length, this.#options.maxBufferedRecords, this.#options.retryAfterSeconds ?? 1));
    }
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ records, next: 0, acked: 0, settled: false, resolve, reject });
      this.#buffered += records.length;
      this.#queuedRecords += records.length;
      for (const record of records) this.#queuedBytes += recordBytes(record);
      this.#schedule();
    });
  }

  /** Sends what is queued now (no linger) and resolves when nothing is queued or in flight. */
  async flush(): Promise<void> {
    if (this.#queue.length > 0) this.#startSending();
    if (!this.#sending && this.#queue.length === 0) return;
    await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Refuses new records, then sends and awaits everything already accepted. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  #schedule(): void {
    if (this.#sending) return; // the send loop takes the new records when the current send ends
    if (this.#queuedRecords >= this.#options.maxBatchRecords || this.#queuedBytes >= this.#options.maxBatchBytes || this.#options.lingerMs <= 0) {
      this.#startSending();
    } else {
      this.#timer ??= setTimeout(() => this.#startSending(), this.#options.lingerMs);
    }
  }

  #startSending(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#sending) return;
    this.#sending = true;
    void this.#sendLoop();
  }

  async #sendLoop(): Promise<void> {
    try {
      for (let batch = this.#takeBatch(); batch.records.length > 0; batch = this.#takeBatch()) {
        const started = performance.now();
        let failure: { error: unknown } | undefined;
        try {
          await this.#options.send(batch.records);
        } catch (error) {
          failure = { error };
        }
        const seconds = (performance.now() - started) / 1000;
        this.#options.onBatch?.({ records: batch.records.length, bytes: batch.bytes, seconds, ...(failure === undefined ? {} : { error: failure.error }) });
        for (const [pending, count] of batch.parts) {
          if (failure !== undefined) this.#settle(pending, failure.error);
          else {
            pending.acked += count;
            if (pending.acked === pending.records.length) this.#settle(pending);
          }
        }
      }
    } finally {
      this.#sending = false;
      for (const waiter of this.#idleWaiters.splice(0)) waiter();
    }
  }

  /** The next batch from the head of the queue; drops settled (failed) requests' remaining records. */
  #takeBatch(): { records: OutgoingRecord[]; bytes: number; parts: Map<Pending, number> } {
    const records: OutgoingRecord[] = [];
    const parts = new Map<Pending, number>();
    let bytes = 0;
    const { maxBatchRecords, maxBatchBytes } = this.#options;
    while (this.#queue.length > 0 && records.length < maxBatchRecords) {
      const pending = this.#queue[0] as Pending;
      if (pending.settled) {
        this.#dequeue(pending);
        continue;
      }
      let taken = 0;
      while (pending.next < pending.records.length && records.length < maxBatchRecords) {
        const record = pending.records[pending.next] as OutgoingRecord;
        const size = recordBytes(record);
        if (records.length > 0 && bytes + size > maxBatchBytes) break;
        records.push(record);
        bytes += size;
        pending.next++;
        taken++;
      }
      if (taken > 0) parts.set(pending, taken);
      this.#queuedRecords -= taken;
      this.#queuedBytes -= 0;
      if (pending.next < pending.records.length) break; // the batch is full
      this.#queue.shift();
    }
    this.#queuedBytes -= bytes;
    return { records, bytes, parts };
  }

  /** Removes a failed request from the head of the queue with the records it will no longer send. */
  #dequeue(pending: Pending): void {
    this.#queue.shift();
    for (let i = pending.next; i < pending.records.length; i++) this.#queuedBytes -= recordBytes(pending.records[i] as OutgoingRecord);
    this.#queuedRecords -= pending.records.length - pending.next;
  }

  #settle(pending: Pending, error?: unknown): void {
    if (pending.settled) return;
    pending.settled = true;
    this.#buffered -= pending.records.length;
    if (error === undefined) pending.resolve();
    else pending.reject(error);
  }
}
