import type { KeyValueStore, ReadOnlyKeyValueStore } from '../state/key-value-store.js';
import type { ProcessorContext, ProcessorSupplier } from './processor.js';

/**
 * Folds each record into the aggregate of its key, stored in `storeName`, and
 * forwards the new aggregate (a table update). Records with a null key are
 * dropped, as in Kafka Streams: they cannot be grouped.
 */
export const aggregateProcessor =
  <K, V, A>(storeName: string, initializer: () => A, aggregator: (key: K, value: V, aggregate: A) => A): ProcessorSupplier<K, V, K, A> =>
  () => {
    let context!: ProcessorContext<K, A>;
    let store!: KeyValueStore<K, A>;
    return {
      init(c) {
        context = c;
        store = c.getStateStore<KeyValueStore<K, A>>(storeName);
      },
      process(record) {
        if (record.key === null || record.key === undefined) return;
        const next = aggregator(record.key, record.value, store.get(record.key) ?? initializer());
        store.put(record.key, next);
        context.forward({ key: record.key, value: next, timestamp: record.timestamp });
      },
    };
  };

/** Materializes a changelog stream as a table: puts each value (null deletes) and forwards the update. */
export const tableSourceProcessor =
  <K, V>(storeName: string): ProcessorSupplier<K, V | null, K, V | null> =>
  () => {
    let context!: ProcessorContext<K, V | null>;
    let store!: KeyValueStore<K, V>;
    return {
      init(c) {
        context = c;
        store = c.getStateStore<KeyValueStore<K, V>>(storeName);
      },
      process(record) {
        if (record.key === null || record.key === undefined) return;
        if (record.value === null || record.value === undefined) store.delete(record.key);
        else store.put(record.key, record.value);
        context.forward(record);
      },
    };
  };

/**
 * Joins each stream record with the table entry of the key `lookupKey` gives:
 * inner joins drop records without a match, left joins pass `undefined`.
 */
export const lookupJoinProcessor =
  <K, V, KT, VT, VR>(
    storeName: string,
    lookupKey: (key: K, value: V) => KT,
    joiner: (value: V, tableValue: VT | undefined, key: K) => VR,
    inner: boolean,
  ): ProcessorSupplier<K, V, K, VR> =>
  () => {
    let context!: ProcessorContext<K, VR>;
    let table!: ReadOnlyKeyValueStore<KT, VT>;
    return {
      init(c) {
        context = c;
        table = c.getStateStore<ReadOnlyKeyValueStore<KT, VT>>(storeName);
      },
      process(record) {
        const tableValue = table.get(lookupKey(record.key, record.value));
        if (tableValue === undefined && inner) return;
        context.forward({ ...record, value: joiner(record.value, tableValue, record.key) });
      },
    };
  };
