import { isPromise, type Serde } from '../serde.js';
import { decodeWindowedKey, encodeWindowedKey } from '../window/windowed-serde.js';
import type { Window } from '../window/windows.js';
import { keyId } from './key-id.js';
import type { ChangelogRecord, ManagedStore, StateStore } from './state-store.js';

/** One window's aggregate (or, for sliding windows, one event time's values). */
export interface WindowEntry<K, V> {
  readonly key: K;
  readonly start: number;
  readonly end: number;
  readonly value: V;
}

/** What interactive queries and the test driver may read: committed windows only. */
export interface ReadOnlyWindowStore<K, V> extends StateStore {
  /** The aggregate of `key` in the window `[start, end)`. */
  fetch(key: K, window: Window): V | undefined;
  /** The windows of `key`, by start. */
  fetchKey(key: K): WindowEntry<K, V>[];
  all(): WindowEntry<K, V>[];
  /** The watermark's input: the largest event time the store's task has accepted (-1 before any). */
  observedTime(): number;
}

export interface TransactionalWindowStoreOptions<K, V> {
  readonly name: string;
  readonly changelogTopic: string | undefined;
  readonly keySerde: Serde<K>;
  readonly valueSerde: Serde<V>;
}

/** Changelog key of the store's metadata record: no key bytes, start = end = -1 (no window has a negative start). */
const META_KEY = Buffer.alloc(16, 0xff);
const TAG_ENTRY = 0;
const TAG_META = 1;

const idOf = (kid: string, start: number, end: number): string => `${kid}\u0001${start}:${end}`;

/**
 * A window (or session) store: aggregates keyed by key and window, plus the
 * largest event time accepted so far (the watermark's input, kept in the same
 * transaction as the windows so a restore never sees one without the other).
 *
 * Changes apply at once to the live view the processor reads; an undo log
 * per transaction and per record savepoint takes them back on abort, so the
 * committed state is "live minus the open transaction". Changelog records:
 * key = the windowed-key bytes (key ‖ start ‖ end); value = one tag byte
 * (0 = window, 1 = metadata) and the serialized aggregate, or null when the
 * window closed or merged away. The metadata record (16 × 0xFF key) carries
 * the observed event time as a float64.
 */
export class TransactionalWindowStore<K, V> implements ReadOnlyWindowStore<K, V>, ManagedStore {
  readonly name: string;
  readonly changelogTopic: string | undefined;
  readonly #keySerde: Serde<K>;
  readonly #valueSerde: Serde<V>;
  readonly #live = new Map<string, WindowEntry<K, V>>();
  readonly #byKey = new Map<string, Map<string, WindowEntry<K, V>>>();
  readonly #byEnd = new Map<number, Set<string>>();
  /** A lower bound of the smallest end in `#byEnd` (exact after each `expired` scan). */
  #minEnd = Number.POSITIVE_INFINITY;
  #observed = -1;
  /** Before-images of the open transaction, by id (undefined: the window did not exist). */
  #txnUndo = new Map<string, WindowEntry<K, V> | undefined>();
  #txnObserved: number | undefined;
  /** Before-images since the savepoint, and which ids entered `#txnUndo` since. */
  #spUndo = new Map<string, WindowEntry<K, V> | undefined>();
  #spNew = new Set<string>();
  #spObserved: number | undefined;
  #spObservedNew = false;

  constructor(options: TransactionalWindowStoreOptions<K, V>) {
    this.name = options.name;
    this.changelogTopic = options.changelogTopic;
    this.#keySerde = options.keySerde;
    this.#valueSerde = options.valueSerde;
  }

  // ---- what processors use (the live view) ----

  get(key: K, start: number, end: number): V | undefined {
    return this.#live.get(idOf(keyId(key), start, end))?.value;
  }

  put(key: K, start: number, end: number, value: V): void {
    const id = idOf(keyId(key), start, end);
    this.#remember(id);
    this.#set(id, { key, start, end, value });
  }

  remove(key: K, start: number, end: number): void {
    const id = idOf(keyId(key), start, end);
    if (!this.#live.has(id)) return;
    this.#remember(id);
    this.#unset(id);
  }

  /** The live windows of `key`, by start. */
  windowsOf(key: K): WindowEntry<K, V>[] {
    const windows = this.#byKey.get(keyId(key));
    return windows === undefined ? [] : [...windows.values()].sort((a, b) => a.start - b.start || a.end - b.end);
  }

  /** Live windows with `end ≤ maxEnd`, by end, then start, then insertion. */
  expired(maxEnd: number): WindowEntry<K, V>[] {
    if (maxEnd < this.#minEnd) return [];
    const ends = [...this.#byEnd.keys()].filter((e) => e <= maxEnd).sort((a, b) => a - b);
    const out: WindowEntry<K, V>[] = [];
    for (const end of ends) {
      const entries = [...(this.#byEnd.get(end) ?? [])].map((id) => this.#live.get(id) as WindowEntry<K, V>);
      entries.sort((a, b) => a.start - b.start);
      out.push(...entries);
    }
    let min = Number.POSITIVE_INFINITY;
    for (const end of this.#byEnd.keys()) if (end > maxEnd && end < min) min = end;
    this.#minEnd = ends.length > 0 ? Math.min(min, ends[0] ?? min) : min;
    return out;
  }

  observedTime(): number {
    return this.#observed;
  }

  setObservedTime(time: number): void {
    if (time === this.#observed) return;
    if (this.#txnObserved === undefined) {
      this.#txnObserved = this.#observed;
      this.#spObservedNew = true;
    }
    if (this.#spObserved === undefined) this.#spObserved = this.#observed;
    this.#observed = time;
  }

  #remember(id: string): void {
    const before = this.#live.get(id);
    if (!this.#txnUndo.has(id)) {
      this.#txnUndo.set(id, before);
      this.#spNew.add(id);
    }
    if (!this.#spUndo.has(id)) this.#spUndo.set(id, before);
  }

  #set(id: string, entry: WindowEntry<K, V>): void {
    const previous = this.#live.get(id);
    this.#live.set(id, entry);
    if (previous !== undefined) {
      this.#byKey.get(keyId(entry.key))?.set(id, entry);
      return;
    }
    const kid = keyId(entry.key);
    let windows = this.#byKey.get(kid);
    if (windows === undefined) this.#byKey.set(kid, (windows = new Map<string, WindowEntry<K, V>>()));
    windows.set(id, entry);
    let ids = this.#byEnd.get(entry.end);
    if (ids === undefined) this.#byEnd.set(entry.end, (ids = new Set()));
    ids.add(id);
    if (entry.end < this.#minEnd) this.#minEnd = entry.end;
  }

  #unset(id: string): void {
    const entry = this.#live.get(id);
    if (entry === undefined) return;
    this.#live.delete(id);
    const kid = keyId(entry.key);
    const windows = this.#byKey.get(kid);
    windows?.delete(id);
    if (windows?.size === 0) this.#byKey.delete(kid);
    const ids = this.#byEnd.get(entry.end);
    ids?.delete(id);
    if (ids?.size === 0) this.#byEnd.delete(entry.end);
  }

  #restoreImage(id: string, before: WindowEntry<K, V> | undefined): void {
    if (before === undefined) this.#unset(id);
    else this.#set(id, before);
  }

  // ---- ManagedStore ----

  savepoint(): void {
    // Once per record: clearing (usually nothing) instead of two new collections, which the GC felt.
    if (this.#spUndo.size > 0) this.#spUndo.clear();
    if (this.#spNew.size > 0) this.#spNew.clear();
    this.#spObserved = undefined;
    this.#spObservedNew = false;
  }

  rollbackToSavepoint(): void {
    for (const [id, before] of this.#spUndo) {
      this.#restoreImage(id, before);
      if (this.#spNew.has(id)) this.#txnUndo.delete(id);
    }
    if (this.#spObserved !== undefined) {
      this.#observed = this.#spObserved;
      if (this.#spObservedNew) this.#txnObserved = undefined;
    }
    this.savepoint();
  }

  hasPendingChanges(): boolean {
    return this.#txnUndo.size > 0 || this.#txnObserved !== undefined;
  }

  changelogRecords(): ChangelogRecord[] | Promise<ChangelogRecord[]> {
    const topic = this.changelogTopic ?? this.name;
    const keyContext = { topic, isKey: true };
    const valueContext = { topic, isKey: false };
    const records: (ChangelogRecord | Promise<ChangelogRecord>)[] = [];
    let async = false;
    for (const [id, before] of this.#txnUndo) {
      const entry = this.#live.get(id) ?? before;
      if (entry === undefined) continue;
      const live = this.#live.get(id);
      const key = this.#keySerde.serialize(entry.key, keyContext);
      const value = live === undefined ? null : this.#valueSerde.serialize(live.value, valueContext);
      const make = (k: Buffer, v: Buffer | null): ChangelogRecord => ({
        key: encodeWindowedKey(k, entry.start, entry.end),
        value: v === null ? null : Buffer.concat([Buffer.of(TAG_ENTRY), v]),
      });
      if (isPromise(key) || isPromise(value)) {
        async = true;
        records.push(Promise.all([key, value]).then(([k, v]) => make(k, v)));
      } else records.push(make(key, value));
    }
    if (this.#txnObserved !== undefined) {
      const value = Buffer.allocUnsafe(9);
      value.writeUInt8(TAG_META, 0);
      value.writeDoubleBE(this.#observed, 1);
      records.push({ key: META_KEY, value });
    }
    return async ? Promise.all(records.map((r) => Promise.resolve(r))) : (records as ChangelogRecord[]);
  }

  commit(): void {
    this.#txnUndo = new Map();
    this.#txnObserved = undefined;
    this.savepoint();
  }

  abort(): void {
    for (const [id, before] of this.#txnUndo) this.#restoreImage(id, before);
    if (this.#txnObserved !== undefined) this.#observed = this.#txnObserved;
    this.commit();
  }

  async restore(records: readonly ChangelogRecord[]): Promise<void> {
    const topic = this.changelogTopic ?? this.name;
    for (const record of records) {
      if (record.key.equals(META_KEY)) {
        if (record.value !== null && record.value.length === 9) this.#observed = Math.max(this.#observed, record.value.readDoubleBE(1));
        continue;
      }
      const { key: bytes, start, end } = decodeWindowedKey(record.key);
      const maybeKey = this.#keySerde.deserialize(bytes, { topic, isKey: true });
      const key = isPromise(maybeKey) ? await maybeKey : maybeKey;
      const id = idOf(keyId(key), start, end);
      if (record.value === null) {
        this.#unset(id);
        continue;
      }
      const maybeValue = this.#valueSerde.deserialize(record.value.subarray(1), { topic, isKey: false });
      this.#set(id, { key, start, end, value: isPromise(maybeValue) ? await maybeValue : maybeValue });
    }
  }

  clear(): void {
    this.#live.clear();
    this.#byKey.clear();
    this.#byEnd.clear();
    this.#minEnd = Number.POSITIVE_INFINITY;
    this.#observed = -1;
    this.commit();
  }

  close(): void {
    this.clear();
  }

  // ---- read-only, committed view ----

  size(): number {
    let size = this.#live.size;
    for (const [id, before] of this.#txnUndo) size += (before === undefined ? 0 : 1) - (this.#live.has(id) ? 1 : 0);
    return size;
  }

  fetch(key: K, window: Window): V | undefined {
    const id = idOf(keyId(key), window.start, window.end);
    return this.#txnUndo.has(id) ? this.#txnUndo.get(id)?.value : this.#live.get(id)?.value;
  }

  fetchKey(key: K): WindowEntry<K, V>[] {
    const kid = keyId(key);
    return this.#committed().filter((e) => keyId(e.key) === kid);
  }

  all(): WindowEntry<K, V>[] {
    return this.#committed();
  }

  /** Number of live windows (the processor's view, pending changes included): for metrics and benches. */
  liveSize(): number {
    return this.#live.size;
  }

  #committed(): WindowEntry<K, V>[] {
    const out: WindowEntry<K, V>[] = [];
    for (const [id, entry] of this.#live) if (!this.#txnUndo.has(id)) out.push(entry);
    for (const before of this.#txnUndo.values()) if (before !== undefined) out.push(before);
    return out.sort((a, b) => a.start - b.start || a.end - b.end);
  }

  /** Committed state only, as a read-only store. */
  readOnly(): ReadOnlyWindowStore<K, V> {
    return {
      name: this.name,
      size: () => this.size(),
      fetch: (key, window) => this.fetch(key, window),
      fetchKey: (key) => this.fetchKey(key),
      all: () => this.all(),
      observedTime: () => (this.#txnObserved ?? this.#observed),
    };
  }
}
