import { keyId } from './key-id.js';

/**
 * The committed contents of a key-value store, in memory: the bottom layer
 * that `TransactionalKeyValueStore` writes to on commit and that restore
 * fills. A persistent backend would implement the same methods.
 *
 * Values are kept by key id; a key is kept beside its value only when it is
 * not its own id (anything but a string). String keys, the common case, so
 * cost one map entry and no [key, value] pair: a restore of a million keys
 * allocated a million pairs, all of which the collector then had to promote.
 */
export class InMemoryKeyValueBackend<K, V> {
  readonly #values = new Map<string, V>();
  /** The original key of every entry whose key is not a string (its id is then a derived string). */
  readonly #keys = new Map<string, K>();

  get(key: K): V | undefined {
    return this.#values.get(keyId(key));
  }

  getById(id: string): V | undefined {
    return this.#values.get(id);
  }

  put(key: K, value: V): void {
    this.putById(keyId(key), key, value);
  }

  putById(id: string, key: K, value: V): void {
    this.#values.set(id, value);
    if ((id as unknown) !== key) this.#keys.set(id, key);
  }

  deleteById(id: string): void {
    if (this.#values.delete(id) && this.#keys.size > 0) this.#keys.delete(id);
  }

  *entries(): IterableIterator<[K, V]> {
    const keys = this.#keys;
    for (const [id, value] of this.#values) {
      const key = keys.size === 0 ? undefined : keys.get(id);
      yield [key === undefined ? (id as K) : key, value];
    }
  }

  size(): number {
    return this.#values.size;
  }

  clear(): void {
    this.#values.clear();
    this.#keys.clear();
  }
}
