import { PartitionReader, kafkajs, type FetchedRecord } from '@tributary/streams';

/** Every committed record of `topic` (read_committed, up to the last stable offset now), with its partition. */
export async function readTopic(brokers: string, topic: string): Promise<(FetchedRecord & { partition: number })[]> {
  const { Kafka, logLevel } = kafkajs();
  const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const partitions = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions.map((p) => p.partitionId) ?? [];
  await admin.disconnect();
  const reader = new PartitionReader(kafka);
  await reader.connect();
  try {
    const tps = partitions.map((partition) => ({ topic, partition }));
    const [begin, end] = await Promise.all([reader.beginningOffsets(tps), reader.endOffsets(tps)]);
    const out: (FetchedRecord & { partition: number })[] = [];
    for (const tp of tps) {
      const key = PartitionReader.key(topic, tp.partition);
      let offset = begin.get(key) ?? 0n;
      const last = end.get(key) ?? 0n;
      while (offset < last) {
        const [fetched] = await reader.fetch([{ ...tp, offset }], { maxWaitMs: 500 });
        if (fetched === undefined) continue;
        for (const m of fetched.records) if (m.offset < last) out.push({ ...m, partition: tp.partition });
        offset = fetched.nextOffset > offset ? fetched.nextOffset : offset;
      }
    }
    return out;
  } finally {
    await reader.disconnect();
  }
}
