import { StreamsBuilder, TopologyBuilder, TopologyError, float64, keyValueStore, string } from '@tributary/streams';
import { describe, expect, it } from 'vitest';
import { J, S } from './helpers.js';

describe('topology description', () => {
  it('lists sources, processors with their stores, and sinks per sub-topology, with resolved internal topics', () => {
    const b = new StreamsBuilder();
    b.stream('orders', J<{ customer: string }>(), { name: 'orders-source' })
      .filter((_k, o) => o.customer !== '', { name: 'has-customer' })
      .groupBy((_k, o) => o.customer, { name: 'by-customer' })
      .count({ store: 'per-customer', name: 'count' })
      .toStream({ name: 'changes' })
      .to('counts', { key: string(), value: float64() }, { name: 'counts-sink' });
    const groupSelect = [...b.build().nodes.keys()].find((n) => n.startsWith('group-by-select-'));
    expect(b.build().describe('shop')).toBe(
      [
        'Topologies:',
        '   Sub-topology: 0',
        '    Source: orders-source (topics: [orders])',
        '      --> has-customer',
        '    Processor: has-customer (stores: [])',
        `      --> ${groupSelect}`,
        '      <-- orders-source',
        `    Processor: ${groupSelect} (stores: [])`,
        '      --> by-customer-repartition-sink',
        '      <-- has-customer',
        '    Sink: by-customer-repartition-sink (topic: shop-by-customer-repartition)',
        '      --> none',
        `      <-- ${groupSelect}`,
        '',
        '   Sub-topology: 1',
        '    Source: by-customer-repartition-source (topics: [shop-by-customer-repartition])',
        '      --> count',
        '    Processor: count (stores: [per-customer])',
        '      --> changes',
        '      <-- by-customer-repartition-source',
        '    Processor: changes (stores: [])',
        '      --> counts-sink',
        '      <-- count',
        '    Sink: counts-sink (topic: counts)',
        '      --> none',
        '      <-- changes',
        '',
        '   Store: per-customer (key-value, changelog: shop-per-customer-changelog)',
        '',
      ].join('\n'),
    );
  });

  it('an unlogged store says so', () => {
    const t = new TopologyBuilder()
      .addSource('src', ['in'], S)
      .addStore(keyValueStore('scratch', { logged: false }))
      .addProcessor('p', () => ({ process: () => undefined }), ['src'], ['scratch'])
      .build();
    expect(t.describe('a')).toContain('   Store: scratch (key-value, not logged)');
  });

  it('processors sharing a store land in one sub-topology', () => {
    const t = new TopologyBuilder()
      .addSource('a', ['ta'], S)
      .addSource('b', ['tb'], S)
      .addStore(keyValueStore('shared'))
      .addProcessor('pa', () => ({ process: () => undefined }), ['a'], ['shared'])
      .addProcessor('pb', () => ({ process: () => undefined }), ['b'], ['shared'])
      .build();
    expect(t.subTopologies).toEqual([{ id: 0, nodes: ['a', 'b', 'pa', 'pb'], sourceTopics: ['ta', 'tb'], stores: ['shared'] }]);
  });
});

describe('topology validation', () => {
  const noop = () => ({ process: () => undefined });

  it('refuses a processor that uses an unknown store', () => {
    const builder = new TopologyBuilder().addSource('src', ['in'], S).addProcessor('p', noop, ['src'], ['missing']);
    expect(() => builder.build()).toThrow(new TopologyError('processor "p" uses store "missing", which no part of the topology defines'));
  });

  it('refuses two nodes with one name', () => {
    const builder = new TopologyBuilder().addSource('x', ['in'], S);
    expect(() => builder.addProcessor('x', noop, ['x'])).toThrow(new TopologyError('two nodes are named "x"; names must be unique'));
    const b = new StreamsBuilder();
    const s = b.stream('in', S);
    s.filter(() => true, { name: 'f' });
    expect(() => s.filter(() => true, { name: 'f' })).toThrow(TopologyError);
  });

  it('refuses two sources on one topic', () => {
    const b = new StreamsBuilder();
    b.stream('in', S, { name: 'first' });
    b.stream('in', S, { name: 'second' });
    expect(() => b.build()).toThrow(new TopologyError('topic "in" is read by two sources ("first" and "second")'));
  });

  it('refuses two stores with one name, and an unknown parent', () => {
    const builder = new TopologyBuilder().addStore(keyValueStore('s'));
    expect(() => builder.addStore(keyValueStore('s'))).toThrow(new TopologyError('two stores are named "s"'));
    expect(() => builder.addProcessor('p', noop, ['ghost'])).toThrow(new TopologyError('"p" names unknown parent "ghost"'));
  });

  it('refuses two repartition topics with one name', () => {
    const b = new StreamsBuilder();
    const s = b.stream('in', S);
    s.repartition({ name: 'r' });
    expect(() => s.repartition({ name: 'r' })).toThrow(new TopologyError('two repartition topics are named "$app-r-repartition"'));
  });

  it('refuses a source that reads no topic', () => {
    expect(() => new TopologyBuilder().addSource('src', [], S)).toThrow(new TopologyError('source "src" reads no topic'));
  });
});
