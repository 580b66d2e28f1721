import { kafkajsInternal } from './kafkajs.js';
import { ABORT_MARKER_TYPE, ATTRIBUTE, BATCH, Cursor, MAGIC_V2 } from './record-batch-layout.js';

/*
 * A decoder of Kafka's record batches (message format v2, the only one Kafka
 * 4 keeps) for plain partition reads: changelog restore and global tables.
 * kafkajs' own decoder builds a Long for every offset and timestamp, several
 * closures and a message object with string offsets per record; restoring a
 * store spent 30 % of its time in it and another 28 % collecting its
 * garbage. Here a record is one small object of numbers and two buffer views,
 * and read_committed filtering is decided once per batch, as the Java client
 * does it.
 */

/** One committed record, as a plain read returns it. */
export interface FetchedRecord {
  /** The record's offset (a safe integer: Kafka offsets stay far below 2^53). */
  readonly offset: number;
  /** Create or log-append time, epoch milliseconds. */
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Headers when the record has any; a name repeated holds every value in order. */
  readonly headers: Record<string, Buffer | Buffer[]> | undefined;
}

/** A transaction the broker reports aborted in the fetched range (Fetch response, read_committed). */
export interface AbortedTransaction {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
}

/** What one partition's record set held. */
export interface DecodedRecordSet {
  /** Committed data records at or after the fetch offset, in offset order. */
  readonly records: FetchedRecord[];
  /**
   * The offset after the last complete batch, control and aborted batches
   * included (they advance the position too); the fetch offset when the set
   * held no complete batch.
   */
  readonly nextOffset: number;
}

type Codec = { decompress(buffer: Buffer): Promise<Buffer> } | null;
let lookupCodec: ((attributes: number) => Codec) | undefined;

async function decompress(attributes: number, data: Buffer, where: string): Promise<Buffer> {
  // The runtime's kafkajs copy: codecs the application registered (snappy, lz4, zstd) are found there; gzip is built in.
  lookupCodec ??= kafkajsInternal<{ lookupCodecByAttributes: (a: number) => Codec }>('kafkajs/src/protocol/message/compression/index.js').lookupCodecByAttributes;
  const codec = lookupCodec(attributes);
  if (codec === null) {
    const names = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
    throw new Error(
      `${where}: a record batch is compressed with ${names[attributes & ATTRIBUTE.COMPRESSION_MASK] ?? `codec ${attributes & ATTRIBUTE.COMPRESSION_MASK}`}, which kafkajs cannot read without a codec: register one in kafkajs' CompressionCodecs before starting`,
    );
  }
  return await codec.decompress(data);
}

function readHeaders(cursor: Cursor, count: number): Record<string, Buffer | Buffer[]> | undefined {
  if (count <= 0) return undefined;
  const headers: Record<string, Buffer | Buffer[]> = {};
  for (let i = 0; i < count; i++) {
    const name = (cursor.bytes() ?? Buffer.alloc(0)).toString('utf8');
    const value = cursor.bytes() ?? Buffer.alloc(0);
    const seen = headers[name];
    if (seen === undefined) headers[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else headers[name] = [seen, value];
  }
  return headers;
}

function readRecords(
  data: Buffer,
  start: number,
  count: number,
  baseOffset: number,
  baseTimestamp: number,
  logAppendTime: number | undefined,
  fromOffset: number,
  out: FetchedRecord[],
): void {
  const cursor = new Cursor(data, start);
  for (let i = 0; i < count; i++) {
    const length = cursor.varint();
    const next = cursor.pos + length;
    cursor.pos += 1; // attributes: unused in v2
    const timestampDelta = cursor.varint();
    const offset = baseOffset + cursor.varint();
    const key = cursor.bytes();
    const value = cursor.bytes();
    const headers = readHeaders(cursor, cursor.varint());
    cursor.pos = next;
    if (offset < fromOffset) continue;
    out.push({ offset, timestamp: logAppendTime ?? baseTimestamp + timestampDelta, key, value, headers });
  }
}

function isAbortMarker(data: Buffer, start: number): boolean {
  // A control batch holds one record whose key is (version int16, type int16).
  const cursor = new Cursor(data, start);
  cursor.varint(); // length
  cursor.pos += 1;
  cursor.varint(); // timestamp delta
  cursor.varint(); // offset delta
  const key = cursor.bytes();
  return key !== null && key.length >= 4 && key.readInt16BE(2) === ABORT_MARKER_TYPE;
}

/**
 * Decodes a partition's record set from a read_committed Fetch response:
 * drops control batches, batches of aborted transactions (the broker's list
 * sorted by first offset; a producer's transaction counts as aborted from its
 * first offset until its abort marker) and records before `fromOffset`; a
 * batch cut off at the end of the set (by the fetch's size limit) is left for
 * the next fetch. `where` names the partition in errors.
 */
export async function decodeRecordSet(
  set: Buffer,
  fromOffset: number,
  abortedTransactions: readonly AbortedTransaction[],
  where: string,
): Promise<DecodedRecordSet> {
  const records: FetchedRecord[] = [];
  // The batches to read, in order; a compressed one's decompression starts as it is found, so a set's batches inflate at once (zlib on libuv's threads).
  const kept: { data: Buffer | Promise<Buffer>; start: number; count: number; baseOffset: number; baseTimestamp: number; logAppendTime: number | undefined }[] = [];
  let nextOffset = fromOffset;
  const pending = [...abortedTransactions].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  const aborted = new Set<bigint>();
  let pos = 0;
  while (pos + BATCH.HEADER_BYTES <= set.length) {
    const batchEnd = pos + BATCH.LOG_OVERHEAD + set.readInt32BE(pos + BATCH.LENGTH);
    if (batchEnd > set.length) break; // the partial batch a size limit leaves at the end
    const magic = set.readInt8(pos + BATCH.MAGIC);
    if (magic !== MAGIC_V2) throw new Error(`${where}: record batch at byte ${pos} has message format v${magic}; only v2 is supported (Kafka ≥ 0.11 writes it, Kafka 4 keeps no other)`);
    const baseOffsetBig = set.readBigInt64BE(pos + BATCH.BASE_OFFSET);
    const baseOffset = Number(baseOffsetBig);
    if (!Number.isSafeInteger(baseOffset)) throw new Error(`${where}: offset ${baseOffsetBig} is beyond 2^53`);
    const attributes = set.readInt16BE(pos + BATCH.ATTRIBUTES);
    const lastOffsetDelta = set.readInt32BE(pos + BATCH.LAST_OFFSET_DELTA);
    const count = set.readInt32BE(pos + BATCH.RECORD_COUNT);
    const batchStart = pos;
    pos = batchEnd;
    nextOffset = Math.max(nextOffset, baseOffset + lastOffsetDelta + 1);
    if ((attributes & ATTRIBUTE.TRANSACTIONAL) !== 0) {
      const lastOffset = baseOffsetBig + BigInt(lastOffsetDelta);
      while (pending.length > 0 && (pending[0] as AbortedTransaction).firstOffset <= lastOffset) aborted.add((pending.shift() as AbortedTransaction).producerId);
      const producerId = set.readBigInt64BE(batchStart + BATCH.PRODUCER_ID);
      if ((attributes & ATTRIBUTE.CONTROL) !== 0) {
        if (count > 0 && isAbortMarker(set, batchStart + BATCH.HEADER_BYTES)) aborted.delete(producerId);
        continue;
      }
      if (aborted.has(producerId)) continue;
    }
    if ((attributes & ATTRIBUTE.CONTROL) !== 0) continue;
    if (baseOffset + lastOffsetDelta < fromOffset) continue;
    const baseTimestamp = Number(set.readBigInt64BE(batchStart + BATCH.BASE_TIMESTAMP));
    const logAppendTime = (attributes & ATTRIBUTE.LOG_APPEND_TIME) !== 0 ? Number(set.readBigInt64BE(batchStart + BATCH.MAX_TIMESTAMP)) : undefined;
    if ((attributes & ATTRIBUTE.COMPRESSION_MASK) === 0) {
      kept.push({ data: set, start: batchStart + BATCH.HEADER_BYTES, count, baseOffset, baseTimestamp, logAppendTime });
    } else {
      const inflating = decompress(attributes, set.subarray(batchStart + BATCH.HEADER_BYTES, batchEnd), where);
      inflating.catch(() => undefined); // awaited below, in order; a failure before then must not be unhandled
      kept.push({ data: inflating, start: 0, count, baseOffset, baseTimestamp, logAppendTime });
    }
  }
  for (const batch of kept) {
    const data = Buffer.isBuffer(batch.data) ? batch.data : await batch.data;
    readRecords(data, batch.start, batch.count, batch.baseOffset, batch.baseTimestamp, batch.logAppendTime, fromOffset, records);
  }
  return { records, nextOffset };
}
