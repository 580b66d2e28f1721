import { ATTRIBUTE, BATCH, Cursor } from './record-batch-layout.js';

/*
 * The record batch decoder of the runtime's kafkajs consumer (the module
 * `kafkajs/src/protocol/recordBatch/v0/decoder.js` of its copy). kafkajs'
 * own makes a Decoder per record and computes every offset and timestamp
 * through Long objects: ~12 % of an exactly-once count app's CPU, plus their
 * garbage. This one reads the same bytes with a cursor and plain numbers and
 * returns the same objects (a unit test compares them field by field with
 * kafkajs' for the same batches), so the consumer and its Batch, aborted
 * transaction filter included, work unchanged.
 */

/** The slice of kafkajs' Decoder that a record batch decoder is handed. */
export interface KafkajsDecoder {
  buffer: Buffer;
  offset: number;
}

/** What kafkajs' batch context holds: strings for 64-bit fields, as kafkajs has them. */
export interface BatchContext {
  readonly firstOffset: string;
  readonly firstTimestamp: string;
  readonly partitionLeaderEpoch: number;
  readonly inTransaction: boolean;
  readonly isControlBatch: boolean;
  readonly lastOffsetDelta: number;
  readonly producerId: string;
  readonly producerEpoch: number;
  readonly firstSequence: number;
  readonly maxTimestamp: string;
  readonly timestampType: number;
}

/** A record as kafkajs' consumer sees it. */
export interface ConsumerRecord {
  readonly magicByte: number;
  readonly attributes: number;
  readonly timestamp: string;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, Buffer | null | (Buffer | null)[]>;
  readonly isControlRecord: boolean;
  readonly batchContext: BatchContext & { readonly magicByte: number };
}

/** kafkajs pieces the decoder needs, from the same copy. */
export interface KafkajsDecoderDeps {
  /** `lookupCodecByAttributes` of kafkajs' compression module. */
  readonly lookupCodec: (attributes: number) => { decompress(buffer: Buffer): Promise<Buffer> } | null;
  /** kafkajs' KafkaJSPartialMessageError: decodeMessages stops at it (the batch a size limit cut off). */
  readonly PartialMessageError: new (message: string) => Error;
  /** kafkajs' TimestampTypes. */
  readonly timestampTypes: { readonly CREATE_TIME: number; readonly LOG_APPEND_TIME: number };
}

function readRecord(cursor: Cursor, context: BatchContext & { readonly magicByte: number }, baseOffset: number, baseTimestamp: number, logAppendTime: string | undefined): ConsumerRecord {
  const length = cursor.varint();
  const end = cursor.pos + length;
  const attributes = cursor.buf.readInt8(cursor.pos);
  cursor.pos += 1;
  const timestampDelta = cursor.varint();
  const offsetDelta = cursor.varint();
  const key = cursor.bytes();
  const value = cursor.bytes();
  const headerCount = cursor.varint();
  const headers: Record<string, Buffer | null | (Buffer | null)[]> = {};
  for (let h = 0; h < headerCount; h++) {
    const name = cursor.bytes()?.toString('utf8') ?? 'null';
    const v = cursor.bytes();
    const seen = headers[name];
    headers[name] = seen === undefined ? v : Array.isArray(seen) ? [...seen, v] : [seen, v];
  }
  cursor.pos = end;
  const offset = baseOffset + offsetDelta;
  return {
    magicByte: context.magicByte,
    attributes,
    timestamp: logAppendTime ?? String(baseTimestamp + timestampDelta),
    offset: Number.isSafeInteger(offset) ? String(offset) : String(BigInt(context.firstOffset) + BigInt(offsetDelta)),
    key,
    value,
    headers,
    isControlRecord: context.isControlBatch,
    batchContext: context,
  };
}

/** Builds the replacement of kafkajs' record batch decoder module. */
export function createConsumerRecordBatchDecoder(deps: KafkajsDecoderDeps) {
  return async (fetchDecoder: KafkajsDecoder): Promise<BatchContext & { records: ConsumerRecord[] }> => {
    const buf = fetchDecoder.buffer;
    const start = fetchDecoder.offset;
    const firstOffsetBig = buf.readBigInt64BE(start + BATCH.BASE_OFFSET);
    const length = buf.readInt32BE(start + BATCH.LENGTH);
    fetchDecoder.offset = start + BATCH.LOG_OVERHEAD + length;
    const remaining = buf.length - (start + BATCH.LOG_OVERHEAD);
    if (remaining < length) {
      throw new deps.PartialMessageError(`Tried to decode a partial record batch: remainingBytes(${remaining}) < recordBatchLength(${length})`);
    }
    const attributes = buf.readInt16BE(start + BATCH.ATTRIBUTES);
    const firstTimestamp = buf.readBigInt64BE(start + BATCH.BASE_TIMESTAMP).toString();
    const maxTimestamp = buf.readBigInt64BE(start + BATCH.MAX_TIMESTAMP).toString();
    const timestampType = (attributes & ATTRIBUTE.LOG_APPEND_TIME) > 0 ? deps.timestampTypes.LOG_APPEND_TIME : deps.timestampTypes.CREATE_TIME;
    const context: BatchContext = {
      firstOffset: firstOffsetBig.toString(),
      firstTimestamp,
      partitionLeaderEpoch: buf.readInt32BE(start + BATCH.LEADER_EPOCH),
      inTransaction: (attributes & ATTRIBUTE.TRANSACTIONAL) > 0,
      isControlBatch: (attributes & ATTRIBUTE.CONTROL) > 0,
      lastOffsetDelta: buf.readInt32BE(start + BATCH.LAST_OFFSET_DELTA),
      producerId: buf.readBigInt64BE(start + BATCH.PRODUCER_ID).toString(),
      producerEpoch: buf.readInt16BE(start + BATCH.PRODUCER_EPOCH),
      firstSequence: buf.readInt32BE(start + BATCH.BASE_SEQUENCE),
      maxTimestamp,
      timestampType,
    };
    const recordContext = { ...context, magicByte: buf.readInt8(start + BATCH.MAGIC) };
    const count = buf.readInt32BE(start + BATCH.RECORD_COUNT);
    const end = start + BATCH.LOG_OVERHEAD + length;
    const codec = deps.lookupCodec(attributes);
    let cursor: Cursor;
    if (codec === null) {
      cursor = new Cursor(buf.subarray(0, end), start + BATCH.HEADER_BYTES);
    } else {
      if (count <= 0) return { ...context, records: [] };
      cursor = new Cursor(await codec.decompress(buf.subarray(start + BATCH.HEADER_BYTES, end)), 0);
    }
    const logAppendTime = timestampType === deps.timestampTypes.LOG_APPEND_TIME && maxTimestamp !== '' ? maxTimestamp : undefined;
    const baseOffset = Number(firstOffsetBig);
    const baseTimestamp = Number(firstTimestamp);
    const records: ConsumerRecord[] = new Array<ConsumerRecord>(Math.max(0, count));
    for (let i = 0; i < count; i++) records[i] = readRecord(cursor, recordContext, baseOffset, baseTimestamp, logAppendTime);
    return { ...context, records };
  };
}
