import { isPromise, type Serde } from '../serde.js';
import type { ChangelogRecord, ManagedStore } from './state-store.js';
import { InMemoryKeyValueBackend } from './in-memory-key-value-store.js';
import type { KeyValueStore, ReadOnlyKeyValueStore } from './key-value-store.js';
import { keyId } from './key-id.js';

/** A pending change: the new value, or `deleted`. */
interface Pending<K, V> {
  readonly key: K;
  readonly value: V | undefined;
  readonly deleted: boolean;
}

export interface TransactionalKeyValueStoreOptions<K, V> {
  readonly name: string;
  readonly changelogTopic: string | undefined;
  readonly keySerde: Serde<K>;
  readonly valueSerde: Serde<V>;
}

/**
 * The key-value store processors see. Writes go to a pending layer that the
 * processor reads back at once, but that becomes committed — visible to
 * interactive queries and kept across tasks — only when the task's
 * transaction commits; on abort it is dropped. The pending layer is also the
 * changelog delta: one record per changed key, so repeated updates of a key
 * within one commit interval cost one changelog record.
 */
export class TransactionalKeyValueStore<K, V> implements KeyValueStore<K, V>, ManagedStore {
  readonly name: string;
  readonly changelogTopic: string | undefined;
  readonly #keySerde: Serde<K>;
  readonly #valueSerde: Serde<V>;
  readonly #committed = new InMemoryKeyValueBackend<K, V>();
  #pending = new Map<string, Pending<K, V>>();
  /** Since the savepoint: each changed key's pending entry before its first change (undefined: none). */
  readonly #undo = new Map<string, Pending<K, V> | undefined>();

  constructor(options: TransactionalKeyValueStoreOptions<K, V>) {
    this.name = options.name;
    this.changelogTopic = options.changelogTopic;
    this.#keySerde = options.keySerde;
    this.#valueSerde = options.valueSerde;
  }

  get(key: K): V | undefined {
    const id = keyId(key);
    const pending = this.#pending.get(id);
    if (pending !== undefined) return pending.deleted ? undefined : pending.value;
    return this.#committed.getById(id);
  }

  put(key: K, value: V): void {
    if (value === undefined || value === null) {
      this.delete(key);
      return;
    }
    this.#change(keyId(key), { key, value, deleted: false });
  }

  delete(key: K): void {
    this.#change(keyId(key), { key, value: undefined, deleted: true });
  }

  #change(id: string, change: Pending<K, V>): void {
    if (!this.#undo.has(id)) this.#undo.set(id, this.#pending.get(id));
    this.#pending.set(id, change);
  }

  savepoint(): void {
    this.#undo.clear();
  }

  rollbackToSavepoint(): void {
    for (const [id, before] of this.#undo) {
      if (before === undefined) this.#pending.delete(id);
      else this.#pending.set(id, before);
    }
    this.#undo.clear();
  }

  /** Committed and pending entries together, as the processor sees them. */
  *all(): IterableIterator<[K, V]> {
    for (const [key, value] of this.#committed.entries()) {
      const pending = this.#pending.get(keyId(key));
      if (pending === undefined) yield [key, value];
    }
    for (const pending of this.#pending.values()) {
      if (!pending.deleted) yield [pending.key, pending.value as V];
    }
  }

  size(): number {
    return this.#committed.size();
  }

  /** Committed state only: what interactive queries may read. */
  readOnly(): ReadOnlyKeyValueStore<K, V> {
    const committed = this.#committed;
    return {
      name: this.name,
      get: (key: K) => committed.get(key),
      all: () => committed.entries(),
      size: () => committed.size(),
    };
  }

  hasPendingChanges(): boolean {
    return this.#pending.size > 0;
  }

  changelogRecords(): ChangelogRecord[] | Promise<ChangelogRecord[]> {
    const context = { topic: this.changelogTopic ?? this.name, isKey: true };
    const valueContext = { topic: context.topic, isKey: false };
    const records: (ChangelogRecord | Promise<ChangelogRecord>)[] = [];
    let async = false;
    for (const change of this.#pending.values()) {
      const key = this.#keySerde.serialize(change.key, context);
      const value = change.deleted ? null : this.#valueSerde.serialize(change.value as V, valueContext);
      if (isPromise(key) || isPromise(value)) {
        async = true;
        records.push(Promise.all([key, value]).then(([k, v]) => ({ key: k, value: v })));
      } else {
        records.push({ key, value });
      }
    }
    return async ? Promise.all(records as Promise<ChangelogRecord>[]) : (records as ChangelogRecord[]);
  }

  commit(): void {
    for (const [id, change] of this.#pending) {
      if (change.deleted) this.#committed.deleteById(id);
      else this.#committed.putById(id, change.key, change.value as V);
    }
    this.#pending = new Map();
    this.#undo.clear();
  }

  abort(): void {
    this.#pending = new Map();
    this.#undo.clear();
  }

  async restore(records: readonly ChangelogRecord[]): Promise<void> {
    const context = { topic: this.changelogTopic ?? this.name, isKey: true };
    const valueContext = { topic: context.topic, isKey: false };
    for (const record of records) {
      const maybeKey = this.#keySerde.deserialize(record.key, context);
      const key = isPromise(maybeKey) ? await maybeKey : maybeKey;
      if (record.value === null) {
        this.#committed.deleteById(keyId(key));
        continue;
      }
      const maybeValue = this.#valueSerde.deserialize(record.value, valueContext);
      this.#committed.put(key, isPromise(maybeValue) ? await maybeValue : maybeValue);
    }
  }

  clear(): void {
    this.#pending = new Map();
    this.#undo.clear();
    this.#committed.clear();
  }

  close(): void {
    this.clear();
  }
}
