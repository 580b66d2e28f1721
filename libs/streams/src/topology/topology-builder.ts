import { TopologyError } from '../errors.js';
import type { ProcessorSupplier } from '../processor/processor.js';
import type { Serdes } from '../serde.js';
import type { GlobalStoreDefinition, RepartitionTopic, StoreDefinition, TimestampExtractor, TopologyNode } from './nodes.js';
import { Topology } from './topology.js';

/**
 * The processor API: add sources, processors, sinks and stores by name, then
 * `build()`. The DSL (`StreamsBuilder`) compiles to these calls.
 */
export class TopologyBuilder {
  readonly #nodes = new Map<string, TopologyNode>();
  readonly #children = new Map<string, string[]>();
  readonly #stores = new Map<string, StoreDefinition>();
  readonly #globalStores = new Map<string, GlobalStoreDefinition>();
  readonly #repartitionTopics: RepartitionTopic[] = [];

  #add(node: TopologyNode, parents: readonly string[]): void {
    if (this.#nodes.has(node.name)) throw new TopologyError(`two nodes are named "${node.name}"; names must be unique`);
    for (const parent of parents) {
      if (!this.#nodes.has(parent)) throw new TopologyError(`"${node.name}" names unknown parent "${parent}"`);
    }
    this.#nodes.set(node.name, node);
    for (const parent of parents) this.#children.set(parent, [...(this.#children.get(parent) ?? []), node.name]);
  }

  addSource<K, V>(
    name: string,
    topics: readonly string[],
    serdes: Serdes<K, V>,
    options: { timestampExtractor?: TimestampExtractor<K, V> } = {},
  ): this {
    if (topics.length === 0) throw new TopologyError(`source "${name}" reads no topic`);
    this.#add(
      {
        kind: 'source',
        name,
        topics: [...topics],
        serdes: serdes,
        timestampExtractor: options.timestampExtractor as TimestampExtractor | undefined,
      },
      [],
    );
    return this;
  }

  addProcessor<KIn, VIn, KOut, VOut>(
    name: string,
    supplier: ProcessorSupplier<KIn, VIn, KOut, VOut>,
    parents: readonly string[],
    stores: readonly string[] = [],
  ): this {
    this.#add(
      { kind: 'processor', name, supplier: supplier, stores: [...stores] },
      parents,
    );
    return this;
  }

  addSink<K, V>(name: string, topic: string, serdes: Serdes<K, V>, parents: readonly string[]): this {
    this.#add({ kind: 'sink', name, topic, serdes: serdes }, parents);
    return this;
  }

  addStore(definition: StoreDefinition): this {
    if (this.#stores.has(definition.name) || this.#globalStores.has(definition.name)) {
      throw new TopologyError(`two stores are named "${definition.name}"`);
    }
    this.#stores.set(definition.name, definition);
    return this;
  }

  addGlobalStore(definition: GlobalStoreDefinition): this {
    if (this.#stores.has(definition.name) || this.#globalStores.has(definition.name)) {
      throw new TopologyError(`two stores are named "${definition.name}"`);
    }
    this.#globalStores.set(definition.name, definition);
    return this;
  }

  addRepartitionTopic(topic: RepartitionTopic): this {
    if (this.#repartitionTopics.some((t) => t.topic === topic.topic)) {
      throw new TopologyError(`two repartition topics are named "${topic.topic}"`);
    }
    this.#repartitionTopics.push(topic);
    return this;
  }

  hasNode(name: string): boolean {
    return this.#nodes.has(name);
  }

  build(): Topology {
    return new Topology({
      nodes: new Map(this.#nodes),
      children: new Map([...this.#children].map(([k, v]) => [k, [...v]])),
      stores: new Map(this.#stores),
      globalStores: new Map(this.#globalStores),
      repartitionTopics: [...this.#repartitionTopics],
    });
  }
}
