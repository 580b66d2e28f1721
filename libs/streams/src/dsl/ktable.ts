import type { Serdes } from '../serde.js';
import { mapValuesProcessor, passThroughProcessor } from '../processor/stateless.js';
import type { StreamsBuilder } from './streams-builder.js';
import { KStream } from './kstream.js';

/**
 * A changelog view: the latest value per key, in the store `storeName`. Each
 * update flows downstream (no caching: every change is emitted).
 */
export class KTable<K, V> {
  constructor(
    readonly builder: StreamsBuilder,
    /** The node whose output is this table's updates. */
    readonly node: string,
    /** The store holding the table (queryable by this name). */
    readonly storeName: string,
    readonly serdes: Partial<Serdes<K, V>>,
  ) {}

  /** The stream of this table's updates. */
  toStream(options: { name?: string } = {}): KStream<K, V> {
    const name = this.builder.nameFor('to-stream', options.name);
    this.builder.topology.addProcessor(name, passThroughProcessor<K, V>(), [this.node]);
    return new KStream<K, V>(this.builder, name, this.serdes, false);
  }

  /** Maps each update's value (the result is not materialized). */
  mapValues<V2>(fn: (value: V, key: K) => V2, options: { name?: string } = {}): KStream<K, V2> {
    const name = this.builder.nameFor('table-map-values', options.name);
    this.builder.topology.addProcessor(name, mapValuesProcessor(fn), [this.node]);
    return new KStream<K, V2>(this.builder, name, this.serdes.key === undefined ? {} : { key: this.serdes.key }, false);
  }
}
