import type { AbortedTransaction } from './record-batches.js';

/*
 * The Fetch response (versions 4–11, those kafkajs 2.2.4 sends) read only as
 * far as the partition headers: each partition's record set is handed on as
 * the raw bytes it arrived as, for ./record-batches.ts to decode. The shape
 * of `responses` is the one kafkajs' own `parse` expects, so its error
 * handling (typed, retriable errors per partition) is reused unchanged.
 */

/** One partition of a Fetch response, records still encoded. */
export interface RawFetchPartition {
  readonly partition: number;
  readonly errorCode: number;
  readonly highWatermark: bigint;
  readonly abortedTransactions: readonly AbortedTransaction[];
  /** The record set bytes (a view into the response); empty when none were returned. */
  readonly recordSet: Buffer;
}

/** A Fetch response with its record sets still encoded. */
export interface RawFetchResponse {
  readonly throttleTime: number;
  readonly clientSideThrottleTime: number;
  readonly errorCode: number;
  readonly responses: { readonly topicName: string; readonly partitions: RawFetchPartition[] }[];
}

/** The oldest Fetch version decoded here: Kafka 4 serves none older. */
export const OLDEST_FETCH_VERSION = 4;
/** The newest: the newest kafkajs 2.2.4 sends. */
export const NEWEST_FETCH_VERSION = 11;

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  int16(): number {
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  int64(): bigint {
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  string(): string {
    const length = this.int16();
    const start = this.pos;
    this.pos += Math.max(0, length);
    return this.buf.toString('utf8', start, this.pos);
  }
  bytes(): Buffer {
    const length = this.int32();
    if (length <= 0) return Buffer.alloc(0);
    // A record set may be cut short by the response's size limit; keep what arrived.
    const start = this.pos;
    this.pos = Math.min(this.buf.length, this.pos + length);
    return this.buf.subarray(start, this.pos);
  }
}

/** Decodes the body of a Fetch response of `version` (the request's API version). */
export function decodeFetchResponse(body: Buffer, version: number): RawFetchResponse {
  if (version < OLDEST_FETCH_VERSION || version > NEWEST_FETCH_VERSION) {
    throw new Error(`Fetch response version ${version} is not decoded (versions ${OLDEST_FETCH_VERSION}–${NEWEST_FETCH_VERSION} are)`);
  }
  const r = new Reader(body);
  const throttleTime = r.int32();
  let errorCode = 0;
  if (version >= 7) {
    errorCode = r.int16();
    r.int32(); // session id: no fetch sessions here
  }
  const topicCount = r.int32();
  const responses: RawFetchResponse['responses'][number][] = [];
  for (let t = 0; t < topicCount; t++) {
    const topicName = r.string();
    const partitionCount = r.int32();
    const partitions: RawFetchPartition[] = [];
    for (let p = 0; p < partitionCount; p++) {
      const partition = r.int32();
      const partitionError = r.int16();
      const highWatermark = r.int64();
      r.int64(); // last stable offset
      if (version >= 5) r.int64(); // log start offset
      const abortedCount = r.int32();
      const abortedTransactions: AbortedTransaction[] = [];
      for (let a = 0; a < abortedCount; a++) abortedTransactions.push({ producerId: r.int64(), firstOffset: r.int64() });
      if (version >= 11) r.int32(); // preferred read replica
      partitions.push({ partition, errorCode: partitionError, highWatermark, abortedTransactions, recordSet: r.bytes() });
    }
    responses.push({ topicName, partitions });
  }
  // kafkajs throttles when this is > 0 (KIP-219); brokers report it as `throttleTime` from v2 on.
  return { throttleTime: 0, clientSideThrottleTime: throttleTime, errorCode, responses };
}
