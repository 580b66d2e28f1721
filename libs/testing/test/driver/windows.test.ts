import {
  LATE_HEADERS,
  float64,
  hopping,
  json,
  session,
  sliding,
  string,
  tumbling,
  windowedSerde,
  type StreamsBuilder,
  type WindowedAggregateOptions,
  type Windowed,
} from '@tributary/streams';
import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../../src/index.js';
import { S, drive, headerText } from './helpers.js';

const W = { key: windowedSerde(string()), value: float64() };
const WJ = <T>() => ({ key: windowedSerde(string()), value: json<T>() });
const win = (key: string, start: number, end: number): Windowed<string> => ({ key, window: { start, end } });

function tumblingCount(b: StreamsBuilder, size: number, grace: number, options: Partial<WindowedAggregateOptions<number>> = {}): void {
  b.stream('in', S).groupByKey().windowedBy(tumbling(size).grace(grace)).count({ store: 'w', emit: 'final', ...options }).toStream().to('out', W);
}

describe('tumbling windows', () => {
  it('a record exactly at a window end belongs to the next window and closes the previous one (grace 0)', async () => {
    const d = drive((b) => tumblingCount(b, 10, 0));
    const input = d.createInputTopic('in', S);
    const out = d.createOutputTopic('out', W);
    await input.pipeInput('a', 'x', 0);
    await input.pipeInput('a', 'x', 5);
    await input.pipeInput('a', 'x', 9);
    expect(out.readKeyValuesToList()).toEqual([]);
    await input.pipeInput('a', 'x', 10);
    expect(out.readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([[win('a', 0, 10), 3, 9]]);
    // The closed window is gone from the store; the open one holds the record at 10.
    expect(d.getWindowStore<string, number>('w').all().map((e) => [e.start, e.end, e.value])).toEqual([[10, 20, 1]]);
  });

  it('takes out-of-order records within grace and sends records beyond grace to the late topic with the window they missed', async () => {
    const d = drive((b) => tumblingCount(b, 10, 5));
    const input = d.createInputTopic('in', S);
    const out = d.createOutputTopic('out', W);
    const late = d.createOutputTopic('test-app.late', S);
    await input.pipeInput('a', 'x', 0);
    await input.pipeInput('a', 'x', 12);
    await input.pipeInput('a', 'x', 3); // watermark 12 < 10 + 5: still on time
    expect(out.readKeyValuesToList()).toEqual([]);
    await input.pipeInput('a', 'x', 15); // watermark 15 = end + grace: [0, 10) closes
    expect(out.readKeyValuesToList()).toEqual([[win('a', 0, 10), 2]]);
    await input.pipeInput('a', 'late', 4);
    expect(out.readKeyValuesToList()).toEqual([]);
    const [record, ...rest] = late.readRecordsToList();
    expect(rest).toEqual([]);
    expect(record?.value).toBe('late');
    expect(headerText(record?.headers ?? {})).toMatchObject({
      [LATE_HEADERS.topic]: 'in',
      [LATE_HEADERS.offset]: '4',
      [LATE_HEADERS.store]: 'w',
      [LATE_HEADERS.windows]: '0-10',
      [LATE_HEADERS.watermark]: '15',
    });
  });

  it('with late: drop, counts late records through the instrumentation and writes nothing', async () => {
    const seen: string[] = [];
    const d = drive((b) => tumblingCount(b, 10, 0, { late: 'drop' }), {
      instrumentation: { lateRecord: (topic, store, dropped) => seen.push(`${topic}/${store}/${String(dropped)}`) },
    });
    const input = d.createInputTopic('in', S);
    await input.pipeInput('a', 'x', 20);
    await input.pipeInput('a', 'x', 1);
    expect(seen).toEqual(['in/w/true']);
    expect(d.unreadRecords('test-app.late')).toEqual([]);
  });

  it('watermark = max event time − outOfOrderness', async () => {
    const d = drive((b) => tumblingCount(b, 10, 0, { outOfOrderness: 5 }));
    const input = d.createInputTopic('in', S);
    const out = d.createOutputTopic('out', W);
    await input.pipeInput('a', 'x', 2);
    await input.pipeInput('a', 'x', 12); // watermark 7
    await input.pipeInput('a', 'x', 8);
    expect(out.readKeyValuesToList()).toEqual([]);
    await input.pipeInput('a', 'x', 15); // watermark 10
    expect(out.readKeyValuesToList()).toEqual([[win('a', 0, 10), 2]]);
  });

  it('update mode emits every change, each with its record time', async () => {
    const d = drive((b) => tumblingCount(b, 10, 0, { emit: 'update' }));
    const input = d.createInputTopic('in', S);
    await input.pipeInput('a', 'x', 1);
    await input.pipeInput('a', 'x', 4);
    await input.pipeInput('b', 'x', 11);
    expect(d.createOutputTopic('out', W).readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([
      [win('a', 0, 10), 1, 1],
      [win('a', 0, 10), 2, 4],
      [win('b', 10, 20), 1, 11],
    ]);
  });

  it('changelogs the windows and the observed time, and tombstones closed windows', async () => {
    const d = drive((b) => tumblingCount(b, 10, 0));
    const input = d.createInputTopic('in', S);
    await input.pipeInput('a', 'x', 1);
    await input.pipeInput('a', 'x', 10);
    expect(d.changelog('w').map((e) => [e.key, e.value])).toEqual([
      [win('a', 0, 10), 1],
      ['observed-time', 1],
      [win('a', 10, 20), 1],
      [win('a', 0, 10), null],
      ['observed-time', 10],
    ]);
  });
});

describe('hopping windows', () => {
  it('puts a record in every overlapping window and closes each at its own end', async () => {
    const d = drive((b) =>
      b.stream('in', S).groupByKey().windowedBy(hopping(10, 5)).count({ store: 'w', emit: 'final' }).toStream().to('out', W),
    );
    const input = d.createInputTopic('in', S);
    const out = d.createOutputTopic('out', W);
    await input.pipeInput('a', 'x', 3); // [0,10)
    await input.pipeInput('a', 'x', 7); // [0,10) [5,15)
    expect(out.readKeyValuesToList()).toEqual([]);
    await input.pipeInput('a', 'x', 12); // [5,15) [10,20); watermark 12 closes [0,10)
    expect(out.readKeyValuesToList()).toEqual([[win('a', 0, 10), 2]]);
    await input.pipeInput('a', 'x', 15); // [10,20) [15,25); closes [5,15)
    expect(out.readKeyValuesToList()).toEqual([[win('a', 5, 15), 2]]);
    await input.pipeInput('a', 'x', 30); // closes [10,20) [15,25)
    expect(out.readKeyValuesToList()).toEqual([
      [win('a', 10, 20), 2],
      [win('a', 15, 25), 1],
    ]);
  });

  it('a record that still has an open window is not late, even if another of its windows closed', async () => {
    const d = drive((b) =>
      b.stream('in', S).groupByKey().windowedBy(hopping(10, 5)).count({ store: 'w', emit: 'final' }).toStream().to('out', W),
    );
    const input = d.createInputTopic('in', S);
    await input.pipeInput('a', 'x', 10); // watermark 10: [0,10) is closed, [5,15) is open
    await input.pipeInput('a', 'x', 7);
    expect(d.unreadRecords('test-app.late')).toEqual([]);
    await input.pipeInput('a', 'x', 100);
    expect(new Map(d.createOutputTopic('out', W).readKeyValuesToList().map(([k, v]) => [`${k.window.start}-${k.window.end}`, v]))).toEqual(
      new Map([
        ['5-15', 2],
        ['10-20', 1],
      ]),
    );
  });
});

describe('session windows', () => {
  it('merges records within the gap and closes a session at last + 1 + gap + grace', async () => {
    const d = drive((b) => b.stream('in', S).groupByKey().windowedBy(session(10)).count({ store: 's', emit: 'final' }).toStream().to('out', W));
    const input = d.createInputTopic('in', S);
    const out = d.createOutputTopic('out', W);
    await input.pipeInput('a', 'x', 0);
    await input.pipeInput('a', 'x', 5);
    await input.pipeInput('a', 'x', 14); // within 10 of 5: the session is [0, 15)
    expect(out.readKeyValuesToList()).toEqual([]);
    await input.pipeInput('a', 'x', 24); // 24 - 14 = 10: still the same session, [0, 25)
    await input.pipeInput('a', 'x', 35); // 35 - 24 > 10: a new session; watermark 35 = 25 + 10: [0, 25) closes
    expect(out.readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([[win('a', 0, 25), 4, 24]]);
    expect(d.getSessionStore<string, number>('s').fetchKey('a').map((e) => [e.start, e.end, e.value])).toEqual([[35, 36, 1]]);
    await input.pipeInput('b', 'x', 45);
    expect(out.readKeyValuesToList()).toEqual([]);
    await input.pipeInput('b', 'x', 46);
    expect(out.readKeyValuesToList()).toEqual([[win('a', 35, 36), 1]]);
  });

  it('a record bridging two sessions merges them (update mode retracts the merged-away sessions)', async () => {
    const d = drive((b) =>
      b
        .stream('in', S)
        .groupByKey()
        .windowedBy(session(10).grace(20))
        .aggregate<string[]>(
          () => [],
          (_k, v, agg) => [...agg, v],
          (_k, older, newer) => [...older, ...newer],
          { store: 's', emit: 'update' },
        )
        .toStream()
        .to('out', WJ<string[]>()),
    );
    const input = d.createInputTopic('in', S);
    await input.pipeInput('a', 'p', 0);
    await input.pipeInput('a', 'q', 20);
    await input.pipeInput('a', 'bridge', 10);
    expect(d.createOutputTopic('out', WJ<string[] | null>()).readKeyValuesToList()).toEqual([
      [win('a', 0, 1), ['p']],
      [win('a', 20, 21), ['q']],
      [win('a', 0, 1), null],
      [win('a', 20, 21), null],
      [win('a', 0, 21), ['p', 'q', 'bridge']],
    ]);
  });

  it('a record that could extend a closed session is late', async () => {
    const d = drive((b) => b.stream('in', S).groupByKey().windowedBy(session(10)).count({ store: 's', emit: 'final' }).toStream().to('out', W));
    const input = d.createInputTopic('in', S);
    await input.pipeInput('a', 'x', 0);
    await input.pipeInput('b', 'x', 11); // watermark 11: session a [0,1) closes (1 + 10 + 0)
    await input.pipeInput('a', 'x', 5);
    expect(d.createOutputTopic('out', W).readKeyValuesToList()).toEqual([[win('a', 0, 1), 1]]);
    expect(headerText(d.createOutputTopic('test-app.late', S).readRecordsToList()[0]?.headers ?? {})[LATE_HEADERS.windows]).toBe('5-6');
  });
});

describe('sliding windows', () => {
  it('emits each distinct window of records at most maxDifference apart once (left and right windows)', async () => {
    const d = drive((b) =>
      b
        .stream('in', S)
        .groupByKey()
        .windowedBy(sliding(10))
        .aggregate<string[]>(() => [], (_k, v, agg) => [...agg, v], { store: 'sl', emit: 'final' })
        .toStream()
        .to('out', WJ<string[]>()),
    );
    const input = d.createInputTopic('in', S);
    await input.pipeInput('a', 'r20', 20);
    await input.pipeInput('a', 'r25', 25);
    await input.pipeInput('a', 'r50', 50);
    // L(20) = [10,21) {20}; L(25) = [15,26) {20,25}; R(20) = [21,32) {25}; R(25) would hold nothing.
    expect(d.createOutputTopic('out', WJ<string[]>()).readKeyValuesToList()).toEqual([
      [win('a', 10, 21), ['r20']],
      [win('a', 15, 26), ['r20', 'r25']],
      [win('a', 21, 32), ['r25']],
    ]);
    // Records are kept only while an open window can still contain them.
    expect(d.getWindowStore('sl').all().map((e) => e.start)).toEqual([50]);
  });
});

describe('idle partitions', () => {
  // Two keys on different partitions: each partition is its own task with its own watermark.
  const keys = ((): [string, string] => {
    const k0 = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'].find((k) => partitionForKey(Buffer.from(k), 2) === 0) ?? 'k0';
    const k1 = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'].find((k) => partitionForKey(Buffer.from(k), 2) === 1) ?? 'k1';
    return [k0, k1];
  })();

  it('without idle advance, a quiet partition keeps its windows open whatever other partitions do', async () => {
    const [quiet, busy] = keys;
    const d = drive((b) => tumblingCount(b, 10, 0), { partitions: 2 });
    const input = d.createInputTopic('in', S);
    await input.pipeInput(quiet, 'x', 1);
    await input.pipeInput(busy, 'x', 1_000);
    await d.advanceWallClockTime(3_600_000);
    expect(d.createOutputTopic('out', W).readKeyValuesToList()).toEqual([]);
    expect(d.getWindowStore('w', partitionForKey(Buffer.from(quiet), 2)).all()).toHaveLength(1);
  });

  it('with idleAdvance, the watermark follows the wall clock after the idle timeout and the window closes', async () => {
    const [quiet] = keys;
    const d = drive((b) => tumblingCount(b, 10_000, 0, { idleAdvance: '5s' }), { partitions: 2 });
    const input = d.createInputTopic('in', S);
    const out = d.createOutputTopic('out', W);
    await input.pipeInput(quiet, 'x', 1_000);
    await d.advanceWallClockTime(5_000); // idle for exactly the timeout: no advance yet
    expect(out.readKeyValuesToList()).toEqual([]);
    await d.advanceWallClockTime(2_000); // idle 2 s past the timeout: observed 3000
    expect(out.readKeyValuesToList()).toEqual([]);
    await d.advanceWallClockTime(8_000); // observed 11000: [0, 10000) closes
    expect(out.readKeyValuesToList()).toEqual([[win(quiet, 0, 10_000), 1]]);
  });
});
