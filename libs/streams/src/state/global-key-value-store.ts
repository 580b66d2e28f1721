import { DeserializationError } from '../errors.js';
import { isPromise } from '../serde.js';
import type { GlobalStoreDefinition } from '../topology/nodes.js';
import { InMemoryKeyValueBackend } from './in-memory-key-value-store.js';
import { keyId } from './key-id.js';
import type { ReadOnlyKeyValueStore } from './key-value-store.js';

/** A record of a global table's topic, as bytes. */
export interface GlobalRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

/**
 * The store of a global table: every partition of its topic, decoded with the
 * definition's serdes into one in-memory map shared read-only by all tasks.
 * There is no transaction and no changelog: the topic itself is the log, and
 * whoever reads it (the runtime's global thread, the test driver) calls
 * `apply` for each record in offset order.
 */
export class GlobalKeyValueStore<K, V> implements ReadOnlyKeyValueStore<K, V> {
  readonly name: string;
  readonly topic: string;
  readonly #definition: GlobalStoreDefinition;
  readonly #entries = new InMemoryKeyValueBackend<K, V>();

  constructor(definition: GlobalStoreDefinition) {
    this.name = definition.name;
    this.topic = definition.topic;
    this.#definition = definition;
  }

  get(key: K): V | undefined {
    return this.#entries.get(key);
  }

  all(): IterableIterator<[K, V]> {
    return this.#entries.entries();
  }

  size(): number {
    return this.#entries.size();
  }

  /**
   * Applies one record of the topic: a value replaces the key's entry, a null
   * value deletes it, a null key is ignored (it cannot be looked up). Returns a
   * Promise only when a serde answered asynchronously; a record that cannot be
   * decoded throws a `DeserializationError`.
   */
  apply(record: GlobalRecord): void | Promise<void> {
    if (record.key === null) return;
    const { serdes } = this.#definition;
    const topic = this.topic;
    const fail = (error: unknown): never => {
      throw new DeserializationError(`global store "${this.name}" cannot decode a record of ${topic}: ${error instanceof Error ? error.message : String(error)}`, error);
    };
    let key: unknown;
    let value: unknown;
    try {
      key = serdes.key.deserialize(record.key, { topic, isKey: true });
      value = record.value === null ? null : serdes.value.deserialize(record.value, { topic, isKey: false });
    } catch (error) {
      return fail(error);
    }
    if (isPromise(key) || isPromise(value)) {
      return Promise.all([key, value]).then(([k, v]) => this.#set(k as K, v as V | null), fail);
    }
    this.#set(key as K, value as V | null);
  }

  #set(key: K, value: V | null): void {
    if (value === null || value === undefined) this.#entries.deleteById(keyId(key));
    else this.#entries.put(key, value);
  }

  clear(): void {
    this.#entries.clear();
  }
}
