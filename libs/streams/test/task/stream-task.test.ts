import { describe, expect, it } from 'vitest';
import { StreamTask, StreamsBuilder, float64, string, type ConsumedMessage, type Topology } from '../../src/index.js';

function countTopology(): Topology {
  const b = new StreamsBuilder();
  b.stream('words', { key: string(), value: string() }).groupByKey().count({ store: 'counts' }).toStream().to('counts-out', { key: string(), value: float64() });
  return b.build();
}

function task(topology: Topology): StreamTask {
  const subTopology = topology.subTopologies[0];
  if (subTopology === undefined) throw new Error('no sub-topology');
  return new StreamTask({ applicationId: 'app', topology, subTopology, partition: 0, globalStores: new Map(), errorPolicy: 'dlq', now: () => 0 });
}

const msg = (key: string, offset: number, timestamp = 100): ConsumedMessage => ({
  key: Buffer.from(key),
  value: Buffer.from('v'),
  timestamp: String(timestamp),
  offset: String(offset),
});

const summary = (messages: { topic: string; key: Buffer | null; value: Buffer | null }[]) =>
  messages.map((m) => [m.topic, m.key?.toString(), m.value?.readDoubleBE(0)]);

describe('StreamTask', () => {
  it('prepareCommit gathers outputs, then changelog records, then the consumed offsets', async () => {
    const t = task(countTopology());
    void t.process('words', msg('a', 0));
    void t.process('words', msg('a', 1));
    const batch = await t.prepareCommit();
    expect(summary(batch.messages)).toEqual([
      ['counts-out', 'a', 1],
      ['counts-out', 'a', 2],
      ['app-counts-changelog', 'a', 2],
    ]);
    expect(batch.messages[2]?.partition).toBe(0);
    expect(batch.offsets).toEqual([{ topic: 'words', partition: 0, offset: 2n }]);
  });

  it('prepareCommit can be called again (a retried commit) without duplicating records', async () => {
    const t = task(countTopology());
    void t.process('words', msg('a', 0));
    const first = await t.prepareCommit();
    const again = await t.prepareCommit();
    expect(summary(again.messages)).toEqual(summary(first.messages));
    expect(again.messages).toHaveLength(2);
  });

  it('commitSucceeded makes state visible and clears outputs; offsets already committed are not sent again', async () => {
    const t = task(countTopology());
    void t.process('words', msg('a', 0));
    await t.prepareCommit();
    t.commitSucceeded();
    const store = t.stores.get('counts') as unknown as { readOnly(): { get(k: string): unknown } };
    expect(store.readOnly().get('a')).toBe(1);
    expect(t.hasPendingWork()).toBe(false);
    expect(await t.prepareCommit()).toEqual({ messages: [], offsets: [] });
  });

  it('abort drops outputs and state, and returns the committed offsets to seek to', async () => {
    const t = task(countTopology());
    t.setCommittedOffset('words', 10n);
    void t.process('words', msg('a', 10, 500));
    expect(t.nextOffset('words')).toBe(11n);
    expect(t.streamTime).toBe(500);
    expect(t.abort()).toEqual([{ topic: 'words', partition: 0, offset: 10n }]);
    expect(t.nextOffset('words')).toBe(10n);
    expect(t.streamTime).toBe(-1);
    expect(t.hasPendingWork()).toBe(false);
    void t.process('words', msg('a', 10));
    const batch = await t.prepareCommit();
    expect(summary(batch.messages)).toEqual([
      ['counts-out', 'a', 1],
      ['app-counts-changelog', 'a', 1],
    ]);
  });

  it('refuses a topic it does not read', () => {
    const t = task(countTopology());
    expect(() => t.process('other', msg('a', 0))).toThrow('task 0_0 does not read topic "other"');
  });
});
