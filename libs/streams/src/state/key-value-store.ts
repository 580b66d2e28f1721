import type { StateStore } from './state-store.js';

/** Read access to a key-value store (what interactive queries get). */
export interface ReadOnlyKeyValueStore<K, V> extends StateStore {
  get(key: K): V | undefined;
  /** Every entry, in no particular order. */
  all(): IterableIterator<[K, V]>;
}

/** A key-value store as processors use it. */
export interface KeyValueStore<K, V> extends ReadOnlyKeyValueStore<K, V> {
  put(key: K, value: V): void;
  delete(key: K): void;
}
