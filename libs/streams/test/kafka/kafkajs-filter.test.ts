import { describe, expect, it } from 'vitest';
import { filterAbortedMessages } from '../../src/kafka/kafkajs.js';
import { kafkajsOriginal, runtimeModule } from './kafkajs-modules.js';

const MARKER = Buffer.from([0, 0, 0, 0]);
const record = (offset: number, producerId: string, inTransaction = true) => ({
  offset: String(offset),
  key: Buffer.from(`k${offset}`),
  batchContext: { producerId, inTransaction },
});
const abortMarker = (offset: number, producerId: string) => ({ offset: String(offset), key: MARKER, batchContext: { producerId, inTransaction: true } });

// Producers A and B write one partition; B's transaction is aborted first,
// so the broker lists the aborted transactions in the order [B, A].
const messages = [
  record(0, 'A'),
  record(1, 'A'),
  record(2, 'B'),
  record(3, 'C'), // C's transaction commits
  abortMarker(4, 'B'),
  record(5, 'A'),
  abortMarker(6, 'A'),
  record(7, 'D', false), // not transactional
];
const abortedTransactions = [
  { producerId: 'B', firstOffset: '2' },
  { producerId: 'A', firstOffset: '0' },
];

describe('read_committed filter', () => {
  it('drops every record of aborted transactions listed out of offset order', () => {
    const kept = filterAbortedMessages({ messages, abortedTransactions }).map((m) => m.offset);
    expect(kept).toEqual(['3', '4', '6', '7']);
  });

  it('activates all aborted transactions that began before a record, not just one', () => {
    const both = [record(0, 'A'), record(1, 'B'), record(2, 'A'), record(3, 'B'), abortMarker(4, 'A'), abortMarker(5, 'B')];
    const kept = filterAbortedMessages({
      messages: both.slice(1),
      abortedTransactions: [
        { producerId: 'A', firstOffset: '0' },
        { producerId: 'B', firstOffset: '1' },
      ],
    }).map((m) => m.offset);
    expect(kept).toEqual(['4', '5']);
  });

  it("is the filter kafkajs uses in the runtime's copy, where kafkajs' own leaks aborted records", () => {
    const modulePath = 'kafkajs/src/consumer/filterAbortedMessages.js';
    expect(runtimeModule(modulePath)).toBe(filterAbortedMessages);
    // The original, loaded from its file afresh, delivers records 0 and 1 of the aborted transaction A.
    const original = kafkajsOriginal<typeof filterAbortedMessages>(modulePath);
    expect(original({ messages, abortedTransactions }).map((m) => m.offset)).toContain('0');
  });
});
