/**
 * The one thing the score operator needs from the streams runtime that it
 * does not offer yet: a processor hook that is awaited before each commit.
 *
 * `Processor.process()` is synchronous, and onnxruntime-node only runs
 * models asynchronously; scoring record by record would also be ~1000×
 * slower than one tensor per batch. So the score processor buffers the
 * feature rows in `process()` and scores them all in `flush()`, which the
 * task must await before it gathers the commit's outputs: the scores and
 * alerts forwarded from `flush()` then go out in the same transaction as the
 * offsets of the windows they score (exactly-once). `abort()` drops the
 * buffer when the task drops its uncommitted work, since the runtime rewinds
 * and those windows will be processed again.
 *
 * Proposed change to @tributary/streams (see this package's README):
 *   - `Processor.flush?(): void | Promise<void>` — called by
 *     `StreamTask.prepareCommit()` first, for every processor in topology
 *     order (parents first), outside any record (`recordMetadata()` is
 *     undefined); records it forwards and store writes it makes belong to
 *     the commit being prepared; a throw rejects `prepareCommit()`, which the
 *     runtime already handles as a failed commit (abort; retry if retriable).
 *   - `Processor.abort?(): void` — called by `StreamTask.abort()`.
 */
import { StreamTask, TopologyBuilder, string, type Processor } from '@tributary/streams';

/** A processor that needs the flush hook (see the module comment). */
export interface BatchingProcessor<KIn, VIn, KOut, VOut> extends Processor<KIn, VIn, KOut, VOut> {
  /** Processes what `process()` buffered; awaited before the commit that covers those records. */
  flush(): Promise<void>;
  /** The task dropped its uncommitted work: forget what was buffered. */
  abort(): void;
}

/**
 * True when this build of @tributary/streams awaits `Processor.flush()`
 * before a commit. Probed for real: a one-processor topology in a real
 * `StreamTask`, one record, one `prepareCommit()`.
 */
export async function runtimeFlushesProcessors(): Promise<boolean> {
  let flushed = false;
  const probe: Processor<string, string> & { flush(): Promise<void> } = {
    process: () => undefined,
    flush: async () => {
      flushed = true;
    },
  };
  const topology = new TopologyBuilder()
    .addSource('probe-source', ['probe'], { key: string(), value: string() })
    .addProcessor('probe', () => probe, ['probe-source'])
    .build();
  const subTopology = topology.subTopologies[0];
  if (subTopology === undefined) return false;
  const task = new StreamTask({ applicationId: 'flush-probe', topology, subTopology, partition: 0, globalStores: new Map(), errorPolicy: 'fail' });
  try {
    task.setCommittedOffset('probe', 0n);
    await task.process('probe', { key: Buffer.from('k'), value: Buffer.from('v'), timestamp: '0', offset: '0' });
    await task.prepareCommit();
  } finally {
    task.close();
  }
  return flushed;
}
