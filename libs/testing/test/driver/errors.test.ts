import {
  DeserializationError,
  ProcessingError,
  TaskFailedError,
  keyValueStore,
  string,
  type KeyValueStore,
  type ProcessorContext,
  type ProcessorSupplier,
} from '@tributary/streams';
import { describe, expect, it } from 'vitest';
import { J, S, drive, headerText } from './helpers.js';

type Reading = { celsius: number };
const RAW = { key: string(), value: string() };

/** Writes each value to the store `seen`, forwards it twice, and throws between the two for negative values. */
const halfThenThrow: ProcessorSupplier<string, Reading, string, Reading> = () => {
  let context!: ProcessorContext<string, Reading>;
  let seen!: KeyValueStore<string, Reading>;
  return {
    init(c) {
      context = c;
      seen = c.getStateStore<KeyValueStore<string, Reading>>('seen');
    },
    process(record) {
      seen.put(record.key, record.value);
      context.forward(record);
      if (record.value.celsius < 0) throw new Error(`below zero: ${record.value.celsius}`);
      context.forward(record);
    },
  };
};

function halfThenThrowTopology(errorPolicy: 'dlq' | 'fail') {
  return drive(
    (b) => {
      b.topology.addStore(keyValueStore('seen'));
      b.stream('readings', J<Reading>())
        .process(halfThenThrow, { name: 'half-then-throw', stores: ['seen'] })
        .to('out', J<Reading>());
    },
    { errorPolicy, applicationId: 'app' },
  );
}

describe('dead letters (policy dlq)', () => {
  it('an undecodable record goes to <app>.dlq with its bytes and headers, and processing continues', async () => {
    const d = drive((b) => b.stream('readings', J<Reading>()).to('out'), { applicationId: 'cold' });
    const input = d.createInputTopic('readings', J<Reading>());
    await input.pipeInput('ok-1', { celsius: 1 }, 1_000);
    await input.pipeRaw(Buffer.from('bad'), Buffer.from('{"celsius":'), 2_000, { origin: 'scanner-7' });
    await input.pipeInput('ok-2', { celsius: 2 }, 3_000);

    expect(d.createOutputTopic('out', J<Reading>()).readKeyValuesToList()).toEqual([
      ['ok-1', { celsius: 1 }],
      ['ok-2', { celsius: 2 }],
    ]);
    const dlq = d.createOutputTopic('cold.dlq', RAW);
    const dead = dlq.readRecord();
    expect(dlq.isEmpty()).toBe(true);
    expect(dead.key).toBe('bad');
    expect(dead.value).toBe('{"celsius":');
    expect(dead.timestamp).toBe(2_000);
    const headers = headerText(dead.headers);
    expect(headers).toMatchObject({
      origin: 'scanner-7',
      'tributary.dlq.source.topic': 'readings',
      'tributary.dlq.source.partition': '0',
      'tributary.dlq.source.offset': '1',
      'tributary.dlq.source.timestamp': '2000',
      'tributary.dlq.error.class': 'DeserializationError',
      'tributary.dlq.error.code': 'DESERIALIZATION',
      'tributary.dlq.task': '0_0',
    });
    expect(headers['tributary.dlq.error.message']).toMatch(/^cannot decode readings\[0\]@1: .*JSON/);
  });

  it('a processor that throws sends the record to the DLQ; what it forwarded or stored for that record is dropped', async () => {
    const d = halfThenThrowTopology('dlq');
    const input = d.createInputTopic('readings', J<Reading>());
    await input.pipeInput('a', { celsius: 5 });
    await input.pipeInput('b', { celsius: -1 });
    await input.pipeInput('c', { celsius: 7 });
    expect(d.createOutputTopic('out', J<Reading>()).readKeyValuesToList()).toEqual([
      ['a', { celsius: 5 }],
      ['a', { celsius: 5 }],
      ['c', { celsius: 7 }],
      ['c', { celsius: 7 }],
    ]);
    const dead = d.createOutputTopic('app.dlq', RAW).readRecord();
    expect(dead.key).toBe('b');
    expect(JSON.parse(dead.value)).toEqual({ celsius: -1 });
    expect(headerText(dead.headers)).toMatchObject({
      'tributary.dlq.source.offset': '1',
      'tributary.dlq.error.class': 'ProcessingError',
      'tributary.dlq.error.message': 'processing readings[0]@1 failed: below zero: -1',
    });
    const seen = d.getKeyValueStore<string, Reading>('seen');
    expect(seen.get('b')).toBeUndefined();
    expect(new Map(seen.all())).toEqual(
      new Map([
        ['a', { celsius: 5 }],
        ['c', { celsius: 7 }],
      ]),
    );
    expect(d.changelog('seen').map((c) => c.key)).toEqual(['a', 'c']);
  });

  it('a negative event timestamp from the extractor is a processing error', async () => {
    const d = drive((b) => b.stream('in', J<Reading>(), { timestampExtractor: (r) => r.value.celsius }).to('out'));
    const input = d.createInputTopic('in', J<Reading>());
    await input.pipeInput('k', { celsius: -3 });
    await input.pipeInput('k', { celsius: 3 });
    expect(d.createOutputTopic('out', J<Reading>()).readRecordsToList().map((r) => r.timestamp)).toEqual([3]);
    const dead = d.createOutputTopic('test-app.dlq', RAW).readRecord();
    expect(headerText(dead.headers)['tributary.dlq.error.message']).toBe('invalid event timestamp -3 (expected ms since the epoch, ≥ 0)');
  });

  it('a failure after a repartition topic names the repartition topic as the source', async () => {
    const d = drive((b) =>
      b
        .stream('in', S)
        .selectKey((_k, v) => v)
        .repartition({ name: 'rekeyed' })
        .mapValues((v) => {
          if (v === 'boom') throw new Error('exploded');
          return v;
        })
        .to('out', S),
    );
    await d.createInputTopic('in', S).pipeKeyValueList([
      ['1', 'fine'],
      ['2', 'boom'],
    ]);
    expect(d.createOutputTopic('out', S).readKeyValuesToList()).toEqual([['fine', 'fine']]);
    const dead = d.createOutputTopic('test-app.dlq', RAW).readRecord();
    expect(dead.key).toBe('boom');
    expect(headerText(dead.headers)).toMatchObject({
      'tributary.dlq.source.topic': 'test-app-rekeyed-repartition',
      'tributary.dlq.source.offset': '1',
      'tributary.dlq.task': '1_0',
    });
  });
});

describe('policy fail', () => {
  it('an undecodable record rejects pipeInput with a TaskFailedError and produces nothing', async () => {
    const d = drive((b) => b.stream('readings', J<Reading>()).to('out'), { errorPolicy: 'fail' });
    const input = d.createInputTopic('readings', J<Reading>());
    const failure = await input.pipeRaw(Buffer.from('k'), Buffer.from('not json')).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(TaskFailedError);
    expect((failure as TaskFailedError).message).toMatch(/^task 0_0 failed: cannot decode readings\[0\]@0: /);
    expect((failure as TaskFailedError).cause).toBeInstanceOf(DeserializationError);
    expect(d.createOutputTopic('out', J<Reading>()).isEmpty()).toBe(true);
    expect(d.createOutputTopic('test-app.dlq', RAW).isEmpty()).toBe(true);
  });

  it('a throwing processor rejects pipeInput; its partial outputs and store writes are dropped', async () => {
    const d = halfThenThrowTopology('fail');
    const input = d.createInputTopic('readings', J<Reading>());
    await input.pipeInput('a', { celsius: 5 });
    const failure = input.pipeInput('b', { celsius: -1 });
    const error = await failure.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as Error).message).toBe('task 0_0 failed: processing readings[0]@1 failed: below zero: -1');
    expect((error as Error).cause).toBeInstanceOf(ProcessingError);
    expect(d.createOutputTopic('out', J<Reading>()).readKeyValuesToList()).toEqual([
      ['a', { celsius: 5 }],
      ['a', { celsius: 5 }],
    ]);
    expect(d.getKeyValueStore<string, Reading>('seen').get('b')).toBeUndefined();
    expect(d.changelog('seen').map((c) => c.key)).toEqual(['a']);
  });
});
