import type { Offsets } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { GroupOffsetMirror } from '../src/group-offsets.js';

/** A commit function that holds each call until released, recording what it was asked. */
function heldCommits(): { calls: Offsets[]; release: (error?: Error) => void; commit: (offsets: Offsets) => Promise<void> } {
  const calls: Offsets[] = [];
  const waiting: ((error?: Error) => void)[] = [];
  return {
    calls,
    release: (error) => waiting.shift()?.(error),
    commit: (offsets) =>
      new Promise<void>((resolve, reject) => {
        calls.push(offsets);
        waiting.push((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('GroupOffsetMirror', () => {
  it('keeps one commit in flight and sends what was offered meanwhile together, latest offset per partition', async () => {
    const held = heldCommits();
    const mirror = new GroupOffsetMirror(() => undefined);
    mirror.offer('t', 0, 10n, held.commit);
    mirror.offer('t', 0, 20n, held.commit);
    mirror.offer('t', 1, 5n, held.commit);
    mirror.offer('t', 0, 30n, held.commit);
    mirror.offer('u', 0, 7n, held.commit);
    await tick();
    expect(held.calls).toEqual([{ topics: [{ topic: 't', partitions: [{ partition: 0, offset: '10' }] }] }]);
    held.release();
    await tick();
    expect(held.calls[1]).toEqual({
      topics: [
        { topic: 't', partitions: [{ partition: 0, offset: '30' }, { partition: 1, offset: '5' }] },
        { topic: 'u', partitions: [{ partition: 0, offset: '7' }] },
      ],
    });
    held.release();
    await mirror.flush();
    expect(held.calls).toHaveLength(2);
  });

  it('reports a failed commit, drops nothing newer, and does not send offsets of a partition it was told to forget', async () => {
    const held = heldCommits();
    const failures: unknown[] = [];
    const mirror = new GroupOffsetMirror((error) => failures.push(error));
    mirror.offer('t', 0, 10n, held.commit);
    mirror.offer('t', 1, 3n, held.commit);
    mirror.offer('t', 2, 4n, held.commit);
    mirror.forget('t', 1);
    held.release(new Error('REBALANCE_IN_PROGRESS'));
    await tick();
    expect(failures).toEqual([new Error('REBALANCE_IN_PROGRESS')]);
    expect(held.calls[1]).toEqual({ topics: [{ topic: 't', partitions: [{ partition: 2, offset: '4' }] }] });
    held.release();
    await mirror.flush();
    expect(held.calls).toHaveLength(2);
  });
});
