import { AssignerProtocol, Partitioners, type Admin, type KafkaConfig } from 'kafkajs';
import { kafkajs } from '@tributary/streams';
import { Gauge, type Registry } from 'prom-client';
import type { ReadOnlyKeyValueStore, ReadOnlyWindowStore, StateStore, StreamsApp } from '@tributary/streams';

/**
 * What the service shell runs: one stream operator. `ready` drives
 * `/readyz`; `stop` must finish open work (transactions, database
 * transactions) and leave the consumer group.
 */
export interface Operator {
  /** Assigned and restored: able to process now. */
  readonly ready: boolean;
  /** False once the operator failed for good (the shell then exits non-zero so the platform restarts it); default true. */
  readonly healthy?: boolean;
  /** JSON-safe detail shown by `/readyz` beside `ready` (e.g. the model in use and the last refused one); read at each request. */
  readonly detail?: Record<string, unknown> | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Read-only interactive query of one key of one store; `undefined` when absent here. */
  query?(store: string, key: string): Promise<StoreAnswer>;
  /** Which partition (and so which instance) owns a key of a store. */
  owner?(store: string, key: string): Promise<KeyOwner | undefined>;
}

/** Answer of an interactive query on this instance. */
export type StoreAnswer =
  | { readonly found: true; readonly partition: number; readonly value: unknown }
  | { readonly found: false; readonly reason: 'unknown-store' | 'not-local' | 'absent'; readonly partition?: number };

export interface KeyOwner {
  readonly partition: number;
  /** Kafka client id of the member owning the partition, when known. */
  readonly member?: string;
  /** Advertised URL of that member (from its client id), when known. */
  readonly url?: string;
}

const isWindowStore = (s: StateStore): s is ReadOnlyWindowStore<unknown, unknown> => typeof (s as Partial<ReadOnlyWindowStore<unknown, unknown>>).fetchKey === 'function';
const isKeyValueStore = (s: StateStore): s is ReadOnlyKeyValueStore<unknown, unknown> => typeof (s as Partial<ReadOnlyKeyValueStore<unknown, unknown>>).get === 'function';

// Kafka's default partitioner (murmur2 of the key bytes), as producers and the runtime use it.
const partitioner = Partitioners.DefaultPartitioner();
const partitionOf = (topic: string, key: string, partitions: number): number =>
  partitioner({
    topic,
    partitionMetadata: Array.from({ length: partitions }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 0, replicas: [0], isr: [0] })),
    message: { key: Buffer.from(key), value: null },
  });

/** Separator between the service name and its advertised URL in the Kafka client id, so peers can route queries. */
export const CLIENT_ID_URL_SEPARATOR = '|';

/**
 * A `StreamsApp` as an operator. Queries read the committed state of the
 * stores this instance owns (string keys). Store sizes and window-store
 * watermarks are exported as gauges computed at scrape time.
 */
export function streamsOperator(app: StreamsApp, options: { registry?: Registry; kafka?: KafkaConfig } = {}): Operator {
  const storeNames = [...app.topology.stores.keys(), ...app.topology.globalStores.keys()];
  if (options.registry !== undefined) registerStoreGauges(app, storeNames, options.registry);

  const storePartitions = (store: string): { topic: string; partitions: number } | undefined => {
    const sub = app.topology.subTopologies.find((s) => s.stores.includes(store));
    if (sub === undefined) return undefined;
    const partitions = app.subTopologyPartitions.get(sub.id);
    const topic = sub.sourceTopics[0];
    return partitions === undefined || topic === undefined ? undefined : { topic, partitions };
  };

  let admin: Admin | undefined;
  return {
    get ready() {
      return app.ready;
    },
    get healthy() {
      return app.state !== 'failed';
    },
    start: () => app.start(),
    async query(store, key) {
      if (!storeNames.includes(store)) return { found: false, reason: 'unknown-store' };
      const local = app.localStores(store);
      const global = local.get(-1);
      const placement = storePartitions(store);
      const partition = global !== undefined ? -1 : placement === undefined ? undefined : partitionOf(placement.topic, key, placement.partitions);
      const instance = global ?? (partition === undefined ? undefined : local.get(partition));
      if (instance === undefined) return { found: false, reason: 'not-local', ...(partition !== undefined ? { partition } : {}) };
      const p = partition ?? -1;
      if (isWindowStore(instance)) {
        const windows = instance.fetchKey(key);
        if (windows.length === 0) return { found: false, reason: 'absent', partition: p };
        return { found: true, partition: p, value: windows.map((w) => ({ start: w.start, end: w.end, value: w.value })) };
      }
      if (isKeyValueStore(instance)) {
        const value = instance.get(key);
        return value === undefined ? { found: false, reason: 'absent', partition: p } : { found: true, partition: p, value };
      }
      return { found: false, reason: 'unknown-store' };
    },
    async owner(store, key) {
      if (app.topology.globalStores.has(store)) return { partition: -1 };
      const placement = storePartitions(store);
      if (placement === undefined) return undefined;
      const partition = partitionOf(placement.topic, key, placement.partitions);
      if (options.kafka === undefined) return { partition };
      admin ??= new (kafkajs().Kafka)({ ...options.kafka, logLevel: 0 }).admin();
      const member = await memberOwning(admin, app.config.applicationId, placement.topic, partition);
      return member === undefined ? { partition } : { partition, ...member };
    },
    async stop() {
      await app.stop();
      await admin?.disconnect().catch(() => undefined);
    },
  };
}

function registerStoreGauges(app: StreamsApp, stores: readonly string[], registry: Registry): void {
  new Gauge({
    name: 'tributary_state_store_entries',
    help: 'Committed entries per store partition on this instance (approximate for window stores).',
    labelNames: ['store', 'partition'],
    registers: [registry],
    collect() {
      this.reset();
      for (const store of stores) for (const [partition, s] of app.localStores(store)) this.set({ store, partition: String(partition) }, s.size());
    },
  });
  const watermark = new Gauge({
    name: 'tributary_watermark_timestamp_seconds',
    help: 'Largest event time accepted by each window store partition (stream time), epoch seconds.',
    labelNames: ['store', 'partition'],
    registers: [registry],
    collect() {
      this.reset();
      delay.reset();
      const now = Date.now();
      for (const store of stores) {
        for (const [partition, s] of app.localStores(store)) {
          if (!isWindowStore(s)) continue;
          const observed = s.observedTime();
          if (observed < 0) continue;
          watermark.set({ store, partition: String(partition) }, observed / 1000);
          delay.set({ store, partition: String(partition) }, (now - observed) / 1000);
        }
      }
    },
  });
  const delay = new Gauge({
    name: 'tributary_watermark_delay_seconds',
    help: 'Wall clock minus the stream time of each window store partition.',
    labelNames: ['store', 'partition'],
    registers: [registry],
  });
}

/** The group member (client id, advertised URL) that holds `topic`/`partition` now. */
async function memberOwning(admin: Admin, groupId: string, topic: string, partition: number): Promise<{ member: string; url?: string } | undefined> {
  await admin.connect();
  const { groups } = await admin.describeGroups([groupId]);
  for (const member of groups[0]?.members ?? []) {
    const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
    if (decoded?.assignment[topic]?.includes(partition) !== true) continue;
    const separator = member.clientId.indexOf(CLIENT_ID_URL_SEPARATOR);
    const url = separator >= 0 ? member.clientId.slice(separator + 1) : undefined;
    return { member: member.clientId, ...(url !== undefined && url !== '' ? { url } : {}) };
  }
  return undefined;
}
