/**
 * A windowed task that crashes and is rebuilt from its changelog, as the
 * runtime does it: committed changelog records restore a fresh task, the
 * uncommitted records are processed again. Every window's final result must
 * come out exactly once across the committed outputs of both tasks.
 */
import { describe, expect, it } from 'vitest';
import { StreamTask, StreamsBuilder, decodeWindowedKey, float64, string, tumbling, windowedSerde, type ConsumedMessage, type Topology } from '../../src/index.js';

function topology(): Topology {
  const b = new StreamsBuilder();
  b.stream('in', { key: string(), value: string() })
    .groupByKey()
    .windowedBy(tumbling(10).grace(5))
    .count({ store: 'w', emit: 'final' })
    .toStream()
    .to('out', { key: windowedSerde(string()), value: float64() });
  return b.build();
}

function task(t: Topology): StreamTask {
  const subTopology = t.subTopologies[0];
  if (subTopology === undefined) throw new Error('no sub-topology');
  return new StreamTask({ applicationId: 'app', topology: t, subTopology, partition: 0, globalStores: new Map(), errorPolicy: 'dlq', now: () => 0 });
}

const msg = (key: string, offset: number, timestamp: number): ConsumedMessage => ({ key: Buffer.from(key), value: Buffer.from('v'), timestamp: String(timestamp), offset: String(offset) });

describe('windowed task restore', () => {
  it('never re-emits a final result after a crash, at any crash point', async () => {
    const input: [string, number][] = [
      ['a', 1],
      ['b', 4],
      ['a', 12],
      ['a', 8],
      ['b', 16],
      ['a', 21],
      ['a', 3], // late
      ['b', 30],
      ['a', 45],
      ['b', 60],
    ];
    const t = topology();
    const run = async (crashAfter: number, commitEvery: number): Promise<string[]> => {
      const changelog: { key: Buffer; value: Buffer | null }[] = [];
      const outputs: string[] = [];
      const commit = async (task: StreamTask): Promise<void> => {
        const batch = await task.prepareCommit();
        for (const m of batch.messages) {
          if (m.topic === 'app-w-changelog') changelog.push({ key: m.key as Buffer, value: m.value });
          else if (m.topic === 'out') {
            const { key, start, end } = decodeWindowedKey(m.key as Buffer);
            outputs.push(`${key.toString()}[${start},${end})=${(m.value as Buffer).readDoubleBE(0)}`);
          } else outputs.push(m.topic);
        }
        task.commitSucceeded();
      };
      // First life: commits every `commitEvery` records, then dies after `crashAfter` (its open transaction is lost).
      const first = task(t);
      let committedOffset = 0;
      for (let i = 0; i < crashAfter; i++) {
        const [key, ts] = input[i] as [string, number];
        void first.process('in', msg(key, i, ts));
        if ((i + 1) % commitEvery === 0) {
          await commit(first);
          committedOffset = i + 1;
        }
      }
      // Second life: restore from the committed changelog, resume at the committed offset.
      const second = task(t);
      for (const store of second.stores.values()) await store.restore(changelog);
      for (let i = committedOffset; i < input.length; i++) {
        const [key, ts] = input[i] as [string, number];
        void second.process('in', msg(key, i, ts));
        await commit(second);
      }
      return outputs;
    };
    const expected = await run(input.length, 1);
    expect(expected).toEqual(['a[0,10)=2', 'b[0,10)=1', 'app.late', 'a[10,20)=1', 'b[10,20)=1', 'a[20,30)=1', 'b[30,40)=1', 'a[40,50)=1']);
    for (let crashAfter = 0; crashAfter <= input.length; crashAfter++) {
      for (const commitEvery of [1, 2, 3]) {
        expect(await run(crashAfter, commitEvery), `crash after ${crashAfter}, commit every ${commitEvery}`).toEqual(expected);
      }
    }
  });
});
