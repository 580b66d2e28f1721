import type { Serdes } from '../serde.js';
import { keyValueStore } from '../state/stores.js';
import { tableSourceProcessor } from '../processor/stateful.js';
import type { TimestampExtractor } from '../topology/nodes.js';
import { TopologyBuilder } from '../topology/topology-builder.js';
import type { Topology } from '../topology/topology.js';
import { GlobalKTable } from './global-ktable.js';
import { KStream } from './kstream.js';
import { KTable } from './ktable.js';

export interface StreamOptions<K, V> {
  /** Node name; default `source-<topic>`. */
  readonly name?: string;
  /** Event time of each record; default: the Kafka record timestamp. */
  readonly timestampExtractor?: TimestampExtractor<K, V>;
}

/**
 * The DSL entry point, in the spirit of Kafka Streams' StreamsBuilder:
 *
 * ```ts
 * const builder = new StreamsBuilder();
 * builder.stream('orders', { key: string(), value: json<Order>() })
 *   .groupByKey()
 *   .count({ store: 'orders-per-customer' })
 *   .toStream()
 *   .to('order-counts', { key: string(), value: float64() });
 * const topology = builder.build();
 * ```
 */
export class StreamsBuilder {
  /** The processor-API builder the DSL writes to. */
  readonly topology = new TopologyBuilder();
  #counter = 0;

  /** A unique node name: the given one, or `<operation>-<n>`. */
  nameFor(operation: string, given?: string): string {
    if (given !== undefined) return given;
    let name: string;
    do name = `${operation}-${++this.#counter}`;
    while (this.topology.hasNode(name));
    return name;
  }

  /** A stream of the records of `topic`. */
  stream<K, V>(topic: string | readonly string[], serdes: Serdes<K, V>, options: StreamOptions<K, V> = {}): KStream<K, V> {
    const topics = typeof topic === 'string' ? [topic] : [...topic];
    const name = options.name ?? this.nameFor(`source-${topics.join('+')}`);
    this.topology.addSource(name, topics, serdes, options.timestampExtractor === undefined ? {} : { timestampExtractor: options.timestampExtractor });
    return new KStream<K, V>(this, name, serdes, false);
  }

  /**
   * A table of the latest value per key of `topic` (a null value deletes),
   * materialized in the store `options.store`, partitioned like the topic.
   */
  table<K, V>(topic: string, serdes: Serdes<K, V>, options: { store: string; name?: string }): KTable<K, V> {
    const source = this.nameFor(`source-${topic}`, options.name);
    this.topology.addSource(source, [topic], serdes);
    this.topology.addStore(keyValueStore(options.store, { keySerde: serdes.key, valueSerde: serdes.value }));
    const processor = this.nameFor(`table-${options.store}`);
    this.topology.addProcessor(processor, tableSourceProcessor<K, V>(options.store), [source], [options.store]);
    return new KTable<K, V>(this, processor, options.store, serdes);
  }

  /**
   * A table of every partition of `topic`, replicated in full to every
   * instance and kept up to date; joined by a key derived from each record.
   * The topic itself is its changelog (it should be compacted).
   */
  globalTable<K, V>(topic: string, serdes: Serdes<K, V>, options: { store: string }): GlobalKTable<K, V> {
    this.topology.addGlobalStore({ name: options.store, topic, serdes: serdes });
    return new GlobalKTable<K, V>(options.store, topic);
  }

  build(): Topology {
    return this.topology.build();
  }
}
