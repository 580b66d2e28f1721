/*
 * Kafka's record batch, message format v2 (the only one Kafka 4 keeps), as
 * the three codecs of this folder read and write it: the Produce encoder,
 * the consumer's batch decoder and the plain-read decoder.
 *
 *   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 |
 *   magic int8 | crc uint32 (CRC-32C of attributes … end) | attributes int16 |
 *   lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64 |
 *   producerId int64 | producerEpoch int16 | baseSequence int32 |
 *   recordCount int32 | records (compressed as a whole when a codec is set)
 *
 * A record: length varint | attributes int8 | timestampDelta varlong |
 * offsetDelta varint | key varint-length bytes | value varint-length bytes |
 * header count varint | headers (name varint-length utf8, value varint-length bytes).
 */

/** Byte offsets of the batch header's fields. */
export const BATCH = {
  BASE_OFFSET: 0,
  LENGTH: 8,
  /** baseOffset and batchLength: the bytes batchLength does not count. */
  LOG_OVERHEAD: 12,
  LEADER_EPOCH: 12,
  MAGIC: 16,
  CRC: 17,
  ATTRIBUTES: 21,
  LAST_OFFSET_DELTA: 23,
  BASE_TIMESTAMP: 27,
  MAX_TIMESTAMP: 35,
  PRODUCER_ID: 43,
  PRODUCER_EPOCH: 51,
  BASE_SEQUENCE: 53,
  RECORD_COUNT: 57,
  /** Where the records start. */
  HEADER_BYTES: 61,
} as const;

export const MAGIC_V2 = 2;

/** Bits of the batch attributes. */
export const ATTRIBUTE = {
  COMPRESSION_MASK: 0x07,
  LOG_APPEND_TIME: 0x08,
  TRANSACTIONAL: 0x10,
  CONTROL: 0x20,
} as const;

/** The type in a control record's key (version int16, type int16). */
export const ABORT_MARKER_TYPE = 0;

/** A read position in a buffer; varints as Kafka writes them (zig-zag, little-endian groups of 7 bits). */
export class Cursor {
  pos: number;
  constructor(
    readonly buf: Buffer,
    pos: number,
  ) {
    this.pos = pos;
  }

  varint(): number {
    const buf = this.buf;
    let byte = buf[this.pos++] as number;
    if (byte < 0x80) return (byte >>> 1) ^ -(byte & 1);
    // Beyond one byte: accumulate with multiplication so varlongs up to 2^53 stay exact.
    let value = byte & 0x7f;
    let scale = 128;
    do {
      if (this.pos >= buf.length) throw new RangeError('varint runs past the end of the record batch');
      byte = buf[this.pos++] as number;
      value += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte >= 0x80);
    return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
  }

  /** A varint length and that many bytes (a view); null for length -1. */
  bytes(): Buffer | null {
    const length = this.varint();
    if (length < 0) return null;
    const start = this.pos;
    this.pos += length;
    return this.buf.subarray(start, this.pos);
  }
}
