import { keyId } from './key-id.js';

/**
 * The committed contents of a key-value store, in memory: the bottom layer
 * that `TransactionalKeyValueStore` writes to on commit and that restore
 * fills. A persistent backend would implement the same methods.
 */
export class InMemoryKeyValueBackend<K, V> {
  readonly #entries = new Map<string, [K, V]>();

  get(key: K): V | undefined {
    return this.#entries.get(keyId(key))?.[1];
  }

  getById(id: string): [K, V] | undefined {
    return this.#entries.get(id);
  }

  put(key: K, value: V): void {
    this.#entries.set(keyId(key), [key, value]);
  }

  putById(id: string, key: K, value: V): void {
    this.#entries.set(id, [key, value]);
  }

  deleteById(id: string): void {
    this.#entries.delete(id);
  }

  *entries(): IterableIterator<[K, V]> {
    for (const entry of this.#entries.values()) yield [entry[0], entry[1]];
  }

  size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}
