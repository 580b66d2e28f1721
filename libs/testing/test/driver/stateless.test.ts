import { TopologyError, float64, json, string } from '@tributary/streams';
import { describe, expect, it } from 'vitest';
import { J, S, drive } from './helpers.js';

const N = { key: string(), value: float64() };

describe('stateless operators', () => {
  it('stream → to copies records with their keys, values, timestamps and headers', async () => {
    const d = drive((b) => b.stream('in', S).to('out'));
    const input = d.createInputTopic('in', S);
    const output = d.createOutputTopic('out', S);
    await input.pipeInput('k1', 'v1', 1_000, { trace: 'abc' });
    await input.pipeInput('k2', 'v2', 2_000);
    expect(output.size()).toBe(2);
    expect(output.readRecordsToList()).toEqual([
      { key: 'k1', value: 'v1', timestamp: 1_000, headers: { trace: Buffer.from('abc') }, partition: 0 },
      { key: 'k2', value: 'v2', timestamp: 2_000, headers: {}, partition: 0 },
    ]);
    expect(output.isEmpty()).toBe(true);
  });

  it('stream reads several topics into one stream', async () => {
    const d = drive((b) => b.stream(['a', 'b'], S).to('out'));
    await d.createInputTopic('a', S).pipeInput('x', 'from-a', 1);
    await d.createInputTopic('b', S).pipeInput('y', 'from-b', 2);
    expect(d.createOutputTopic('out', S).readKeyValuesToList()).toEqual([
      ['x', 'from-a'],
      ['y', 'from-b'],
    ]);
  });

  it('map changes key and value', async () => {
    const d = drive((b) =>
      b
        .stream('in', J<{ n: number }>())
        .map((k, v): [string, number] => [`${k}!`, v.n * 10])
        .to('out', N),
    );
    await d.createInputTopic('in', J<{ n: number }>()).pipeKeyValueList([
      ['a', { n: 1 }],
      ['b', { n: 2 }],
    ]);
    expect(d.createOutputTopic('out', N).readKeyValuesToList()).toEqual([
      ['a!', 10],
      ['b!', 20],
    ]);
  });

  it('mapValues keeps the key and its serde', async () => {
    const d = drive((b) =>
      b
        .stream('in', S)
        .mapValues((v, k) => v.length + k.length)
        .to('out', { value: float64() }),
    );
    await d.createInputTopic('in', S).pipeKeyValueList([
      ['ab', 'xyz'],
      ['c', ''],
    ]);
    expect(d.createOutputTopic('out', N).readKeyValuesToList()).toEqual([
      ['ab', 5],
      ['c', 1],
    ]);
  });

  it('filter keeps matching records, filterNot drops them', async () => {
    const d = drive((b) => {
      const s = b.stream('in', N);
      s.filter((_k, v) => v % 2 === 0).to('even');
      s.filterNot((_k, v) => v % 2 === 0).to('odd');
    });
    await d.createInputTopic('in', N).pipeKeyValueList([1, 2, 3, 4, 5].map((n) => [`k${n}`, n] as const));
    expect(d.createOutputTopic('even', N).readKeyValuesToList()).toEqual([
      ['k2', 2],
      ['k4', 4],
    ]);
    expect(d.createOutputTopic('odd', N).readValuesToList()).toEqual([1, 3, 5]);
  });

  it('flatMap emits zero or more records per input', async () => {
    const d = drive((b) =>
      b
        .stream('in', N)
        .flatMap((k, n) => Array.from({ length: n }, (_, i): [string, number] => [`${k}-${i}`, i]))
        .to('out', N),
    );
    const input = d.createInputTopic('in', N);
    await input.pipeInput('a', 2, 10);
    await input.pipeInput('b', 0, 20);
    await input.pipeInput('c', 1, 30);
    expect(d.createOutputTopic('out', N).readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['a-0', 0, 10],
      ['a-1', 1, 10],
      ['c-0', 0, 30],
    ]);
  });

  it('flatMapValues splits values and keeps keys', async () => {
    const d = drive((b) =>
      b
        .stream('in', S)
        .flatMapValues((v) => v.split(' ').filter((w) => w !== ''))
        .to('out', S),
    );
    await d.createInputTopic('in', S).pipeKeyValueList([
      ['s1', 'the quick fox'],
      ['s2', ''],
    ]);
    expect(d.createOutputTopic('out', S).readKeyValuesToList()).toEqual([
      ['s1', 'the'],
      ['s1', 'quick'],
      ['s1', 'fox'],
    ]);
  });

  it('selectKey re-keys and keeps the value serde', async () => {
    const d = drive((b) =>
      b
        .stream('in', J<{ user: string; amount: number }>())
        .selectKey((_k, v) => v.user)
        .to('out', { key: string() }),
    );
    await d.createInputTopic('in', J<{ user: string; amount: number }>()).pipeInput('order-1', { user: 'ann', amount: 3 });
    expect(d.createOutputTopic('out', J<{ user: string; amount: number }>()).readKeyValue()).toEqual(['ann', { user: 'ann', amount: 3 }]);
  });

  it('peek sees each record and passes it on unchanged', async () => {
    const seen: [string, string][] = [];
    const d = drive((b) =>
      b
        .stream('in', S)
        .peek((k, v) => seen.push([k, v]))
        .to('out'),
    );
    await d.createInputTopic('in', S).pipeKeyValueList([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(seen).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(d.createOutputTopic('out', S).readKeyValuesToList()).toEqual(seen);
  });

  it('branch sends each record to the first matching branch and drops the rest', async () => {
    const d = drive((b) => {
      const [small, medium] = b.stream('in', N).branch([(_k, v) => v < 10, (_k, v) => v < 100]);
      small?.to('small');
      medium?.to('medium');
    });
    await d.createInputTopic('in', N).pipeKeyValueList([
      ['a', 5],
      ['b', 50],
      ['c', 500],
      ['d', 9],
    ]);
    expect(d.createOutputTopic('small', N).readKeyValuesToList()).toEqual([
      ['a', 5],
      ['d', 9],
    ]);
    expect(d.createOutputTopic('medium', N).readKeyValuesToList()).toEqual([['b', 50]]);
  });

  it('chained operators carry the event timestamp to the output', async () => {
    const d = drive((b) =>
      b
        .stream('in', N)
        .mapValues((v) => v + 1)
        .filter(() => true)
        .to('out', N),
    );
    await d.createInputTopic('in', N).pipeKeyValueList(
      [
        ['a', 1],
        ['b', 2],
        ['c', 3],
      ],
      5_000,
      250,
    );
    expect(d.createOutputTopic('out', N).readRecordsToList().map((r) => r.timestamp)).toEqual([5_000, 5_250, 5_500]);
  });

  it('a record without a timestamp gets the driver wall-clock time', async () => {
    const d = drive((b) => b.stream('in', S).to('out'), { startTime: 42_000 });
    const input = d.createInputTopic('in', S);
    await input.pipeInput('a', '1');
    await d.advanceWallClockTime(1_000);
    await input.pipeInput('b', '2');
    expect(d.createOutputTopic('out', S).readRecordsToList().map((r) => r.timestamp)).toEqual([42_000, 43_000]);
  });

  it('a timestamp extractor sets event time from the value', async () => {
    type Reading = { at: number; celsius: number };
    const d = drive((b) =>
      b.stream('in', J<Reading>(), { timestampExtractor: (r) => r.value.at }).to('out'),
    );
    await d.createInputTopic('in', J<Reading>()).pipeInput('sensor', { at: 1_700_000_000_123, celsius: 4 }, 99);
    const record = d.createOutputTopic('out', J<Reading>()).readRecord();
    expect(record.timestamp).toBe(1_700_000_000_123);
    expect(record.value).toEqual({ at: 1_700_000_000_123, celsius: 4 });
  });

  it('pipeValueList sends null keys', async () => {
    const d = drive((b) =>
      b
        .stream('in', S)
        .mapValues((v, k) => `${String(k)}:${v}`)
        .to('out', { value: string() }),
    );
    await d.createInputTopic('in', S).pipeValueList(['x', 'y']);
    expect(d.createOutputTopic('out', S).readKeyValuesToList()).toEqual([
      [null, 'null:x'],
      [null, 'null:y'],
    ]);
  });

  it('to() after a type-changing operator without serdes is refused', () => {
    expect(() =>
      drive((b) =>
        b
          .stream('in', S)
          .map((k, v) => [k, v.length] as const)
          .to('out'),
      ),
    ).toThrow(new TopologyError('to("out") needs serdes: this stream\'s key type is no longer known'));
  });

  it('json values round-trip through a sink', async () => {
    const d = drive((b) =>
      b
        .stream('in', J<{ a: number[] }>())
        .mapValues((v) => ({ sum: v.a.reduce((x, y) => x + y, 0) }))
        .to('out', { value: json<{ sum: number }>() }),
    );
    await d.createInputTopic('in', J<{ a: number[] }>()).pipeInput('k', { a: [1, 2, 3] });
    expect(d.createOutputTopic('out', J<{ sum: number }>()).readValue()).toEqual({ sum: 6 });
  });
});
