import { StreamsBuilder, TopologyError, json, string, type ProcessorContext } from '@tributary/streams';
import { describe, expect, it } from 'vitest';
import type { TopologyTestDriver } from '../../src/index.js';
import { J, S, drive } from './helpers.js';

type Customer = { name: string; tier: string };
type Order = { customer: string; amount: number };
type Enriched = { amount: number; tier: string | null };

describe('tables and joins', () => {
  it('table keeps the latest value per key; a null value deletes it and is forwarded as a tombstone', async () => {
    const d = drive((b) => b.table('customers', J<Customer>(), { store: 'customers' }).toStream().to('customer-updates'));
    const input = d.createInputTopic('customers', J<Customer>());
    await input.pipeInput('c1', { name: 'Ann', tier: 'gold' }, 1);
    await input.pipeInput('c2', { name: 'Bob', tier: 'silver' }, 2);
    await input.pipeInput('c1', { name: 'Ann', tier: 'platinum' }, 3);
    await input.pipeInput('c2', null, 4);
    const store = d.getKeyValueStore<string, Customer>('customers');
    expect(store.get('c1')).toEqual({ name: 'Ann', tier: 'platinum' });
    expect(store.get('c2')).toBeUndefined();
    expect(store.size()).toBe(1);
    expect(d.createOutputTopic('customer-updates', { key: string(), value: json<Customer | null>() }).readKeyValuesToList()).toEqual([
      ['c1', { name: 'Ann', tier: 'gold' }],
      ['c2', { name: 'Bob', tier: 'silver' }],
      ['c1', { name: 'Ann', tier: 'platinum' }],
      ['c2', null],
    ]);
    // The delete reaches the changelog as a tombstone.
    expect(d.changelog<string, Customer>('customers').map((c) => [c.key, c.value])).toEqual([
      ['c1', { name: 'Ann', tier: 'gold' }],
      ['c2', { name: 'Bob', tier: 'silver' }],
      ['c1', { name: 'Ann', tier: 'platinum' }],
      ['c2', null],
    ]);
  });

  it('table mapValues emits mapped updates', async () => {
    const d = drive((b) =>
      b
        .table('customers', J<Customer>(), { store: 'customers' })
        .mapValues((c) => c.tier.toUpperCase())
        .to('tiers', { value: string() }),
    );
    await d.createInputTopic('customers', J<Customer>()).pipeInput('c1', { name: 'Ann', tier: 'gold' });
    expect(d.createOutputTopic('tiers', S).readKeyValue()).toEqual(['c1', 'GOLD']);
  });

  function streamTableJoin(kind: 'join' | 'leftJoin'): TopologyTestDriver {
    return drive((b) => {
      const customers = b.table('customers', J<Customer>(), { store: 'customers' });
      const orders = b.stream('orders', J<Order>());
      const joined =
        kind === 'join'
          ? orders.join(customers, (o, c) => ({ amount: o.amount, tier: c.tier }))
          : orders.leftJoin(customers, (o, c) => ({ amount: o.amount, tier: c?.tier ?? null }));
      joined.to('enriched', { value: json<Enriched>() });
    });
  }

  it('join drops stream records without a table entry and sees table updates', async () => {
    const d = streamTableJoin('join');
    const customers = d.createInputTopic('customers', J<Customer>());
    const orders = d.createInputTopic('orders', J<Order>());
    await orders.pipeInput('c1', { customer: 'c1', amount: 1 }, 10);
    await customers.pipeInput('c1', { name: 'Ann', tier: 'gold' }, 20);
    await orders.pipeInput('c1', { customer: 'c1', amount: 2 }, 30);
    await customers.pipeInput('c1', { name: 'Ann', tier: 'platinum' }, 40);
    await orders.pipeInput('c1', { customer: 'c1', amount: 3 }, 50);
    await customers.pipeInput('c1', null, 60);
    await orders.pipeInput('c1', { customer: 'c1', amount: 4 }, 70);
    expect(d.createOutputTopic('enriched', J<Enriched>()).readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['c1', { amount: 2, tier: 'gold' }, 30],
      ['c1', { amount: 3, tier: 'platinum' }, 50],
    ]);
  });

  it('leftJoin passes undefined when there is no table entry', async () => {
    const d = streamTableJoin('leftJoin');
    const customers = d.createInputTopic('customers', J<Customer>());
    const orders = d.createInputTopic('orders', J<Order>());
    await orders.pipeInput('c1', { customer: 'c1', amount: 1 });
    await customers.pipeInput('c1', { name: 'Ann', tier: 'gold' });
    await orders.pipeInput('c1', { customer: 'c1', amount: 2 });
    await orders.pipeInput('c2', { customer: 'c2', amount: 3 });
    expect(d.createOutputTopic('enriched', J<Enriched>()).readKeyValuesToList()).toEqual([
      ['c1', { amount: 1, tier: null }],
      ['c1', { amount: 2, tier: 'gold' }],
      ['c2', { amount: 3, tier: null }],
    ]);
  });

  it('a stream-table join runs in the table’s sub-topology (co-partitioned tasks)', () => {
    const d = streamTableJoin('join');
    expect(d.topology.subTopologies).toHaveLength(1);
    expect(d.topology.subTopologies[0]?.sourceTopics).toEqual(['customers', 'orders']);
  });

  it('join after map without repartition() is refused', () => {
    const b = new StreamsBuilder();
    const customers = b.table('customers', J<Customer>(), { store: 'customers' });
    const rekeyed = b.stream('orders', J<Order>()).map((_k, o) => [o.customer, o] as const);
    const message =
      'join: the key may have changed upstream; call .repartition({ name }) first so records meet the table partition that holds their key';
    expect(() => rekeyed.join(customers, (o) => o)).toThrow(new TopologyError(message));
    expect(() => rekeyed.leftJoin(customers, (o) => o)).toThrow(TopologyError);
  });

  it('join after map and repartition() joins on the new key', async () => {
    const d = drive((b) => {
      const customers = b.table('customers', J<Customer>(), { store: 'customers' });
      b.stream('orders', J<Order>())
        .selectKey((_k, o) => o.customer)
        .repartition({ name: 'orders-by-customer' })
        .join(customers, (o, c): Enriched => ({ amount: o.amount, tier: c.tier }))
        .to('enriched', { value: json<Enriched>() });
    });
    await d.createInputTopic('customers', J<Customer>()).pipeInput('ann', { name: 'Ann', tier: 'gold' });
    await d.createInputTopic('orders', J<Order>()).pipeInput('order-7', { customer: 'ann', amount: 9 });
    expect(d.createOutputTopic('enriched', J<Enriched>()).readKeyValuesToList()).toEqual([['ann', { amount: 9, tier: 'gold' }]]);
  });
});

describe('global tables', () => {
  type Sensor = { site: string };
  type Reading = { sensor: string; celsius: number };

  function globalJoin(kind: 'inner' | 'left', partitions = 1): TopologyTestDriver {
    return drive(
      (b) => {
        const sensors = b.globalTable('sensors', J<Sensor>(), { store: 'sensors' });
        const readings = b.stream('readings', J<Reading>());
        const joined =
          kind === 'inner'
            ? readings.joinGlobal(sensors, (_k, r) => r.sensor, (r, s) => ({ ...r, site: s.site }))
            : readings.leftJoinGlobal(sensors, (_k, r) => r.sensor, (r, s) => ({ ...r, site: s?.site ?? 'unknown' }));
        joined.to('located', { value: json<Reading & { site: string }>() });
      },
      { partitions },
    );
  }

  it('globalTable fills a store shared by every task; a null value deletes', async () => {
    const d = globalJoin('inner', 3);
    const sensors = d.createInputTopic('sensors', J<Sensor>());
    await sensors.pipeInput('s1', { site: 'north' });
    await sensors.pipeInput('s2', { site: 'south' });
    await sensors.pipeInput('s1', { site: 'east' });
    await sensors.pipeInput('s2', null);
    const store = d.getKeyValueStore<string, Sensor>('sensors');
    expect(store.get('s1')).toEqual({ site: 'east' });
    expect(store.get('s2')).toBeUndefined();
    expect([...store.all()]).toEqual([['s1', { site: 'east' }]]);
    expect(d.getAllStores(2).get('sensors')).toBe(store);
  });

  it('joinGlobal looks up a key derived from the value, from any partition', async () => {
    const d = globalJoin('inner', 3);
    await d.createInputTopic('sensors', J<Sensor>()).pipeInput('s1', { site: 'north' });
    const readings = d.createInputTopic('readings', J<Reading>());
    // Keys spread the readings over the 3 partitions; all see the one global store.
    const keys = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];
    for (const [i, key] of keys.entries()) await readings.pipeInput(key, { sensor: i % 2 === 0 ? 's1' : 's9', celsius: i });
    const out = d.createOutputTopic('located', J<Reading & { site: string }>()).readRecordsToList();
    expect(out.map((r) => [r.key, r.value])).toEqual([
      ['r1', { sensor: 's1', celsius: 0, site: 'north' }],
      ['r3', { sensor: 's1', celsius: 2, site: 'north' }],
      ['r5', { sensor: 's1', celsius: 4, site: 'north' }],
    ]);
  });

  it('leftJoinGlobal passes undefined for a missing entry', async () => {
    const d = globalJoin('left');
    await d.createInputTopic('sensors', J<Sensor>()).pipeInput('s1', { site: 'north' });
    const readings = d.createInputTopic('readings', J<Reading>());
    await readings.pipeInput('a', { sensor: 's1', celsius: 1 });
    await readings.pipeInput('b', { sensor: 's2', celsius: 2 });
    expect(d.createOutputTopic('located', J<Reading & { site: string }>()).readValuesToList()).toEqual([
      { sensor: 's1', celsius: 1, site: 'north' },
      { sensor: 's2', celsius: 2, site: 'unknown' },
    ]);
  });

  it('a topic read both as a global table and as a stream feeds both, with one offset per record', async () => {
    const offsets: (string | undefined)[] = [];
    const d = drive((b) => {
      b.globalTable('sensors', J<Sensor>(), { store: 'sensors' });
      b.stream('sensors', J<Sensor>()).process<string, Sensor>(() => {
        let context: ProcessorContext<string, Sensor> | undefined;
        return { init: (c) => void (context = c), process: () => void offsets.push(context?.recordMetadata()?.offset) };
      });
    });
    const sensors = d.createInputTopic('sensors', J<Sensor>());
    await sensors.pipeInput('s1', { site: 'north' });
    await sensors.pipeInput('s2', { site: 'south' });
    expect(offsets).toEqual(['0', '1']);
    expect(d.getKeyValueStore<string, Sensor>('sensors').size()).toBe(2);
  });

  it('describe lists the global store', () => {
    const d = globalJoin('inner');
    expect(d.topology.describe('x')).toContain('   Global store: sensors (topic: sensors)');
  });
});
