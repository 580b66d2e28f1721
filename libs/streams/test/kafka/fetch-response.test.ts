import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { decodeFetchResponse } from '../../src/kafka/fetch-response.js';
import { kafkajs } from '../../src/kafka/kafkajs.js';
import { batch, data } from './record-batch-fixtures.js';

kafkajs();
const require = createRequire(import.meta.url);
type KafkajsResponse = {
  responses: { topicName: string; partitions: { partition: number; errorCode: number; highWatermark: string; abortedTransactions?: { producerId: string; firstOffset: string }[]; messages: unknown[] }[] }[];
};
const kafkajsDecode = (version: number): ((body: Buffer) => Promise<KafkajsResponse>) =>
  (require(`kafkajs/src/protocol/requests/fetch/v${version}/response.js`) as { decode: (b: Buffer) => Promise<KafkajsResponse> }).decode;

/** A Fetch response body of `version`, written field by field from the protocol's definition. */
function body(version: number, recordSet: Buffer): Buffer {
  const parts: Buffer[] = [];
  const i16 = (v: number) => parts.push(Buffer.from([(v >> 8) & 0xff, v & 0xff]));
  const i32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    parts.push(b);
  };
  const i64 = (v: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v);
    parts.push(b);
  };
  const str = (s: string) => {
    i16(Buffer.byteLength(s));
    parts.push(Buffer.from(s));
  };
  i32(7); // throttle time
  if (version >= 7) {
    i16(0);
    i32(0); // session id
  }
  i32(2); // topics
  for (const [topic, partitions] of [
    ['orders', [3, 5]],
    ['payments', [0]],
  ] as const) {
    str(topic);
    i32(partitions.length);
    for (const p of partitions) {
      i32(p);
      i16(p === 5 ? 6 : 0); // NOT_LEADER_OR_FOLLOWER on orders[5]
      i64(1_000n + BigInt(p)); // high watermark
      i64(990n); // last stable offset
      if (version >= 5) i64(0n); // log start offset
      i32(2);
      i64(41n);
      i64(2n);
      i64(40n);
      i64(0n);
      if (version >= 11) i32(-1); // preferred read replica
      i32(recordSet.length);
      parts.push(recordSet);
    }
  }
  return Buffer.concat(parts);
}

describe('decodeFetchResponse', () => {
  it.each([4, 5, 7, 11])('reads the partition headers of version %i as kafkajs does, record sets left encoded', async (version) => {
    const set = Buffer.concat([await batch(data(0, 40, 'a', 'b')), await batch(data(2, 41, 'c'))]);
    const raw = body(version, set);
    const ours = decodeFetchResponse(raw, version);
    const theirs = await kafkajsDecode(version)(raw);
    expect(ours.clientSideThrottleTime).toBe(7);
    expect(ours.responses.map((t) => t.topicName)).toEqual(theirs.responses.map((t) => t.topicName));
    for (const [ti, topic] of ours.responses.entries()) {
      const other = theirs.responses[ti];
      expect(topic.partitions.map((p) => [p.partition, p.errorCode, String(p.highWatermark)])).toEqual(other?.partitions.map((p) => [p.partition, p.errorCode, p.highWatermark]));
      for (const p of topic.partitions) {
        expect(p.recordSet.equals(set)).toBe(true);
        expect(p.abortedTransactions).toEqual([
          { producerId: 41n, firstOffset: 2n },
          { producerId: 40n, firstOffset: 0n },
        ]);
      }
    }
  });

  it('refuses versions it does not read', () => {
    expect(() => decodeFetchResponse(Buffer.alloc(8), 3)).toThrow(/version 3/);
    expect(() => decodeFetchResponse(Buffer.alloc(8), 12)).toThrow(/version 12/);
  });
});
