import { aggregateProcessor } from '../processor/stateful.js';
import { float64, json, type Serde, type Serdes } from '../serde.js';
import { keyValueStore } from '../state/stores.js';
import type { KStream } from './kstream.js';
import { KTable } from './ktable.js';
import { SessionWindows, type SlidingWindows, type TimeWindows } from '../window/windows.js';
import { SessionWindowedKStream, TimeWindowedKStream } from './windowed-kstream.js';

export interface AggregateOptions<A> {
  /** Store name: the table is queryable by it, its changelog is `<applicationId>-<store>-changelog`. */
  readonly store: string;
  /** Serde of the aggregate in the changelog; default JSON (float64 for `count`). */
  readonly valueSerde?: Serde<A>;
  readonly name?: string;
}

/** A stream grouped by key, ready for `count`, `reduce` or `aggregate` into a table. */
export class KGroupedStream<K, V> {
  constructor(
    readonly stream: KStream<K, V>,
    readonly options: { name?: string; serdes?: Partial<Serdes<K, V>>; partitions?: number },
    readonly repartition: boolean,
  ) {}

  #input(store: string): KStream<K, V> {
    if (!this.repartition) return this.stream;
    const serdes = this.options.serdes;
    return this.stream.repartition({
      name: this.options.name ?? store,
      ...(serdes === undefined ? {} : { serdes }),
      ...(this.options.partitions === undefined ? {} : { partitions: this.options.partitions }),
    });
  }

  /** Folds each record into its key's aggregate; the table emits every new aggregate. */
  aggregate<A>(initializer: () => A, aggregator: (key: K, value: V, aggregate: A) => A, options: AggregateOptions<A>): KTable<K, A> {
    const input = this.#input(options.store);
    const builder = input.builder;
    const keySerde = (this.options.serdes?.key ?? input.serdes.key);
    const valueSerde = options.valueSerde ?? json<A>();
    builder.topology.addStore(keyValueStore<K, A>(options.store, { ...(keySerde === undefined ? {} : { keySerde }), valueSerde }));
    const name = builder.nameFor(`aggregate-${options.store}`, options.name);
    builder.topology.addProcessor(name, aggregateProcessor(options.store, initializer, aggregator), [input.node], [options.store]);
    return new KTable<K, A>(builder, name, options.store, { ...(keySerde === undefined ? {} : { key: keySerde }), value: valueSerde });
  }

  /** Number of records per key. */
  count(options: AggregateOptions<number>): KTable<K, number> {
    return this.aggregate(() => 0, (_k, _v, n) => n + 1, { valueSerde: float64(), ...options });
  }

  /** Combines the values of each key with `reducer`; the first value is the start. */
  reduce(reducer: (aggregate: V, value: V) => V, options: AggregateOptions<V>): KTable<K, V> {
    const first = Symbol('none');
    const table = this.aggregate<V>(
      () => first as unknown as V,
      (_k, value, aggregate) => ((aggregate as unknown) === first ? value : reducer(aggregate, value)),
      { ...options, ...(options.valueSerde === undefined && this.stream.serdes.value !== undefined ? { valueSerde: this.stream.serdes.value } : {}) },
    );
    return table;
  }

  /**
   * Aggregates per key and window: `tumbling`, `hopping`, `sliding` or
   * `session` windows (see "Time and windows" in the README). The store is
   * named by the aggregation's `store` option.
   */
  windowedBy(windows: SessionWindows): SessionWindowedKStream<K, V>;
  windowedBy(windows: TimeWindows | SlidingWindows): TimeWindowedKStream<K, V>;
  windowedBy(windows: TimeWindows | SlidingWindows | SessionWindows): TimeWindowedKStream<K, V> | SessionWindowedKStream<K, V> {
    const keySerde = this.options.serdes?.key ?? this.stream.serdes.key;
    const valueSerde = this.options.serdes?.value ?? this.stream.serdes.value;
    // A repartition (when the key changed) is added at aggregation time, named after the store.
    const upstream = { input: (store: string): KStream<K, V> => this.#input(store), keySerde, valueSerde };
    if (windows instanceof SessionWindows) return new SessionWindowedKStream<K, V>(upstream, windows);
    return new TimeWindowedKStream<K, V>(upstream, windows);
  }
}
