import { TopologyError } from '../errors.js';
import type { ProcessorSupplier } from '../processor/processor.js';
import { lookupJoinProcessor } from '../processor/stateful.js';
import {
  branchProcessor,
  filterProcessor,
  flatMapProcessor,
  flatMapValuesProcessor,
  mapProcessor,
  mapValuesProcessor,
  passThroughProcessor,
  peekProcessor,
  selectKeyProcessor,
  type KeyValue,
} from '../processor/stateless.js';
import { json, string, type Serde, type Serdes } from '../serde.js';
import { INTERNAL_TOPIC_PREFIX } from '../topology/nodes.js';
import type { GlobalKTable } from './global-ktable.js';
import { KGroupedStream } from './kgrouped-stream.js';
import type { KTable } from './ktable.js';
import type { StreamsBuilder } from './streams-builder.js';

export interface Named {
  /** Node name; give one to keep names stable as the topology changes. */
  readonly name?: string;
}

export interface RepartitionOptions<K, V> {
  /** Names the topic `<applicationId>-<name>-repartition`. */
  readonly name: string;
  readonly serdes?: Partial<Serdes<K, V>>;
  /** Partitions of the repartition topic; default: as many as the upstream sources have. */
  readonly partitions?: number;
}

/**
 * An unbounded stream of records. Operators return new streams; nothing runs
 * until the topology is built and started.
 *
 * `repartitionRequired` is set after an operator that may change the key
 * (`map`, `flatMap`, `selectKey`, `process`): grouping or joining then goes
 * through a repartition topic so equal keys meet in one task.
 */
export class KStream<K, V> {
  constructor(
    readonly builder: StreamsBuilder,
    /** The node whose output this stream is. */
    readonly node: string,
    /** Serdes known for this stream's keys and values (lost when an operator changes their type). */
    readonly serdes: Partial<Serdes<K, V>>,
    readonly repartitionRequired: boolean,
  ) {}

  #then<K2, V2>(
    operation: string,
    supplier: ProcessorSupplier<K, V, K2, V2>,
    options: Named,
    serdes: Partial<Serdes<K2, V2>>,
    keyChanged: boolean,
    stores: readonly string[] = [],
  ): KStream<K2, V2> {
    const name = this.builder.nameFor(operation, options.name);
    this.builder.topology.addProcessor(name, supplier, [this.node], stores);
    return new KStream<K2, V2>(this.builder, name, serdes, this.repartitionRequired || keyChanged);
  }

  #keySerdes(): Partial<Serdes<K, never>> {
    return this.serdes.key === undefined ? {} : { key: this.serdes.key };
  }

  map<K2, V2>(fn: (key: K, value: V) => KeyValue<K2, V2>, options: Named = {}): KStream<K2, V2> {
    return this.#then('map', mapProcessor(fn), options, {}, true);
  }

  mapValues<V2>(fn: (value: V, key: K) => V2, options: Named = {}): KStream<K, V2> {
    return this.#then('map-values', mapValuesProcessor(fn), options, this.#keySerdes(), false);
  }

  filter(predicate: (key: K, value: V) => boolean, options: Named = {}): KStream<K, V> {
    return this.#then('filter', filterProcessor(predicate), options, this.serdes, false);
  }

  filterNot(predicate: (key: K, value: V) => boolean, options: Named = {}): KStream<K, V> {
    return this.#then('filter-not', filterProcessor<K, V>((k, v) => !predicate(k, v)), options, this.serdes, false);
  }

  flatMap<K2, V2>(fn: (key: K, value: V) => Iterable<KeyValue<K2, V2>>, options: Named = {}): KStream<K2, V2> {
    return this.#then('flat-map', flatMapProcessor(fn), options, {}, true);
  }

  flatMapValues<V2>(fn: (value: V, key: K) => Iterable<V2>, options: Named = {}): KStream<K, V2> {
    return this.#then('flat-map-values', flatMapValuesProcessor(fn), options, this.#keySerdes(), false);
  }

  selectKey<K2>(fn: (key: K, value: V) => K2, options: Named = {}): KStream<K2, V> {
    return this.#then('select-key', selectKeyProcessor(fn), options, this.serdes.value === undefined ? {} : { value: this.serdes.value }, true);
  }

  peek(fn: (key: K, value: V) => void, options: Named = {}): KStream<K, V> {
    return this.#then('peek', peekProcessor(fn), options, this.serdes, false);
  }

  /**
   * Splits the stream: each record goes to the stream of the first predicate
   * it satisfies; records matching none are dropped (add `() => true` last to
   * keep them).
   */
  branch(predicates: readonly ((key: K, value: V) => boolean)[], options: Named = {}): KStream<K, V>[] {
    const name = this.builder.nameFor('branch', options.name);
    const heads = predicates.map((_, i) => `${name}-${i}`);
    this.builder.topology.addProcessor(name, branchProcessor(predicates, heads), [this.node]);
    return heads.map((head) => {
      this.builder.topology.addProcessor(head, passThroughProcessor<K, V>(), [name]);
      return new KStream<K, V>(this.builder, head, this.serdes, this.repartitionRequired);
    });
  }

  /**
   * A custom processor (the processor API inside the DSL), connected to the
   * named stores; it may forward anything, so the key counts as changed.
   */
  process<K2, V2>(supplier: ProcessorSupplier<K, V, K2, V2>, options: Named & { stores?: readonly string[] } = {}): KStream<K2, V2> {
    return this.#then('process', supplier, options, {}, true, options.stores ?? []);
  }

  /** Writes the stream to `topic`. */
  to(topic: string, serdes: Partial<Serdes<K, V>> = {}, options: Named = {}): void {
    const key = serdes.key ?? this.serdes.key;
    const value = serdes.value ?? this.serdes.value;
    if (key === undefined || value === undefined) {
      throw new TopologyError(`to("${topic}") needs serdes: this stream's ${key === undefined ? 'key' : 'value'} type is no longer known`);
    }
    const name = this.builder.nameFor(`sink-${topic}`, options.name);
    this.builder.topology.addSink(name, topic, { key, value }, [this.node]);
  }

  /**
   * Routes the stream through the topic `<applicationId>-<name>-repartition`,
   * partitioned by the current key, so downstream state sees each key in one task.
   * Serdes default to the stream's known ones, else string keys and JSON values.
   */
  repartition(options: RepartitionOptions<K, V>): KStream<K, V> {
    const key = options.serdes?.key ?? this.serdes.key ?? (string() as unknown as Serde<K>);
    const value = options.serdes?.value ?? this.serdes.value ?? json<V>();
    const topic = `${INTERNAL_TOPIC_PREFIX}${options.name}-repartition`;
    this.builder.topology.addRepartitionTopic({ topic, partitions: options.partitions });
    this.builder.topology.addSink(`${options.name}-repartition-sink`, topic, { key, value }, [this.node]);
    this.builder.topology.addSource(`${options.name}-repartition-source`, [topic], { key, value });
    return new KStream<K, V>(this.builder, `${options.name}-repartition-source`, { key, value }, false);
  }

  /**
   * Groups by the current key. If an earlier operator may have changed the
   * key, the records first go through a repartition topic named after
   * `options.name` (default: the store name of the aggregation that follows).
   */
  groupByKey(options: { name?: string; serdes?: Partial<Serdes<K, V>>; partitions?: number } = {}): KGroupedStream<K, V> {
    return new KGroupedStream<K, V>(this, options, this.repartitionRequired);
  }

  /** Groups by a new key: always through a repartition topic. */
  groupBy<K2>(
    selector: (key: K, value: V) => K2,
    options: { name?: string; serdes?: Partial<Serdes<K2, V>>; partitions?: number } = {},
  ): KGroupedStream<K2, V> {
    const rekeyed = this.#then('group-by-select', selectKeyProcessor(selector), {}, this.serdes.value === undefined ? {} : { value: this.serdes.value }, true);
    return new KGroupedStream<K2, V>(rekeyed, options, true);
  }

  #checkCoPartitioned(operation: string): void {
    if (this.repartitionRequired) {
      throw new TopologyError(
        `${operation}: the key may have changed upstream; call .repartition({ name }) first so records meet the table partition that holds their key`,
      );
    }
  }

  /** Inner join with a table on the record key: records without a table entry are dropped. */
  join<VT, VR>(table: KTable<K, VT>, joiner: (value: V, tableValue: VT, key: K) => VR, options: Named = {}): KStream<K, VR> {
    this.#checkCoPartitioned('join');
    return this.#then(
      'join',
      lookupJoinProcessor<K, V, K, VT, VR>(table.storeName, (k) => k, (v, t, k) => joiner(v, t as VT, k), true),
      options,
      this.#keySerdes(),
      false,
      [table.storeName],
    );
  }

  /** Left join with a table: records without a table entry get `undefined`. */
  leftJoin<VT, VR>(table: KTable<K, VT>, joiner: (value: V, tableValue: VT | undefined, key: K) => VR, options: Named = {}): KStream<K, VR> {
    this.#checkCoPartitioned('leftJoin');
    return this.#then('left-join', lookupJoinProcessor<K, V, K, VT, VR>(table.storeName, (k) => k, joiner, false), options, this.#keySerdes(), false, [
      table.storeName,
    ]);
  }

  /** Inner join with a global table on a key derived from each record (no co-partitioning needed). */
  joinGlobal<KT, VT, VR>(
    table: GlobalKTable<KT, VT>,
    keySelector: (key: K, value: V) => KT,
    joiner: (value: V, tableValue: VT, key: K) => VR,
    options: Named = {},
  ): KStream<K, VR> {
    return this.#then(
      'join-global',
      lookupJoinProcessor<K, V, KT, VT, VR>(table.storeName, keySelector, (v, t, k) => joiner(v, t as VT, k), true),
      options,
      this.#keySerdes(),
      false,
      [table.storeName],
    );
  }

  /** Left join with a global table: records without an entry get `undefined`. */
  leftJoinGlobal<KT, VT, VR>(
    table: GlobalKTable<KT, VT>,
    keySelector: (key: K, value: V) => KT,
    joiner: (value: V, tableValue: VT | undefined, key: K) => VR,
    options: Named = {},
  ): KStream<K, VR> {
    return this.#then('left-join-global', lookupJoinProcessor<K, V, KT, VT, VR>(table.storeName, keySelector, joiner, false), options, this.#keySerdes(), false, [
      table.storeName,
    ]);
  }
}
