import { StreamsBuilder, float64, string, type ProcessorContext, type Serde } from '@tributary/streams';
import { describe, expect, it } from 'vitest';
import { DriverError, TopologyTestDriver, partitionForKey } from '../../src/index.js';
import { S, drive } from './helpers.js';

const N = { key: string(), value: float64() };

/** A string serde that answers with Promises, as a registry-backed serde does on a cache miss. */
const asyncString: Serde<string> = {
  serialize: (value) => Promise.resolve(Buffer.from(value.toUpperCase())),
  deserialize: (data) => Promise.resolve(data.toString().toLowerCase()),
};

describe('TopologyTestDriver', () => {
  it('refuses topics the topology does not read or write, naming the ones it does', () => {
    const d = drive((b) => b.stream('in', S).to('out'));
    expect(() => d.createInputTopic('nope', S)).toThrow(new DriverError('the topology does not read topic "nope" (it reads: in)'));
    expect(() => d.createOutputTopic('nope', S)).toThrow(new DriverError('the topology does not write topic "nope" (it writes: test-app.dlq, out)'));
  });

  it('reading consumes; reading an empty topic throws', async () => {
    const d = drive((b) => b.stream('in', S).to('out'));
    const output = d.createOutputTopic('out', S);
    await d.createInputTopic('in', S).pipeKeyValueList([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(output.size()).toBe(2);
    expect(output.readKeyValue()).toEqual(['a', '1']);
    expect(output.size()).toBe(1);
    // A second output topic object for the same topic shares the unread records.
    expect(d.createOutputTopic('out', S).readValue()).toBe('2');
    expect(output.isEmpty()).toBe(true);
    expect(() => output.readRecord()).toThrow(new DriverError('no record left to read on "out"'));
  });

  it('processes calls in call order even when they are not awaited one by one', async () => {
    const d = drive((b) => b.stream('in', S).to('out'));
    const input = d.createInputTopic('in', S);
    await Promise.all(['1', '2', '3', '4'].map((v) => input.pipeInput('k', v)));
    expect(d.createOutputTopic('out', S).readValuesToList()).toEqual(['1', '2', '3', '4']);
  });

  it('routes keyed records to partitions like the Kafka producer, with per-partition offsets', async () => {
    const offsets: [string, number, string][] = [];
    const d = drive(
      (b) =>
        b
          .stream('in', S)
          .process<string, string>(() => {
            let context: ProcessorContext<string, string> | undefined;
            return {
              init: (c) => void (context = c),
              process: (r) => {
                const m = context?.recordMetadata();
                if (m !== undefined) offsets.push([r.key, m.partition, m.offset]);
              },
            };
          }),
      { partitions: 3 },
    );
    const keys = ['a', 'b', 'c', 'd', 'e', 'a', 'b', 'c'];
    for (const key of keys) await d.createInputTopic('in', S).pipeInput(key, 'v');
    const expected: [string, number, string][] = [];
    const next = [0, 0, 0];
    for (const key of keys) {
      const p = partitionForKey(Buffer.from(key), 3);
      expected.push([key, p, String(next[p]!++)]);
    }
    expect(offsets).toEqual(expected);
  });

  it('records fed to a topic another sub-topology reads are processed by it', async () => {
    const d = drive((b) => {
      b.stream('a', N).mapValues((v) => v + 1).to('b', N);
      b.stream('b', N).mapValues((v) => v * 10).to('c', N);
    });
    await d.createInputTopic('a', N).pipeInput('k', 1);
    expect(d.createOutputTopic('b', N).readValuesToList()).toEqual([2]);
    expect(d.createOutputTopic('c', N).readValuesToList()).toEqual([20]);
  });

  it('stops a topology that feeds itself forever', async () => {
    const d = drive((b) => b.stream('loop', S).to('loop'));
    await expect(d.createInputTopic('loop', S).pipeInput('k', 'v')).rejects.toThrow(
      'one input record caused more than 100000 records: does the topology write a topic it reads?',
    );
  });

  it('the committed store view does not show the writes of the record being processed', async () => {
    const during: [number | undefined, number | undefined][] = [];
    const b = new StreamsBuilder();
    b.stream('in', S)
      .groupByKey()
      .count({ store: 'counts' })
      .toStream()
      .peek((k, v) => during.push([v, driver.getKeyValueStore<string, number>('counts').get(k)]));
    const driver = new TopologyTestDriver(b.build());
    try {
      const input = driver.createInputTopic('in', S);
      await input.pipeInput('k', 'x');
      await input.pipeInput('k', 'y');
      // [what the processor forwarded, what the committed view showed meanwhile]
      expect(during).toEqual([
        [1, undefined],
        [2, 1],
      ]);
      expect(driver.getKeyValueStore<string, number>('counts').get('k')).toBe(2);
    } finally {
      driver.close();
    }
  });

  it('names unknown stores and partitions', () => {
    const d = drive((b) => b.stream('in', S).groupByKey().count({ store: 'counts' }));
    expect(() => d.getKeyValueStore('nope')).toThrow(new DriverError('no store "nope" (stores: counts)'));
    expect(() => d.getKeyValueStore('counts', 1)).toThrow(new DriverError('store "counts" has partitions 0..0, not 1'));
    expect([...d.getAllStores().keys()]).toEqual(['counts']);
    expect(() => d.changelog('nope')).toThrow(new DriverError('no store "nope"'));
  });

  it('works with serdes that answer asynchronously', async () => {
    const A = { key: string(), value: asyncString };
    const d = drive((b) =>
      b
        .stream('in', A)
        .mapValues((v) => `${v}!`)
        .to('out', A),
    );
    await d.createInputTopic('in', A).pipeInput('k', 'Hello');
    const output = d.createOutputTopic('out', A);
    expect(d.unreadRecords('out').map((r) => r.value?.toString())).toEqual(['HELLO!']);
    expect(() => output.readRecord()).toThrow(/answered asynchronously; use readRecordsToListAsync/);
    expect((await output.readRecordsToListAsync()).map((r) => r.value)).toEqual(['hello!']);
  });

  it('rejects use after close', async () => {
    const d = drive((b) => b.stream('in', S).to('out'));
    const input = d.createInputTopic('in', S);
    d.close();
    await expect(input.pipeInput('k', 'v')).rejects.toThrow(new DriverError('the driver is closed'));
    await expect(d.advanceWallClockTime(1)).rejects.toThrow(new DriverError('the driver is closed'));
  });

  it('validates its options', () => {
    const topology = new StreamsBuilder().build();
    expect(() => new TopologyTestDriver(topology, { partitions: 0 })).toThrow(new DriverError('partitions must be a positive integer, got 0'));
  });
});
