/** The models topic and its history topic: names, creation, and reading every record of them. */
import type { Admin, Kafka } from 'kafkajs';
import { PartitionReader, type FetchedRecord } from '@tributary/streams';

/** Every publication, kept (delete policy, no time limit): what `rollback` and `list` read; the compacted topic keeps only the latest per model. */
export const historyTopic = (modelsTopic: string): string => `${modelsTopic}.history`;

/** Creates the compacted models topic and its history topic when missing (one partition each: one order of publications). */
export async function ensureModelsTopics(admin: Admin, topic: string): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const topics = [
    { topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    { topic: historyTopic(topic), numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'delete' }, { name: 'retention.ms', value: '-1' }] },
  ].filter((t) => !existing.has(t.topic));
  if (topics.length === 0) return;
  try {
    await admin.createTopics({ topics, waitForLeaders: true });
  } catch (error) {
    // Another instance (or the CLI) created it meanwhile.
    if (!/already exists/i.test((error as Error).message)) throw error;
  }
}

export interface TopicRecord {
  readonly partition: number;
  readonly offset: bigint;
  readonly message: FetchedRecord;
}

/** The topic's partition count, from the broker's metadata. */
export async function partitionCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions.length ?? 1;
  } finally {
    await admin.disconnect();
  }
}

/** Reads a topic from its first to its current end offset (read_committed), in offset order per partition. */
export async function readWholeTopic(kafka: Kafka, topic: string): Promise<{ records: TopicRecord[]; next: Map<number, bigint> }> {
  const partitions = await partitionCount(kafka, topic);
  const reader = new PartitionReader(kafka);
  await reader.connect();
  try {
    return await readUntilEnd(reader, topic, partitions);
  } finally {
    await reader.disconnect();
  }
}

/** Reads each partition of `topic` from its beginning to its end offset now. */
export async function readUntilEnd(reader: PartitionReader, topic: string, partitions: number): Promise<{ records: TopicRecord[]; next: Map<number, bigint> }> {
  const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
  const begin = await reader.beginningOffsets(tps);
  const end = await reader.endOffsets(tps);
  const next = new Map(tps.map((tp) => [tp.partition, begin.get(PartitionReader.key(topic, tp.partition)) ?? 0n]));
  const records: TopicRecord[] = [];
  const behind = () => tps.filter((tp) => (next.get(tp.partition) ?? 0n) < (end.get(PartitionReader.key(topic, tp.partition)) ?? 0n));
  for (let todo = behind(); todo.length > 0; todo = behind()) {
    const fetched = await reader.fetch(
      todo.map((tp) => ({ ...tp, offset: next.get(tp.partition) ?? 0n })),
      { maxWaitMs: 200 },
    );
    for (const f of fetched) {
      for (const message of f.records) records.push({ partition: f.partition, offset: BigInt(message.offset), message });
      next.set(f.partition, f.nextOffset);
    }
  }
  return { records, next };
}
