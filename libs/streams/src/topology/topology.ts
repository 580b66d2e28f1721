import { TopologyError } from '../errors.js';
import {
  INTERNAL_TOPIC_PREFIX,
  type GlobalStoreDefinition,
  type RepartitionTopic,
  type SourceNode,
  type StoreDefinition,
  type TopologyNode,
} from './nodes.js';

/** A connected part of the topology between sources and repartition topics; runs as one task per partition. */
export interface SubTopology {
  readonly id: number;
  /** Node names in insertion order. */
  readonly nodes: readonly string[];
  /** Source topics (internal ones still as `$app-…`). */
  readonly sourceTopics: readonly string[];
  readonly stores: readonly string[];
}

/**
 * An immutable graph of sources, processors and sinks, with the stores the
 * processors use. Built by `StreamsBuilder` (or by hand with the processor
 * API through `TopologyBuilder`), run by `StreamsApp` or the test driver.
 */
export class Topology {
  readonly nodes: ReadonlyMap<string, TopologyNode>;
  readonly children: ReadonlyMap<string, readonly string[]>;
  readonly parents: ReadonlyMap<string, readonly string[]>;
  readonly stores: ReadonlyMap<string, StoreDefinition>;
  readonly globalStores: ReadonlyMap<string, GlobalStoreDefinition>;
  readonly repartitionTopics: readonly RepartitionTopic[];
  readonly subTopologies: readonly SubTopology[];

  constructor(parts: {
    nodes: Map<string, TopologyNode>;
    children: Map<string, string[]>;
    stores: Map<string, StoreDefinition>;
    globalStores: Map<string, GlobalStoreDefinition>;
    repartitionTopics: RepartitionTopic[];
  }) {
    this.nodes = parts.nodes;
    this.children = parts.children;
    const parents = new Map<string, string[]>();
    for (const [parent, kids] of parts.children) {
      for (const kid of kids) parents.set(kid, [...(parents.get(kid) ?? []), parent]);
    }
    this.parents = parents;
    this.stores = parts.stores;
    this.globalStores = parts.globalStores;
    this.repartitionTopics = parts.repartitionTopics;
    this.#validate();
    this.subTopologies = this.#splitIntoSubTopologies();
  }

  #validate(): void {
    for (const [name, node] of this.nodes) {
      if (node.kind === 'processor') {
        for (const store of node.stores) {
          if (!this.stores.has(store) && !this.globalStores.has(store)) {
            throw new TopologyError(`processor "${name}" uses store "${store}", which no part of the topology defines`);
          }
        }
      }
      for (const kid of this.children.get(name) ?? []) {
        if (!this.nodes.has(kid)) throw new TopologyError(`node "${name}" forwards to unknown node "${kid}"`);
        if (this.nodes.get(kid)?.kind === 'source') throw new TopologyError(`node "${name}" cannot forward to source "${kid}"`);
      }
    }
    const seen = new Map<string, string>();
    for (const node of this.nodes.values()) {
      if (node.kind !== 'source') continue;
      for (const topic of node.topics) {
        const other = seen.get(topic);
        if (other !== undefined) throw new TopologyError(`topic "${topic}" is read by two sources ("${other}" and "${node.name}")`);
        seen.set(topic, node.name);
      }
    }
  }

  /** Union-find over edges and shared stores: nodes that must run in one task. */
  #splitIntoSubTopologies(): SubTopology[] {
    const root = new Map<string, string>();
    const find = (n: string): string => {
      let r = n;
      while (root.get(r) !== r) r = root.get(r) ?? r;
      root.set(n, r);
      return r;
    };
    const union = (a: string, b: string): void => {
      const ra = find(a);
      const rb = find(b);
      if (ra !== rb) root.set(rb, ra);
    };
    for (const name of this.nodes.keys()) root.set(name, name);
    for (const [parent, kids] of this.children) for (const kid of kids) union(parent, kid);
    const storeOwner = new Map<string, string>();
    for (const node of this.nodes.values()) {
      if (node.kind !== 'processor') continue;
      for (const store of node.stores) {
        if (this.globalStores.has(store)) continue;
        const owner = storeOwner.get(store);
        if (owner === undefined) storeOwner.set(store, node.name);
        else union(owner, node.name);
      }
    }
    const groups = new Map<string, string[]>();
    for (const name of this.nodes.keys()) {
      const r = find(name);
      groups.set(r, [...(groups.get(r) ?? []), name]);
    }
    const result: SubTopology[] = [];
    for (const members of groups.values()) {
      const sources = members.map((n) => this.nodes.get(n)).filter((n): n is SourceNode => n?.kind === 'source');
      if (sources.length === 0) continue;
      const stores = new Set<string>();
      for (const n of members) {
        const node = this.nodes.get(n);
        if (node?.kind === 'processor') for (const s of node.stores) if (!this.globalStores.has(s)) stores.add(s);
      }
      result.push({ id: result.length, nodes: members, sourceTopics: sources.flatMap((s) => s.topics), stores: [...stores] });
    }
    return result;
  }

  /** Sub-topology whose sources read `topic`, named as in the topology (internal topics in their `$app-` form, not resolved). */
  subTopologyOf(topic: string): SubTopology | undefined {
    return this.subTopologies.find((s) => s.sourceTopics.includes(topic));
  }

  /** Kafka Streams-style text: sub-topologies with their sources, processors (and stores) and sinks. */
  describe(applicationId = '<applicationId>'): string {
    const resolve = (t: string): string => resolveTopic(t, applicationId);
    const lines: string[] = ['Topologies:'];
    for (const sub of this.subTopologies) {
      lines.push(`   Sub-topology: ${sub.id}`);
      for (const name of sub.nodes) {
        const node = this.nodes.get(name);
        if (node === undefined) continue;
        const kids = this.children.get(name) ?? [];
        const parents = this.parents.get(name) ?? [];
        if (node.kind === 'source') lines.push(`    Source: ${name} (topics: [${node.topics.map(resolve).join(', ')}])`);
        else if (node.kind === 'processor') lines.push(`    Processor: ${name} (stores: [${node.stores.join(', ')}])`);
        else lines.push(`    Sink: ${name} (topic: ${resolve(node.topic)})`);
        lines.push(`      --> ${kids.length === 0 ? 'none' : kids.join(', ')}`);
        if (parents.length > 0) lines.push(`      <-- ${parents.join(', ')}`);
      }
      lines.push('');
    }
    for (const store of this.globalStores.values()) {
      lines.push(`   Global store: ${store.name} (topic: ${store.topic})`);
    }
    for (const store of this.stores.values()) {
      lines.push(
        `   Store: ${store.name} (${store.kind}${store.logged ? `, changelog: ${resolveTopic(`${INTERNAL_TOPIC_PREFIX}${store.name}-changelog`, applicationId)}` : ', not logged'})`,
      );
    }
    return lines.join('\n').trimEnd() + '\n';
  }
}

/** `$app-x` → `<applicationId>-x`; other topics unchanged. */
export function resolveTopic(topic: string, applicationId: string): string {
  return topic.startsWith(INTERNAL_TOPIC_PREFIX) ? `${applicationId}-${topic.slice(INTERNAL_TOPIC_PREFIX.length)}` : topic;
}

/** Changelog topic of a store: `<applicationId>-<store>-changelog`. */
export function changelogTopic(applicationId: string, store: string): string {
  return `${applicationId}-${store}-changelog`;
}
