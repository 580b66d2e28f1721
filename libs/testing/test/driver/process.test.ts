import {
  TopologyBuilder,
  float64,
  keyValueStore,
  string,
  type KeyValueStore,
  type ProcessorContext,
  type ProcessorSupplier,
  type RecordMetadata,
} from '@tributary/streams';
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../../src/index.js';
import { S, drive } from './helpers.js';

const N = { key: string(), value: float64() };

/**
 * Remembers the last value per key in the store `last`; forwards a record to
 * `changed` when the value differs from the last one, to `same` otherwise.
 */
const dedupe: ProcessorSupplier<string, string, string, string> = () => {
  let context!: ProcessorContext<string, string>;
  let last!: KeyValueStore<string, string>;
  return {
    init(c) {
      context = c;
      last = c.getStateStore<KeyValueStore<string, string>>('last');
    },
    process(record) {
      const previous = last.get(record.key);
      last.put(record.key, record.value);
      context.forward(record, previous === record.value ? 'same' : 'changed');
    },
  };
};

describe('process (custom processors)', () => {
  it('uses a store and forwards to a named child', async () => {
    const d = drive((b) => {
      b.topology.addStore(keyValueStore<string, string>('last', { valueSerde: string() }));
      const routed = b.stream('in', S).process(dedupe, { name: 'dedupe', stores: ['last'] });
      routed.filter(() => true, { name: 'changed' }).to('changed', S);
      routed.filter(() => true, { name: 'same' }).to('same', S);
    });
    await d.createInputTopic('in', S).pipeKeyValueList([
      ['a', '1'],
      ['a', '1'],
      ['b', '1'],
      ['a', '2'],
      ['b', '1'],
    ]);
    expect(d.createOutputTopic('changed', S).readKeyValuesToList()).toEqual([
      ['a', '1'],
      ['b', '1'],
      ['a', '2'],
    ]);
    expect(d.createOutputTopic('same', S).readKeyValuesToList()).toEqual([
      ['a', '1'],
      ['b', '1'],
    ]);
    expect(new Map(d.getKeyValueStore<string, string>('last').all())).toEqual(new Map([['a', '2'], ['b', '1']]));
  });

  it('forwarding to a child that does not exist fails the record with a clear message', async () => {
    const d = drive((b) => {
      b.stream('in', S)
        .process<string, string>(() => {
          let context!: ProcessorContext<string, string>;
          return {
            init: (c) => void (context = c),
            process: (r) => context.forward(r, 'nope'),
          };
        }, { name: 'p' })
        .to('out', S);
    });
    await d.createInputTopic('in', S).pipeInput('k', 'v');
    const dead = d.createOutputTopic('test-app.dlq', S).readRecord();
    expect(dead.headers['tributary.dlq.error.message']?.toString()).toContain('"p" has no child "nope"');
  });

  it('sees record metadata and stream time', async () => {
    const seen: { meta: RecordMetadata | undefined; streamTime: number }[] = [];
    const d = drive(
      (b) =>
        b.stream('in', S).process<string, string>(() => {
          let context!: ProcessorContext<string, string>;
          return {
            init: (c) => void (context = c),
            process: () => void seen.push({ meta: context.recordMetadata(), streamTime: context.currentStreamTime() }),
          };
        }),
      { partitions: 1 },
    );
    const input = d.createInputTopic('in', S);
    await input.pipeInput('a', '1', 500);
    await input.pipeInput('b', '2', 300);
    await input.pipeInput('c', '3', 700);
    expect(seen).toEqual([
      { meta: { topic: 'in', partition: 0, offset: '0' }, streamTime: 500 },
      { meta: { topic: 'in', partition: 0, offset: '1' }, streamTime: 500 },
      { meta: { topic: 'in', partition: 0, offset: '2' }, streamTime: 700 },
    ]);
  });

  it('stream-time punctuation fires as record timestamps pass each interval', async () => {
    const d = drive((b) =>
      b
        .stream('in', S)
        .process<string, number>(() => {
          let context!: ProcessorContext<string, number>;
          let count = 0;
          return {
            init(c) {
              context = c;
              c.schedule(1_000, 'stream-time', (timestamp) => {
                context.forward({ key: 'seen', value: count, timestamp });
              });
            },
            process() {
              count += 1;
            },
          };
        })
        .to('ticks', N),
    );
    const input = d.createInputTopic('in', S);
    // Schedule starts at stream time 0: first due at 1000, then 1000 after each firing.
    for (const ts of [500, 1_200, 2_100, 1_900, 2_300, 9_000]) await input.pipeInput('k', 'v', ts);
    expect(d.createOutputTopic('ticks', N).readRecordsToList().map((r) => [r.value, r.timestamp])).toEqual([
      [2, 1_200],
      [5, 2_300],
      [6, 9_000],
    ]);
  });

  it('wall-clock punctuation runs on advanceWallClockTime and its writes are committed', async () => {
    const start = 1_000_000;
    const d = drive(
      (b) => {
        b.topology.addStore(keyValueStore<string, number>('totals', { valueSerde: float64() }));
        b.stream('in', N)
          .process<string, number>(
            () => {
              let context!: ProcessorContext<string, number>;
              let totals!: KeyValueStore<string, number>;
              return {
                init(c) {
                  context = c;
                  totals = c.getStateStore<KeyValueStore<string, number>>('totals');
                  c.schedule(10_000, 'wall-clock', (now) => {
                    for (const [key, value] of totals.all()) context.forward({ key, value, timestamp: now });
                    totals.put('flushes', (totals.get('flushes') ?? 0) + 1);
                  });
                },
                process(r) {
                  totals.put(r.key, (totals.get(r.key) ?? 0) + r.value);
                },
              };
            },
            { stores: ['totals'] },
          )
          .to('report', N);
      },
      { startTime: start },
    );
    const input = d.createInputTopic('in', N);
    const report = d.createOutputTopic('report', N);
    await input.pipeInput('x', 2, 1);
    await input.pipeInput('x', 3, 2);
    await d.advanceWallClockTime(9_999);
    expect(report.isEmpty()).toBe(true);
    await d.advanceWallClockTime(1);
    expect(report.readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([['x', 5, start + 10_000]]);
    expect(d.getKeyValueStore<string, number>('totals').get('flushes')).toBe(1);
    // 25 s later: one firing (missed intervals are not replayed), next due 10 s after it.
    await d.advanceWallClockTime(25_000);
    expect(report.readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['x', 5, start + 35_000],
      ['flushes', 1, start + 35_000],
    ]);
    await d.advanceWallClockTime(9_999);
    expect(report.isEmpty()).toBe(true);
    expect(d.getKeyValueStore<string, number>('totals').get('flushes')).toBe(2);
  });

  it('a processor may not use a store it was not connected to', async () => {
    const d = drive((b) => {
      b.topology.addStore(keyValueStore('other'));
      b.topology.addStore(keyValueStore('mine'));
      b.stream('in', S).process(() => ({ process: () => undefined }), { name: 'uses-other', stores: ['other'] });
      b.stream('in2', S).process<string, string>(
        () => {
          let context!: ProcessorContext<string, string>;
          return {
            init: (c) => void (context = c),
            process: () => void context.getStateStore('other'),
          };
        },
        { name: 'sneaky', stores: ['mine'] },
      );
    });
    await d.createInputTopic('in2', S).pipeInput('k', 'v');
    const dead = d.createOutputTopic('test-app.dlq', S).readRecord();
    expect(dead.headers['tributary.dlq.error.message']?.toString()).toContain(
      'processor "sneaky" is not connected to store "other" (connect it when adding the processor)',
    );
  });

  it('close() closes every processor of every task, once', () => {
    let closed = 0;
    const topology = new TopologyBuilder()
      .addSource('src', ['in'], S)
      .addProcessor('p', () => ({ process: () => undefined, close: () => void (closed += 1) }), ['src'])
      .build();
    const d = new TopologyTestDriver(topology, { partitions: 3 });
    expect(closed).toBe(0);
    d.close();
    d.close();
    expect(closed).toBe(3);
  });
});
