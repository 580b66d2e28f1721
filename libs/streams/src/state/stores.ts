import { json, string, type Serde } from '../serde.js';
import type { StoreDefinition } from '../topology/nodes.js';
import { TransactionalKeyValueStore } from './transactional-key-value-store.js';

export interface KeyValueStoreOptions<K, V> {
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
  /** Keep a changelog topic (default true). An unlogged store starts empty on every assign. */
  readonly logged?: boolean;
}

/**
 * Defines an in-memory key-value store, changelogged to
 * `<applicationId>-<name>-changelog` (compacted). Keys default to strings,
 * values to JSON.
 */
export function keyValueStore<K = string, V = unknown>(name: string, options: KeyValueStoreOptions<K, V> = {}): StoreDefinition {
  const keySerde = (options.keySerde ?? string()) as Serde<unknown>;
  const valueSerde = (options.valueSerde ?? json());
  return {
    name,
    kind: 'key-value',
    keySerde,
    valueSerde,
    logged: options.logged ?? true,
    changelogConfig: { 'cleanup.policy': 'compact' },
    create: (changelogTopic) => new TransactionalKeyValueStore({ name, changelogTopic, keySerde, valueSerde }),
  };
}
