import type { Kafka, KafkaMessage } from 'kafkajs';
import { kafkajsBatch } from './kafkajs.js';

/*
 * kafkajs has no `assign()`: its consumer only reads through a consumer group.
 * Restoring a store from its changelog partition, or reading every partition
 * of a global table's topic, needs plain reads of chosen partitions from
 * chosen offsets. This reader uses kafkajs' own cluster, broker Fetch and
 * Batch (which drops aborted transactional records — with the corrected
 * filter of ./kafkajs.ts — and control records), all of kafkajs 2.2.4, whose
 * version is pinned exactly for that reason.
 */

interface InternalBatch {
  readonly messages: KafkaMessage[];
  readonly messagesWithinOffset: KafkaMessage[];
  readonly highWatermark: string;
}
type BatchConstructor = new (topic: string, fetchedOffset: string, partitionData: unknown) => InternalBatch;
const Batch = kafkajsBatch<BatchConstructor>();

const READ_COMMITTED = 1;

interface InternalBroker {
  fetch(request: {
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<{ responses: { topicName: string; partitions: { partition: number; errorCode: number }[] }[] }>;
}

interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  refreshMetadata(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(options: { nodeId: string }): Promise<InternalBroker>;
  fetchTopicsOffset(
    topics: { topic: string; partitions: { partition: number }[]; fromBeginning: boolean }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

function createCluster(kafka: Kafka): InternalCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  if (symbol === undefined) throw new Error('kafkajs internals are not those of kafkajs 2.2.4 (no private createCluster)');
  const create = (kafka as unknown as Record<symbol, (options: object) => InternalCluster>)[symbol];
  if (create === undefined) throw new Error('kafkajs internals are not those of kafkajs 2.2.4');
  return create({ isolationLevel: READ_COMMITTED, allowAutoTopicCreation: false, metadataMaxAge: 300_000 });
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** What one partition's fetch returned. */
export interface PartitionFetch extends TopicPartition {
  /** Committed records (read_committed), control records and aborted records removed. */
  readonly messages: KafkaMessage[];
  /** The offset to fetch next. */
  readonly nextOffset: bigint;
}

const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** Reads chosen partitions from chosen offsets, with read_committed isolation, outside any consumer group. */
export class PartitionReader {
  readonly #cluster: InternalCluster;
  #connected = false;

  constructor(kafka: Kafka) {
    this.#cluster = createCluster(kafka);
  }

  async connect(): Promise<void> {
    if (this.#connected) return;
    await this.#cluster.connect();
    this.#connected = true;
  }

  async disconnect(): Promise<void> {
    if (!this.#connected) return;
    this.#connected = false;
    await this.#cluster.disconnect();
  }

  async #offsets(partitions: readonly TopicPartition[], fromBeginning: boolean): Promise<Map<string, bigint>> {
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    await this.#cluster.addMultipleTargetTopics([...byTopic.keys()]);
    const result = await this.#cluster.fetchTopicsOffset(
      [...byTopic].map(([topic, ps]) => ({ topic, partitions: ps.map((partition) => ({ partition })), fromBeginning })),
    );
    const offsets = new Map<string, bigint>();
    for (const { topic, partitions: ps } of result) {
      for (const { partition, offset } of ps) offsets.set(tpKey(topic, partition), BigInt(offset));
    }
    return offsets;
  }

  /** The last stable offset of each partition: where a read_committed reader ends today. */
  async endOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
    return await this.#offsets(partitions, false);
  }

  /** The first offset still in each partition. */
  async beginningOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
    return await this.#offsets(partitions, true);
  }

  static key(topic: string, partition: number): string {
    return tpKey(topic, partition);
  }

  /** One fetch round for the given partitions and offsets; waits up to `maxWaitMs` for data. */
  async fetch(
    requests: readonly (TopicPartition & { readonly offset: bigint })[],
    options: { maxWaitMs?: number; maxBytesPerPartition?: number } = {},
  ): Promise<PartitionFetch[]> {
    const byTopic = new Map<string, Map<number, bigint>>();
    for (const r of requests) {
      const m = byTopic.get(r.topic) ?? new Map<number, bigint>();
      m.set(r.partition, r.offset);
      byTopic.set(r.topic, m);
    }
    await this.#cluster.addMultipleTargetTopics([...byTopic.keys()]);
    // Group the partitions by their leader: one Fetch request per broker.
    const perBroker = new Map<string, Map<string, number[]>>();
    for (const [topic, partitions] of byTopic) {
      const leaders = this.#cluster.findLeaderForPartitions(topic, [...partitions.keys()]);
      for (const [nodeId, ps] of Object.entries(leaders)) {
        const topics = perBroker.get(nodeId) ?? new Map<string, number[]>();
        topics.set(topic, ps);
        perBroker.set(nodeId, topics);
      }
    }
    const results = await Promise.all(
      [...perBroker].map(async ([nodeId, topics]) => {
        const broker = await this.#cluster.findBroker({ nodeId });
        const response = await broker.fetch({
          isolationLevel: READ_COMMITTED,
          maxWaitTime: options.maxWaitMs ?? 100,
          minBytes: 1,
          maxBytes: 64 * 1024 * 1024,
          topics: [...topics].map(([topic, ps]) => ({
            topic,
            partitions: ps.map((partition) => ({
              partition,
              fetchOffset: String(byTopic.get(topic)?.get(partition) ?? 0n),
              maxBytes: options.maxBytesPerPartition ?? 8 * 1024 * 1024,
            })),
          })),
        });
        const fetched: PartitionFetch[] = [];
        for (const { topicName, partitions } of response.responses) {
          for (const partitionData of partitions) {
            const offset = byTopic.get(topicName)?.get(partitionData.partition) ?? 0n;
            const batch = new Batch(topicName, String(offset), partitionData);
            const within = batch.messagesWithinOffset;
            const last = within[within.length - 1];
            fetched.push({
              topic: topicName,
              partition: partitionData.partition,
              messages: batch.messages,
              nextOffset: last === undefined ? offset : BigInt(last.offset) + 1n,
            });
          }
        }
        return fetched;
      }),
    );
    return results.flat();
  }
}
