import { describe, expect, it } from 'vitest';
import { TransactionalWindowStore, decodeWindowedKey, float64, string, windowedSerde } from '../../src/index.js';

const make = (): TransactionalWindowStore<string, number> =>
  new TransactionalWindowStore<string, number>({ name: 'w', changelogTopic: 'app-w-changelog', keySerde: string(), valueSerde: float64() });
const rows = (s: TransactionalWindowStore<string, number>): [string, number, number, number][] => s.all().map((e) => [e.key, e.start, e.end, e.value]);

describe('TransactionalWindowStore', () => {
  it('shows writes to the processor at once but to readers only after commit; abort takes them back', () => {
    const s = make();
    s.put('a', 0, 10, 1);
    s.setObservedTime(5);
    expect(s.get('a', 0, 10)).toBe(1);
    expect(rows(s)).toEqual([]);
    expect(s.readOnly().observedTime()).toBe(-1);
    s.commit();
    expect(rows(s)).toEqual([['a', 0, 10, 1]]);
    s.put('a', 0, 10, 2);
    s.remove('a', 0, 10);
    s.put('b', 10, 20, 7);
    s.setObservedTime(15);
    expect(rows(s)).toEqual([['a', 0, 10, 1]]);
    s.abort();
    expect(s.get('a', 0, 10)).toBe(1);
    expect(s.get('b', 10, 20)).toBeUndefined();
    expect(s.observedTime()).toBe(5);
    expect(s.expired(100).map((e) => e.key)).toEqual(['a']);
  });

  it('rolls back to the savepoint only what changed since it', () => {
    const s = make();
    s.put('a', 0, 10, 1);
    s.setObservedTime(3);
    s.savepoint();
    s.put('a', 0, 10, 2);
    s.put('b', 0, 10, 5);
    s.setObservedTime(9);
    s.rollbackToSavepoint();
    expect(s.get('a', 0, 10)).toBe(1);
    expect(s.get('b', 0, 10)).toBeUndefined();
    expect(s.observedTime()).toBe(3);
    // What was pending before the savepoint is still pending.
    expect(s.hasPendingChanges()).toBe(true);
    expect((s.changelogRecords() as { key: Buffer }[]).length).toBe(2);
  });

  it('writes one changelog record per changed window (tombstone when gone) and restores to the same state', async () => {
    const s = make();
    s.put('a', 0, 10, 1);
    s.put('a', 10, 20, 2);
    s.setObservedTime(12);
    s.commit();
    s.remove('a', 0, 10);
    s.put('a', 10, 20, 3);
    s.put('tmp', 0, 10, 9);
    s.remove('tmp', 0, 10);
    const records = s.changelogRecords() as { key: Buffer; value: Buffer | null }[];
    const ws = windowedSerde(string());
    const keys = records.filter((r) => !r.key.equals(Buffer.alloc(16, 0xff))).map((r) => ws.deserialize(r.key, { topic: 't', isKey: true }));
    expect(keys).toEqual([
      { key: 'a', window: { start: 0, end: 10 } },
      { key: 'a', window: { start: 10, end: 20 } },
    ]);
    expect(records[0]?.value).toBeNull();
    s.commit();

    const restored = make();
    const first = make();
    first.put('a', 0, 10, 1);
    first.put('a', 10, 20, 2);
    first.setObservedTime(12);
    await restored.restore(first.changelogRecords() as never);
    await restored.restore(records);
    expect(rows(restored)).toEqual(rows(s));
    expect(restored.observedTime()).toBe(12);
  });

  it('finds expired windows by end, oldest first', () => {
    const s = make();
    s.put('b', 5, 15, 1);
    s.put('a', 0, 10, 1);
    s.put('c', 20, 30, 1);
    expect(s.expired(9)).toEqual([]);
    expect(s.expired(15).map((e) => [e.key, e.end])).toEqual([
      ['a', 10],
      ['b', 15],
    ]);
  });

  it('encodes windowed keys as key bytes, start and end (int64 BE)', () => {
    const bytes = windowedSerde(string()).serialize({ key: 'k', window: { start: 1_000, end: 61_000 } }, { topic: 't', isKey: true }) as Buffer;
    expect(bytes.length).toBe(17);
    expect(bytes.toString('hex')).toBe(`6b${(1000).toString(16).padStart(16, '0')}${(61000).toString(16).padStart(16, '0')}`);
    expect(decodeWindowedKey(bytes)).toEqual({ key: Buffer.from('k'), start: 1_000, end: 61_000 });
  });
});

describe('TransactionalWindowStore size', () => {
  it('counts committed windows only', () => {
    const s = make();
    s.put('a', 0, 10, 1);
    s.put('b', 0, 10, 1);
    s.commit();
    s.remove('a', 0, 10);
    s.put('c', 0, 10, 1);
    s.put('d', 0, 10, 1);
    expect(s.size()).toBe(2);
    expect(s.liveSize()).toBe(3);
    s.commit();
    expect(s.size()).toBe(3);
  });
});
