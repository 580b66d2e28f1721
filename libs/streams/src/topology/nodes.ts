import type { ProcessorSupplier } from '../processor/processor.js';
import type { Serde, Serdes } from '../serde.js';
import type { ManagedStore } from '../state/state-store.js';

/** Internal topics are written `$app-<name>` until the application id resolves them. */
export const INTERNAL_TOPIC_PREFIX = '$app-';

/** Reads the event time of a consumed record. */
export type TimestampExtractor<K = unknown, V = unknown> = (record: {
  readonly key: K;
  readonly value: V;
  /** The Kafka record timestamp (ms). */
  readonly timestamp: number;
}) => number;

export interface SourceNode {
  readonly kind: 'source';
  readonly name: string;
  readonly topics: readonly string[];
  readonly serdes: Serdes<unknown, unknown>;
  readonly timestampExtractor: TimestampExtractor | undefined;
}

export interface ProcessorNode {
  readonly kind: 'processor';
  readonly name: string;
  readonly supplier: ProcessorSupplier<unknown, unknown, unknown, unknown>;
  readonly stores: readonly string[];
}

export interface SinkNode {
  readonly kind: 'sink';
  readonly name: string;
  readonly topic: string;
  readonly serdes: Serdes<unknown, unknown>;
}

export type TopologyNode = SourceNode | ProcessorNode | SinkNode;

/** A task-local store: one instance per task, changelogged unless `logged` is false. */
export interface StoreDefinition {
  readonly name: string;
  readonly kind: 'key-value' | 'window' | 'session';
  readonly keySerde: Serde<unknown>;
  readonly valueSerde: Serde<unknown>;
  readonly logged: boolean;
  /** Extra changelog topic configs (e.g. `cleanup.policy=compact,delete` for window stores). */
  readonly changelogConfig: Readonly<Record<string, string>>;
  create(changelogTopic: string | undefined): ManagedStore;
}

/** A store filled from every partition of a topic and shared, read-only, by all tasks. */
export interface GlobalStoreDefinition {
  readonly name: string;
  readonly topic: string;
  readonly serdes: Serdes<unknown, unknown>;
}

/** An internal topic the runtime creates: a repartition topic. */
export interface RepartitionTopic {
  /** `$app-<name>-repartition`. */
  readonly topic: string;
  /** Fixed partition count, or undefined: as many as the upstream sub-topology's sources. */
  readonly partitions: number | undefined;
}
