import { describe, expect, it } from 'vitest';
import { decodeRecordSet } from '../../src/kafka/record-batches.js';
import { batch, data } from './record-batch-fixtures.js';

const keysOf = (records: { key: Buffer | null }[]): (string | null)[] => records.map((r) => r.key?.toString() ?? null);

describe('decodeRecordSet', () => {
  it('returns keys, values, offsets, timestamps and headers as the producer encoded them', async () => {
    const set = Buffer.concat([
      await batch({
        baseOffset: 10,
        records: [
          { key: 'a', value: 'one', headers: { trace: 'x', tag: ['p', 'q'] } },
          { key: null, value: 'two' },
          { key: 'c', value: null },
        ],
      }),
      await batch({ baseOffset: 13, records: [{ key: 'd', value: 'x'.repeat(300) }], baseTimestamp: 1_800_000_000_000 }),
    ]);
    const { records, nextOffset } = await decodeRecordSet(set, 10, [], 't[0]');
    expect(records.map((r) => r.offset)).toEqual([10, 11, 12, 13]);
    expect(keysOf(records)).toEqual(['a', null, 'c', 'd']);
    expect(records.map((r) => r.value?.toString() ?? null)).toEqual(['one', 'two', null, 'x'.repeat(300)]);
    expect(records.map((r) => r.timestamp)).toEqual([1_700_000_000_000, 1_700_000_000_010, 1_700_000_000_020, 1_800_000_000_000]);
    expect(records[0]?.headers?.['trace']?.toString()).toBe('x');
    expect((records[0]?.headers?.['tag'] as Buffer[]).map(String)).toEqual(['p', 'q']);
    expect(records[1]?.headers).toBeUndefined();
    expect(nextOffset).toBe(14);
  });

  it('skips records before the fetch offset inside the first batch', async () => {
    const set = await batch(data(100, -1, 'a', 'b', 'c', 'd'));
    const { records, nextOffset } = await decodeRecordSet(set, 102, [], 't[0]');
    expect(records.map((r) => r.offset)).toEqual([102, 103]);
    expect(nextOffset).toBe(104);
  });

  it('leaves a batch cut off by the size limit for the next fetch', async () => {
    const first = await batch(data(0, -1, 'a', 'b'));
    const second = await batch(data(2, -1, 'c', 'd'));
    const set = Buffer.concat([first, second.subarray(0, second.length - 5)]);
    const { records, nextOffset } = await decodeRecordSet(set, 0, [], 't[0]');
    expect(keysOf(records)).toEqual(['a', 'b']);
    expect(nextOffset).toBe(2);
    const empty = await decodeRecordSet(second.subarray(0, 30), 2, [], 't[0]');
    expect(empty).toEqual({ records: [], nextOffset: 2 });
  });

  it('reads gzip-compressed batches', async () => {
    const set = Buffer.concat([await batch({ ...data(0, -1, 'a', 'b', 'c'), transactional: false, gzip: true }), await batch(data(3, -1, 'd'))]);
    const { records, nextOffset } = await decodeRecordSet(set, 1, [], 't[0]');
    expect(keysOf(records)).toEqual(['b', 'c', 'd']);
    expect(records.map((r) => r.value?.toString())).toEqual(['v-b', 'v-c', 'v-d']);
    expect(nextOffset).toBe(4);
  });

  it('uses the batch time for every record when the topic keeps log-append time', async () => {
    const set = await batch({ ...data(0, -1, 'a', 'b'), transactional: false, logAppendTime: 1_750_000_000_000 });
    const { records } = await decodeRecordSet(set, 0, [], 't[0]');
    expect(records.map((r) => r.timestamp)).toEqual([1_750_000_000_000, 1_750_000_000_000]);
  });

  it('drops aborted transactions listed out of offset order and control batches, and moves past both', async () => {
    // Producers 1 and 2 write one partition; 2's transaction is aborted first,
    // so the broker lists the aborted transactions as [2, 1]. 3 commits; 4 is not transactional.
    const set = Buffer.concat([
      await batch(data(0, 1, 'a0', 'a1')),
      await batch(data(2, 2, 'b2')),
      await batch(data(3, 3, 'c3')),
      await batch({ baseOffset: 4, producerId: 2, control: 'abort', records: [] }),
      await batch(data(5, 1, 'a5')),
      await batch({ baseOffset: 6, producerId: 3, control: 'commit', records: [] }),
      await batch({ baseOffset: 7, producerId: 1, control: 'abort', records: [] }),
      await batch({ ...data(8, 4, 'd8'), transactional: false }),
      // Producer 1 again, in a new transaction that commits: not aborted.
      await batch(data(9, 1, 'a9')),
      await batch({ baseOffset: 10, producerId: 1, control: 'commit', records: [] }),
    ]);
    const aborted = [
      { producerId: 2n, firstOffset: 2n },
      { producerId: 1n, firstOffset: 0n },
    ];
    const { records, nextOffset } = await decodeRecordSet(set, 0, aborted, 't[0]');
    expect(keysOf(records)).toEqual(['c3', 'd8', 'a9']);
    expect(nextOffset).toBe(11);
    // A fetch that starts inside the range sees the same.
    const later = await decodeRecordSet(set, 3, aborted, 't[0]');
    expect(keysOf(later.records)).toEqual(['c3', 'd8', 'a9']);
  });

  it('activates every aborted transaction that began before a batch, not only the first', async () => {
    const set = Buffer.concat([
      await batch(data(0, 1, 'x')),
      await batch(data(1, 2, 'y')),
      await batch(data(2, 1, 'x2')),
      await batch(data(3, 2, 'y2')),
      await batch({ baseOffset: 4, producerId: 1, control: 'abort', records: [] }),
      await batch({ baseOffset: 5, producerId: 2, control: 'abort', records: [] }),
    ]);
    const { records, nextOffset } = await decodeRecordSet(
      set,
      1,
      [
        { producerId: 1n, firstOffset: 0n },
        { producerId: 2n, firstOffset: 1n },
      ],
      't[0]',
    );
    expect(records).toEqual([]);
    expect(nextOffset).toBe(6);
  });

  it('refuses an old message format with the partition named', async () => {
    const set = await batch(data(0, -1, 'a'));
    set.writeInt8(1, 16);
    await expect(decodeRecordSet(set, 0, [], 'orders[3]')).rejects.toThrow(/orders\[3\].*message format v1/);
  });
});
