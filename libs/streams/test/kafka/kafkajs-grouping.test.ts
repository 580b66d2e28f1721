import { describe, expect, it } from 'vitest';
import { kafkajs } from '../../src/kafka/kafkajs.js';
import { groupMessagesPerPartition } from '../../src/kafka/partition-grouping.js';
import { kafkajsOriginal, runtimeModule } from './kafkajs-modules.js';

type Group = typeof groupMessagesPerPartition;
const modulePath = 'kafkajs/src/producer/groupMessagesPerPartition.js';
const originalGrouping = (): Group => kafkajsOriginal<Group>(modulePath);

describe("kafkajs' per-partition grouping of a send", () => {
  it('groups exactly as kafkajs does: same partitions, same order within each', () => {
    const { Partitioners } = kafkajs();
    const partitioner = Partitioners.DefaultPartitioner() as unknown as Parameters<Group>[0]['partitioner'];
    const partitionMetadata = Array.from({ length: 8 }, (_, i) => ({ partitionId: i, leader: 0 }));
    const messages = Array.from({ length: 3_000 }, (_, i) => (i % 7 === 0 ? { key: `k${i % 101}`, value: `${i}`, partition: i % 8 } : { key: `k${i % 101}`, value: `${i}` }));
    const ours = groupMessagesPerPartition({ topic: 't', partitionMetadata, messages, partitioner });
    const theirs = originalGrouping()({ topic: 't', partitionMetadata, messages, partitioner });
    expect(Object.keys(ours)).toEqual(Object.keys(theirs));
    expect(ours).toEqual(theirs);
    expect(Object.values(ours).flat()).toHaveLength(3_000);
    expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages, partitioner })).toEqual({});
  });

  it("is the grouping the producer uses in the runtime's copy", () => {
    expect(runtimeModule(modulePath)).toBe(groupMessagesPerPartition);
  });
});
