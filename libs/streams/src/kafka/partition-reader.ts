import type { Kafka } from 'kafkajs';
import { decodeFetchResponse, type RawFetchResponse } from './fetch-response.js';
import { kafkajsInternal } from './kafkajs.js';
import { decodeRecordSet, type FetchedRecord } from './record-batches.js';

/*
 * kafkajs has no `assign()`: its consumer only reads through a consumer group.
 * Restoring a store from its changelog partition, or reading every partition
 * of a global table's topic, needs plain reads of chosen partitions from
 * chosen offsets. This reader uses kafkajs' own cluster (metadata, leaders,
 * connections) and Fetch request encoder, all of kafkajs 2.2.4, whose version
 * is pinned exactly for that reason; the response is decoded by
 * ./fetch-response.ts and ./record-batches.ts (read_committed: control
 * records and aborted transactions dropped), not by kafkajs' per-record
 * decoder, which dominated a restore's time.
 */

const READ_COMMITTED = 1;
const FETCH_API_KEY = 1;

interface ProtocolRequest {
  readonly request: { readonly apiVersion: number };
  readonly response: { decode(body: Buffer): Promise<unknown>; parse(data: unknown): Promise<unknown> };
  readonly requestTimeout?: number;
}

interface InternalBroker {
  lookupRequest(apiKey: number, definition: unknown): ProtocolRequest;
  connectionPool: { send(request: ProtocolRequest): Promise<unknown> };
  disconnect(): Promise<void>;
}

interface FetchRequestOptions {
  readonly replicaId?: number;
  readonly isolationLevel: number;
  readonly maxWaitTime: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
}

const fetchDefinition = (): unknown => kafkajsInternal<{ requests: { Fetch: unknown } }>('kafkajs/src/protocol/requests/index.js').requests.Fetch;
const parseFetch = (): ((data: unknown) => Promise<unknown>) =>
  kafkajsInternal<{ parse: (data: unknown) => Promise<unknown> }>('kafkajs/src/protocol/requests/fetch/v0/response.js').parse;
const createErrorFromCode = (code: number): Error =>
  kafkajsInternal<{ createErrorFromCode: (code: number) => Error }>('kafkajs/src/protocol/error.js').createErrorFromCode(code);

/**
 * Sends a Fetch through kafkajs' connection (its encoder, correlation and
 * throttling) but keeps the record sets encoded; partition errors become
 * kafkajs' typed errors (`retriable` set) exactly as its own fetch raises them.
 */
async function fetchRaw(broker: InternalBroker, options: FetchRequestOptions): Promise<RawFetchResponse> {
  const protocol = broker.lookupRequest(FETCH_API_KEY, fetchDefinition()) as unknown as (o: FetchRequestOptions) => ProtocolRequest;
  const built = protocol(options);
  const version = built.request.apiVersion;
  const parse = parseFetch();
  try {
    return (await broker.connectionPool.send({
      ...built,
      response: {
        decode: async (body: Buffer) => decodeFetchResponse(body, version),
        parse: async (data: unknown) => {
          const { errorCode } = data as RawFetchResponse;
          if (errorCode !== 0) throw createErrorFromCode(errorCode);
          return await parse(data);
        },
      },
    })) as RawFetchResponse;
  } catch (error) {
    // As kafkajs' Broker does: a closed connection is dropped so the next request reconnects.
    if ((error as Error).name === 'KafkaJSConnectionClosedError') await broker.disconnect();
    throw error;
  }
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
  /** Committed records (read_committed) from the fetch offset on, control records and aborted transactions removed. */
  readonly records: FetchedRecord[];
  /** The offset to fetch next (past control records and aborted transactions too). */
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
        const response = await fetchRaw(broker, {
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
          for (const p of partitions) {
            const offset = byTopic.get(topicName)?.get(p.partition) ?? 0n;
            const decoded = await decodeRecordSet(p.recordSet, Number(offset), p.abortedTransactions, `${topicName}[${p.partition}]`);
            fetched.push({ topic: topicName, partition: p.partition, records: decoded.records, nextOffset: BigInt(decoded.nextOffset) });
          }
        }
        return fetched;
      }),
    );
    return results.flat();
  }
}
