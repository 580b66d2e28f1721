import { afterEach, describe, expect, it, vi } from 'vitest';
import { kafkajs } from '../../src/kafka/kafkajs.js';
import type { ProduceRequestArgs } from '../../src/kafka/produce-request.js';
import { kafkajsOriginal, runtimeModule } from './kafkajs-modules.js';

type Request = { apiKey: number; apiVersion: number; expectResponse(): boolean; encode(): Promise<{ buffer: Buffer }> };
type Module = (args: ProduceRequestArgs) => Request;

const modulePath = 'kafkajs/src/protocol/requests/produce/v3/request.js';
const Long = runtimeModule<{ fromString(s: string): unknown; fromInt(n: number): unknown }>('kafkajs/src/utils/long.js');
const originalModule = (): Module => kafkajsOriginal<Module>(modulePath);
const ours = (): Module => runtimeModule<Module>(modulePath);

async function bytes(module: Module, args: ProduceRequestArgs): Promise<Buffer> {
  return Buffer.from((await module(args).encode()).buffer);
}

const T0 = 1_763_000_000_000;
const base = {
  acks: -1,
  timeout: 30_000,
  transactionalId: 'app-0_3',
  producerId: Long.fromString('4711') as { toString(): string },
  producerEpoch: 7,
};

describe('Produce request encoding (v3 module of the runtime’s kafkajs copy)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes the same bytes as kafkajs for transactional sends over several topics and partitions', async () => {
    const messages = (n: number, offset: number) =>
      Array.from({ length: n }, (_, i) => ({
        key: i % 5 === 0 ? null : i % 2 === 0 ? `key-${offset + i}` : Buffer.from(`bkey-${offset + i}`),
        value: i % 7 === 0 ? null : i % 3 === 0 ? 'ü'.repeat(i * 10) : Buffer.alloc(i * 37, i),
        timestamp: String(T0 + ((i * 7919) % 5_000)),
      }));
    const args: ProduceRequestArgs = {
      ...base,
      topicData: [
        { topic: 'counts', partitions: [{ partition: 0, firstSequence: 12, messages: messages(300, 0) }, { partition: 5, firstSequence: 0, messages: messages(1, 300) }] },
        { topic: 'app-counts-changelog', partitions: [{ partition: 3, firstSequence: 2_147_000_000, messages: messages(40, 1_000) }] },
      ],
    };
    const theirs = await bytes(originalModule(), args);
    expect((await bytes(ours(), args)).equals(theirs)).toBe(true);
    expect(ours()(args).apiVersion).toBe(3);
    expect(ours()(args).expectResponse()).toBe(true);
    expect(ours()({ ...args, acks: 0 }).expectResponse()).toBe(false);
  });

  it('writes the same bytes for headers (repeated, Buffer, string) and for non-transactional sends', async () => {
    const messages = [
      { key: 'a', value: 'x', timestamp: String(T0), headers: { trace: 'abc', bin: Buffer.from([1, 2, 3]), multi: ['one', Buffer.from('two')] } },
      { key: 'b', value: 'y', timestamp: String(T0 + 1), headers: {} },
      { key: 'c', value: 'z'.repeat(20_000), timestamp: T0 + 2 },
    ];
    const args: ProduceRequestArgs = { acks: 1, timeout: 5_000, topicData: [{ topic: 't', partitions: [{ partition: 2, messages }] }] };
    expect((await bytes(ours(), args)).equals(await bytes(originalModule(), args))).toBe(true);
    const idempotent = { ...args, producerId: Long.fromString('9') as { toString(): string }, producerEpoch: 0 };
    expect((await bytes(ours(), idempotent)).equals(await bytes(originalModule(), idempotent))).toBe(true);
  });

  it('stamps messages without a timestamp with the time of encoding, as kafkajs does', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(T0 + 123);
    const args: ProduceRequestArgs = { ...base, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: 'a', value: 'v' }, { key: 'b', value: 'w' }] }] }] };
    expect((await bytes(ours(), args)).equals(await bytes(originalModule(), args))).toBe(true);
  });

  it('writes the same bytes for gzip batches, transactional or not, over several topics and partitions', async () => {
    const { CompressionTypes } = kafkajs();
    const messages = (n: number, offset: number) =>
      Array.from({ length: n }, (_, i) => ({
        key: i % 4 === 0 ? null : `key-${offset + i}`,
        value: i % 9 === 0 ? null : Buffer.from(`value ${offset + i} `.repeat(1 + (i % 13))),
        timestamp: String(T0 + ((i * 7919) % 5_000)),
        ...(i % 10 === 3 ? { headers: { trace: `t-${i}`, multi: ['a', Buffer.from('b')] } } : {}),
      }));
    const topicData = [
      { topic: 'counts', partitions: [{ partition: 0, firstSequence: 12, messages: messages(500, 0) }, { partition: 5, firstSequence: 0, messages: messages(1, 500) }] },
      { topic: 'app-counts-changelog', partitions: [{ partition: 3, firstSequence: 9, messages: messages(40, 1_000) }] },
    ];
    const transactional: ProduceRequestArgs = { ...base, compression: CompressionTypes.GZIP, topicData };
    const theirs = await bytes(originalModule(), transactional);
    expect((await bytes(ours(), transactional)).equals(theirs)).toBe(true);
    const plain: ProduceRequestArgs = { acks: 1, timeout: 5_000, compression: CompressionTypes.GZIP, topicData };
    expect((await bytes(ours(), plain)).equals(await bytes(originalModule(), plain))).toBe(true);
    // The batch really is compressed: much smaller than the same send uncompressed.
    expect(theirs.length).toBeLessThan((await bytes(ours(), { ...transactional, compression: CompressionTypes.None })).length / 3);
  });

  it('uses the codec registered in the copy, and fails the send as kafkajs does when there is none', async () => {
    const { CompressionTypes, CompressionCodecs } = kafkajs();
    const args: ProduceRequestArgs = {
      ...base,
      compression: CompressionTypes.LZ4,
      topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: 'a', value: 'v'.repeat(1_000), timestamp: String(T0) }] }] }],
    };
    await expect(ours()(args).encode()).rejects.toThrow(/LZ4 compression not implemented/);
    const registered = CompressionCodecs[CompressionTypes.LZ4];
    // A stand-in codec (bytes reversed): what matters is that both encoders hand it the same records and frame its output the same.
    CompressionCodecs[CompressionTypes.LZ4] = () => ({
      compress: async (encoder: { buffer: Buffer }) => Buffer.from(encoder.buffer).reverse(),
      decompress: async (buffer: Buffer) => Buffer.from(buffer).reverse(),
    });
    try {
      expect((await bytes(ours(), args)).equals(await bytes(originalModule(), args))).toBe(true);
    } finally {
      CompressionCodecs[CompressionTypes.LZ4] = registered;
    }
  });

  it('is the module the producer uses', () => {
    expect(ours()).not.toBe(originalModule());
    expect(ours().toString()).toContain('NO_COMPRESSION');
  });
});
