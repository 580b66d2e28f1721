import { StreamsBuilder, float64, json, string } from '@tributary/streams';
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver, partitionForKey } from '../../src/index.js';
import { J, S, drive } from './helpers.js';

const N = { key: string(), value: float64() };
type Order = { customer: string; amount: number };

describe('grouping and aggregation', () => {
  it('groupByKey().count() needs no repartition topic and counts per key', async () => {
    const b = new StreamsBuilder();
    b.stream('words', S).groupByKey().count({ store: 'word-counts' }).toStream().to('counts', N);
    const topology = b.build();
    expect(topology.repartitionTopics).toEqual([]);
    expect(topology.subTopologies).toHaveLength(1);
    expect(topology.describe('test-app')).not.toContain('repartition');

    const d = new TopologyTestDriver(topology);
    try {
      await d.createInputTopic('words', S).pipeKeyValueList([
        ['a', 'x'],
        ['b', 'y'],
        ['a', 'z'],
        ['a', 'w'],
      ]);
      expect(d.createOutputTopic('counts', N).readKeyValuesToList()).toEqual([
        ['a', 1],
        ['b', 1],
        ['a', 2],
        ['a', 3],
      ]);
      const store = d.getKeyValueStore<string, number>('word-counts');
      expect(store.get('a')).toBe(3);
      expect(store.get('b')).toBe(1);
      expect(store.get('c')).toBeUndefined();
      expect(new Map(store.all())).toEqual(new Map([['a', 3], ['b', 1]]));
    } finally {
      d.close();
    }
  });

  it('count writes one changelog record per changed key per commit', async () => {
    const d = drive((b) => b.stream('words', S).groupByKey().count({ store: 'word-counts' }));
    await d.createInputTopic('words', S).pipeKeyValueList(
      [
        ['a', 'x'],
        ['a', 'y'],
        ['b', 'z'],
      ],
      100,
      10,
    );
    // The driver commits after every record, so each record is one changelog update, timestamped with stream time.
    expect(d.changelog<string, number>('word-counts')).toEqual([
      { key: 'a', value: 1, partition: 0, timestamp: 100 },
      { key: 'a', value: 2, partition: 0, timestamp: 110 },
      { key: 'b', value: 1, partition: 0, timestamp: 120 },
    ]);
  });

  it('reduce combines values per key, starting from the first', async () => {
    const d = drive((b) =>
      b
        .stream('in', N)
        .groupByKey()
        .reduce((a, v) => Math.max(a, v), { store: 'max' })
        .toStream()
        .to('out', N),
    );
    await d.createInputTopic('in', N).pipeKeyValueList([
      ['t', 3],
      ['t', 1],
      ['u', -5],
      ['t', 7],
      ['u', -9],
    ]);
    expect(d.createOutputTopic('out', N).readKeyValuesToList()).toEqual([
      ['t', 3],
      ['t', 3],
      ['u', -5],
      ['t', 7],
      ['u', -5],
    ]);
    expect(d.getKeyValueStore<string, number>('max').get('t')).toBe(7);
  });

  it('aggregate folds into an initial value with its own serde', async () => {
    type Stats = { count: number; total: number };
    const d = drive((b) =>
      b
        .stream('orders', J<Order>())
        .groupByKey()
        .aggregate<Stats>(
          () => ({ count: 0, total: 0 }),
          (_k, o, s) => ({ count: s.count + 1, total: s.total + o.amount }),
          { store: 'stats', valueSerde: json<Stats>() },
        )
        .toStream()
        .to('stats-out', { value: json<Stats>() }),
    );
    await d.createInputTopic('orders', J<Order>()).pipeKeyValueList([
      ['ann', { customer: 'ann', amount: 10 }],
      ['bob', { customer: 'bob', amount: 1 }],
      ['ann', { customer: 'ann', amount: 5 }],
    ]);
    expect(d.createOutputTopic('stats-out', J<Stats>()).readKeyValuesToList()).toEqual([
      ['ann', { count: 1, total: 10 }],
      ['bob', { count: 1, total: 1 }],
      ['ann', { count: 2, total: 15 }],
    ]);
    expect(d.getKeyValueStore<string, Stats>('stats').get('ann')).toEqual({ count: 2, total: 15 });
  });

  it('records with a null key are not aggregated', async () => {
    const d = drive((b) => b.stream('in', S).groupByKey().count({ store: 'c' }).toStream().to('out', N));
    const input = d.createInputTopic('in', S);
    await input.pipeInput(null, 'no key');
    await input.pipeInput('k', 'keyed');
    expect(d.createOutputTopic('out', N).readKeyValuesToList()).toEqual([['k', 1]]);
    expect(d.getKeyValueStore('c').size()).toBe(1);
  });

  it('groupBy goes through <app>-<name>-repartition and counts by the new key', async () => {
    const b = new StreamsBuilder();
    b.stream('orders', J<Order>())
      .groupBy((_k, o) => o.customer, { name: 'by-customer' })
      .count({ store: 'orders-per-customer' })
      .toStream()
      .to('counts', N);
    const topology = b.build();
    const text = topology.describe('shop');
    expect(text).toContain('Sink: by-customer-repartition-sink (topic: shop-by-customer-repartition)');
    expect(text).toContain('Source: by-customer-repartition-source (topics: [shop-by-customer-repartition])');
    expect(topology.subTopologies).toHaveLength(2);

    const d = new TopologyTestDriver(topology, { applicationId: 'shop' });
    try {
      await d.createInputTopic('orders', J<Order>()).pipeKeyValueList([
        ['o1', { customer: 'ann', amount: 1 }],
        ['o2', { customer: 'bob', amount: 2 }],
        ['o3', { customer: 'ann', amount: 3 }],
      ]);
      // What went through the repartition topic: re-keyed by customer, values unchanged.
      expect(d.createOutputTopic('shop-by-customer-repartition', J<Order>()).readKeyValuesToList()).toEqual([
        ['ann', { customer: 'ann', amount: 1 }],
        ['bob', { customer: 'bob', amount: 2 }],
        ['ann', { customer: 'ann', amount: 3 }],
      ]);
      expect(d.createOutputTopic('counts', N).readKeyValuesToList()).toEqual([
        ['ann', 1],
        ['bob', 1],
        ['ann', 2],
      ]);
    } finally {
      d.close();
    }
  });

  it('groupByKey after map repartitions, named after the store by default', async () => {
    const b = new StreamsBuilder();
    b.stream('words', S)
      .map((_k, v) => [v.toLowerCase(), v] as const)
      .groupByKey({ serdes: { key: string(), value: string() } })
      .count({ store: 'lower-counts' })
      .toStream()
      .to('counts', N);
    const topology = b.build();
    expect(topology.describe('test-app')).toContain('(topic: test-app-lower-counts-repartition)');
    expect(topology.repartitionTopics.map((t) => t.topic)).toEqual(['$app-lower-counts-repartition']);

    const d = new TopologyTestDriver(topology);
    try {
      await d.createInputTopic('words', S).pipeKeyValueList([
        [null as unknown as string, 'Kafka'],
        ['x', 'KAFKA'],
        ['y', 'streams'],
      ]);
      expect(d.createOutputTopic('counts', N).readKeyValuesToList()).toEqual([
        ['kafka', 1],
        ['kafka', 2],
        ['streams', 1],
      ]);
    } finally {
      d.close();
    }
  });

  it('with several partitions, each key is counted in the task of its partition', async () => {
    const partitions = 4;
    const d = drive(
      (b) =>
        b
          .stream('orders', J<Order>())
          .groupBy((_k, o) => o.customer, { name: 'by-customer' })
          .count({ store: 'per-customer' })
          .toStream()
          .to('counts', N),
      { partitions },
    );
    const customers = ['ann', 'bob', 'cid', 'dan', 'eve', 'fay'];
    let n = 0;
    for (const round of [1, 2, 3]) {
      for (const customer of customers.slice(0, round * 2)) {
        await d.createInputTopic('orders', J<Order>()).pipeInput(`o${++n}`, { customer, amount: 1 });
      }
    }
    // ann, bob: 3 orders; cid, dan: 2; eve, fay: 1.
    const expected: Record<string, number> = { ann: 3, bob: 3, cid: 2, dan: 2, eve: 1, fay: 1 };
    for (const [customer, count] of Object.entries(expected)) {
      const partition = partitionForKey(Buffer.from(customer), partitions);
      expect(d.getKeyValueStore<string, number>('per-customer', partition).get(customer)).toBe(count);
      for (let p = 0; p < partitions; p++) {
        if (p !== partition) expect(d.getKeyValueStore<string, number>('per-customer', p).get(customer)).toBeUndefined();
      }
    }
    const finals = new Map<string, number>();
    for (const r of d.createOutputTopic('counts', N).readRecordsToList()) {
      expect(r.partition).toBe(partitionForKey(Buffer.from(r.key), partitions));
      finals.set(r.key, r.value);
    }
    expect(Object.fromEntries(finals)).toEqual(expected);
  });

  it('repartition() routes by the current key through a fixed number of partitions', async () => {
    const b = new StreamsBuilder();
    b.stream('in', S)
      .selectKey((_k, v) => v)
      .repartition({ name: 'by-value', partitions: 3 })
      .groupByKey()
      .count({ store: 'value-counts' })
      .toStream()
      .to('out', N);
    const topology = b.build();
    expect(topology.repartitionTopics).toEqual([{ topic: '$app-by-value-repartition', partitions: 3 }]);
    expect(topology.describe('app')).toContain('Source: by-value-repartition-source (topics: [app-by-value-repartition])');

    const d = new TopologyTestDriver(topology, { applicationId: 'app' });
    try {
      await d.createInputTopic('in', S).pipeKeyValueList([
        ['1', 'red'],
        ['2', 'blue'],
        ['3', 'red'],
      ]);
      const repartitioned = d.createOutputTopic('app-by-value-repartition', S).readRecordsToList();
      expect(repartitioned.map((r) => [r.key, r.value, r.partition])).toEqual([
        ['red', 'red', partitionForKey(Buffer.from('red'), 3)],
        ['blue', 'blue', partitionForKey(Buffer.from('blue'), 3)],
        ['red', 'red', partitionForKey(Buffer.from('red'), 3)],
      ]);
      expect(d.createOutputTopic('out', N).readKeyValuesToList()).toEqual([
        ['red', 1],
        ['blue', 1],
        ['red', 2],
      ]);
      const redPartition = partitionForKey(Buffer.from('red'), 3);
      expect(d.getKeyValueStore<string, number>('value-counts', redPartition).get('red')).toBe(2);
      expect(d.changelog<string, number>('value-counts').map((c) => [c.key, c.value, c.partition])).toEqual([
        ['red', 1, redPartition],
        ['blue', 1, partitionForKey(Buffer.from('blue'), 3)],
        ['red', 2, redPartition],
      ]);
    } finally {
      d.close();
    }
  });
});
