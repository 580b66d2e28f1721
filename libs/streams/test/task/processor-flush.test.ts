import { describe, expect, it } from 'vitest';
import { StreamTask, TopologyBuilder, string, type Processor, type ProcessorContext, type StreamRecord } from '../../src/index.js';

/** Buffers values in process() and forwards them upper-cased from an asynchronous flush(), the way a batch model call would. */
class BatchUpper implements Processor<string, string> {
  buffered: StreamRecord<string, string>[] = [];
  aborted = 0;
  flushedWithMetadata: unknown[] = [];
  #context: ProcessorContext<string, string> | undefined;
  init(context: ProcessorContext<string, string>): void {
    this.#context = context;
  }
  process(record: StreamRecord<string, string>): void {
    this.buffered.push(record);
  }
  async flush(): Promise<void> {
    await new Promise((r) => setTimeout(r, 1));
    const batch = this.buffered;
    this.buffered = [];
    this.flushedWithMetadata.push(this.#context?.recordMetadata());
    for (const r of batch) this.#context?.forward({ ...r, value: r.value.toUpperCase() });
  }
  abort(): void {
    this.aborted++;
    this.buffered = [];
  }
}

function setup(): { task: StreamTask; processor: BatchUpper } {
  const processor = new BatchUpper();
  const topology = new TopologyBuilder()
    .addSource('in', ['words'], { key: string(), value: string() })
    .addProcessor('upper', () => processor, ['in'])
    .addSink('out', 'shouted', { key: string(), value: string() }, ['upper'])
    .build();
  const subTopology = topology.subTopologies[0];
  if (subTopology === undefined) throw new Error('no sub-topology');
  const task = new StreamTask({ applicationId: 'app', topology, subTopology, partition: 0, globalStores: new Map(), errorPolicy: 'fail', now: () => 0 });
  task.setCommittedOffset('words', 0n);
  return { task, processor };
}

const message = (value: string, offset: number) => ({ key: Buffer.from('k'), value: Buffer.from(value), timestamp: '5', offset: String(offset) });

describe('Processor.flush and abort', () => {
  it('a commit awaits flush() first: what it forwards goes out with the offsets of the records it covers', async () => {
    const { task, processor } = setup();
    await task.process('words', message('a', 0));
    await task.process('words', message('b', 1));
    expect(processor.buffered).toHaveLength(2);
    const batch = await task.prepareCommit();
    expect(batch.messages.map((m) => [m.topic, m.value?.toString()])).toEqual([
      ['shouted', 'A'],
      ['shouted', 'B'],
    ]);
    expect(batch.offsets).toEqual([{ topic: 'words', partition: 0, offset: 2n }]);
    expect(processor.flushedWithMetadata).toEqual([undefined]);
  });

  it('abort() tells the processor to drop its buffer, and the next commit does not see it', async () => {
    const { task, processor } = setup();
    await task.process('words', message('a', 0));
    task.abort();
    expect(processor.aborted).toBe(1);
    expect(processor.buffered).toEqual([]);
    await task.process('words', message('c', 0));
    const batch = await task.prepareCommit();
    expect(batch.messages.map((m) => m.value?.toString())).toEqual(['C']);
  });

  it('a flush that throws fails prepareCommit', async () => {
    const { task, processor } = setup();
    processor.flush = async () => {
      throw new Error('model unavailable');
    };
    await task.process('words', message('a', 0));
    await expect(task.prepareCommit()).rejects.toThrow('model unavailable');
  });
});
