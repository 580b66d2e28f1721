import { describe, expect, it } from 'vitest';
import { TransactionalKeyValueStore, float64, json, string } from '../../src/index.js';

function store(changelogTopic: string | undefined = 'app-s-changelog') {
  return new TransactionalKeyValueStore<string, number>({ name: 's', changelogTopic, keySerde: string(), valueSerde: float64() });
}

function decoded(s: TransactionalKeyValueStore<string, number>): [string, number | null][] {
  const records = s.changelogRecords();
  if (!Array.isArray(records)) throw new Error('expected synchronous changelog records');
  return records.map((r) => [r.key.toString(), r.value === null ? null : r.value.readDoubleBE(0)]);
}

describe('TransactionalKeyValueStore', () => {
  it('pending writes are visible to the processor but not in the committed view until commit', () => {
    const s = store();
    const view = s.readOnly();
    s.put('a', 1);
    expect(s.get('a')).toBe(1);
    expect(view.get('a')).toBeUndefined();
    expect(view.size()).toBe(0);
    expect(s.hasPendingChanges()).toBe(true);
    s.commit();
    expect(view.get('a')).toBe(1);
    expect(view.size()).toBe(1);
    expect(s.hasPendingChanges()).toBe(false);
  });

  it('abort drops pending writes and deletes, keeping what was committed', () => {
    const s = store();
    s.put('a', 1);
    s.put('b', 2);
    s.commit();
    s.put('a', 10);
    s.delete('b');
    s.put('c', 3);
    expect([...s.all()].sort()).toEqual([
      ['a', 10],
      ['c', 3],
    ]);
    s.abort();
    expect(s.get('a')).toBe(1);
    expect(s.get('b')).toBe(2);
    expect(s.get('c')).toBeUndefined();
    expect(s.hasPendingChanges()).toBe(false);
    expect(s.changelogRecords()).toEqual([]);
  });

  it('a pending delete hides the committed value, and commit removes it', () => {
    const s = store();
    s.put('a', 1);
    s.commit();
    s.delete('a');
    expect(s.get('a')).toBeUndefined();
    expect(s.readOnly().get('a')).toBe(1);
    expect([...s.all()]).toEqual([]);
    s.commit();
    expect(s.readOnly().get('a')).toBeUndefined();
    expect(s.size()).toBe(0);
  });

  it('putting null or undefined deletes', () => {
    const s = store();
    s.put('a', 1);
    s.commit();
    s.put('a', null as unknown as number);
    expect(s.get('a')).toBeUndefined();
    expect(decoded(s)).toEqual([['a', null]]);
  });

  it('changelog records: one per changed key, last write wins, deletes are tombstones', () => {
    const s = store();
    s.put('a', 1);
    s.put('a', 2);
    s.put('b', 5);
    s.delete('b');
    s.put('c', 7);
    expect(decoded(s)).toEqual([
      ['a', 2],
      ['b', null],
      ['c', 7],
    ]);
  });

  it('rollbackToSavepoint undoes only the changes since the savepoint', () => {
    const s = store();
    s.put('a', 1);
    s.commit();
    s.put('a', 2); // pending before the savepoint
    s.put('b', 3);
    s.savepoint();
    s.put('a', 20);
    s.put('a', 200);
    s.delete('b');
    s.put('c', 4);
    s.rollbackToSavepoint();
    expect(s.get('a')).toBe(2);
    expect(s.get('b')).toBe(3);
    expect(s.get('c')).toBeUndefined();
    expect(decoded(s)).toEqual([
      ['a', 2],
      ['b', 3],
    ]);
    // A second rollback without a new savepoint changes nothing.
    s.rollbackToSavepoint();
    expect(s.get('a')).toBe(2);
    s.commit();
    expect(s.readOnly().get('a')).toBe(2);
  });

  it('a rollback after a savepoint on a clean store leaves it clean', () => {
    const s = store();
    s.savepoint();
    s.put('x', 1);
    s.rollbackToSavepoint();
    expect(s.hasPendingChanges()).toBe(false);
    expect(s.get('x')).toBeUndefined();
  });

  it('restores committed state from changelog records (tombstones delete)', async () => {
    const s = new TransactionalKeyValueStore<string, { n: number }>({ name: 's', changelogTopic: 't', keySerde: string(), valueSerde: json() });
    await s.restore([
      { key: Buffer.from('a'), value: Buffer.from('{"n":1}') },
      { key: Buffer.from('b'), value: Buffer.from('{"n":2}') },
      { key: Buffer.from('a'), value: null },
    ]);
    expect(s.readOnly().get('a')).toBeUndefined();
    expect(s.readOnly().get('b')).toEqual({ n: 2 });
    expect(s.size()).toBe(1);
  });

  it('object keys are found by value', () => {
    const s = new TransactionalKeyValueStore<{ site: string; id: number }, number>({
      name: 's',
      changelogTopic: undefined,
      keySerde: json(),
      valueSerde: float64(),
    });
    s.put({ site: 'n', id: 1 }, 5);
    s.commit();
    expect(s.readOnly().get({ id: 1, site: 'n' })).toBe(5);
  });

  it('clear drops committed and pending state', () => {
    const s = store();
    s.put('a', 1);
    s.commit();
    s.put('b', 2);
    s.clear();
    expect(s.size()).toBe(0);
    expect(s.get('b')).toBeUndefined();
    expect(s.hasPendingChanges()).toBe(false);
  });
});
