import { describe, expect, it } from 'vitest';
import { kafkajsOriginal, runtimeModule } from './kafkajs-modules.js';
import { batch, data } from './record-batch-fixtures.js';

type Decoder = { buffer: Buffer; offset: number; canReadBytes(n: number): boolean };
type BatchDecoder = (decoder: Decoder) => Promise<unknown>;

const modulePath = 'kafkajs/src/protocol/recordBatch/v0/decoder.js';
const KafkaDecoder = runtimeModule<new (buffer: Buffer) => Decoder>('kafkajs/src/protocol/decoder.js');
const originalDecoder = (): BatchDecoder => kafkajsOriginal<BatchDecoder>(modulePath);
const ours = (): BatchDecoder => runtimeModule<BatchDecoder>(modulePath);

/** Decodes a record set the way kafkajs' decodeMessages does: batch after batch until a partial one. */
async function decodeAll(decode: BatchDecoder, set: Buffer): Promise<{ batches: unknown[]; stoppedAtPartial: boolean }> {
  const decoder = new KafkaDecoder(set);
  const batches: unknown[] = [];
  while (decoder.canReadBytes(49)) {
    try {
      batches.push(await decode(decoder));
    } catch (error) {
      if ((error as Error).name === 'KafkaJSPartialMessageError') return { batches, stoppedAtPartial: true };
      throw error;
    }
  }
  return { batches, stoppedAtPartial: false };
}

describe("the runtime's kafkajs consumer record batch decoder", () => {
  it('returns exactly what kafkajs returns: batch contexts, offsets, timestamps, keys, values, headers, control records', async () => {
    const set = Buffer.concat([
      await batch({
        baseOffset: 1_000,
        records: [
          { key: 'a', value: 'one', headers: { trace: 'x', tag: ['p', 'q'] } },
          { key: null, value: 'two' },
          { key: 'c', value: null },
          { key: 'd', value: 'x'.repeat(300) },
        ],
      }),
      await batch(data(1_004, 42, 'e', 'f')),
      await batch({ baseOffset: 1_006, producerId: 42, control: 'commit', records: [] }),
      await batch({ ...data(1_007, 7, 'g', 'h', 'i'), transactional: false, gzip: true }),
      await batch({ ...data(1_010, 7, 'j'), transactional: false, logAppendTime: 1_750_000_000_000 }),
      await batch({ ...data(9_007_199_254_740_991, 8, 'big', 'offsets', 'beyond', '2^53'), transactional: false }),
    ]);
    const theirs = await decodeAll(originalDecoder(), set);
    const mine = await decodeAll(ours(), set);
    expect(theirs.batches).toHaveLength(6);
    expect(mine).toEqual(theirs);
  });

  it('stops at a batch cut off by the size limit, as kafkajs does', async () => {
    const whole = await batch(data(0, 3, 'a', 'b'));
    const cut = await batch(data(2, 3, 'c', 'd'));
    const set = Buffer.concat([whole, cut.subarray(0, cut.length - 3)]);
    const mine = await decodeAll(ours(), set);
    expect(mine.stoppedAtPartial).toBe(true);
    expect(mine).toEqual(await decodeAll(originalDecoder(), set));
  });

  it('is the decoder the consumer uses', () => {
    expect(ours()).not.toBe(originalDecoder());
  });
});
