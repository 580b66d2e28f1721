import { createRequire } from 'node:module';
import { kafkajs } from '../../src/kafka/kafkajs.js';

// Batches are encoded with kafkajs' own encoder (the producer's), not with anything of the decoder under test.
kafkajs();
const require = createRequire(import.meta.url);
type Encoded = { buffer: Buffer };
const Long = require('kafkajs/src/utils/long.js') as { fromNumber(n: number): unknown };
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: (options: object) => Promise<Encoded> };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (options: object) => unknown;

export interface BatchSpec {
  readonly baseOffset: number;
  readonly records: readonly { key: string | null; value: string | null; headers?: Record<string, string | string[]> }[];
  readonly producerId?: number;
  readonly transactional?: boolean;
  readonly control?: 'abort' | 'commit';
  readonly gzip?: boolean;
  readonly baseTimestamp?: number;
  readonly logAppendTime?: number;
}

const CONTROL_BIT = 0x20;
const LOG_APPEND_TIME_BIT = 0x08;

/** One record batch (v2) as a broker stores it, encoded by kafkajs' producer encoder. */
export async function batch(spec: BatchSpec): Promise<Buffer> {
  const baseTimestamp = spec.baseTimestamp ?? 1_700_000_000_000;
  const records =
    spec.control === undefined
      ? spec.records.map((r, i) =>
          Record({
            key: r.key === null ? null : Buffer.from(r.key),
            value: r.value === null ? null : Buffer.from(r.value),
            headers: r.headers ?? {},
            timestampDelta: i * 10,
            offsetDelta: i,
          }),
        )
      : [Record({ key: Buffer.from([0, 0, 0, spec.control === 'abort' ? 0 : 1]), value: Buffer.from([0, 0, 0, 0, 0, 0]), headers: {}, timestampDelta: 0, offsetDelta: 0 })];
  const encoded = await RecordBatch({
    compression: spec.gzip === true ? 1 : 0,
    firstOffset: Long.fromNumber(spec.baseOffset),
    firstTimestamp: baseTimestamp,
    maxTimestamp: spec.logAppendTime ?? baseTimestamp,
    lastOffsetDelta: records.length - 1,
    transactional: spec.transactional ?? spec.control !== undefined,
    producerId: Long.fromNumber(spec.producerId ?? -1),
    records,
  });
  const buf = Buffer.from(encoded.buffer);
  // kafkajs' producer never writes control batches nor log-append time: set those attribute bits by hand (the decoder does not check the CRC, as the broker already has).
  let attributes = buf.readInt16BE(21);
  if (spec.control !== undefined) attributes |= CONTROL_BIT;
  if (spec.logAppendTime !== undefined) attributes |= LOG_APPEND_TIME_BIT;
  buf.writeInt16BE(attributes, 21);
  return buf;
}

/** A transactional batch of `keys` (values `v-<key>`) by `producerId`. */
export const data = (baseOffset: number, producerId: number, ...keys: string[]): BatchSpec => ({
  baseOffset,
  producerId,
  transactional: true,
  records: keys.map((k) => ({ key: k, value: `v-${k}` })),
});

