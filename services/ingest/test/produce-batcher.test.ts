import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BufferFull, NotReady } from '../src/errors.js';
import { ProduceBatcher, recordBytes, type ProduceBatcherOptions } from '../src/produce-batcher.js';
import type { OutgoingRecord } from '../src/record-encoder.js';

/** A send function whose calls the test settles: it stands for the producer's round trip. */
class ControlledSend {
  readonly calls: { records: OutgoingRecord[]; resolve: () => void; reject: (error: unknown) => void }[] = [];
  readonly send = (records: readonly OutgoingRecord[]): Promise<void> =>
    new Promise((resolve, reject) => this.calls.push({ records: [...records], resolve, reject }));

  async waitForCalls(count: number): Promise<void> {
    for (let i = 0; this.calls.length < count; i++) {
      if (i > 2_000) throw new Error(`expected ${count} sends, saw ${this.calls.length}`);
      await sleep(1);
    }
  }

  keys(call: number): (string | null)[] {
    return (this.calls[call]?.records ?? []).map((r) => r.key);
  }
}

function records(prefix: string, count: number, valueBytes = 10): OutgoingRecord[] {
  return Array.from({ length: count }, (_, i) => ({ key: `${prefix}${i}`, value: Buffer.alloc(valueBytes) }));
}

function batcher(send: ControlledSend, options: Partial<ProduceBatcherOptions> = {}): ProduceBatcher {
  return new ProduceBatcher({ send: send.send, lingerMs: 5, maxBatchRecords: 1_000, maxBatchBytes: 1 << 20, maxBufferedRecords: 1_000, ...options });
}

/** Tracks whether a promise settled, without awaiting it. */
function track(promise: Promise<void>): { settled: () => string } {
  let state = 'pending';
  promise.then(
    () => (state = 'resolved'),
    (error: unknown) => (state = `rejected: ${(error as Error).message}`),
  );
  return { settled: () => state };
}

describe('ProduceBatcher', () => {
  it('sends the records of concurrent requests together and answers each only after the send was acknowledged', async () => {
    const send = new ControlledSend();
    const b = batcher(send);
    const requests = [b.produce(records('a', 2)), b.produce(records('b', 1)), b.produce(records('c', 3))].map(track);
    await send.waitForCalls(1);
    expect(send.keys(0)).toEqual(['a0', 'a1', 'b0', 'c0', 'c1', 'c2']);
    expect(b.buffered).toBe(6);
    await sleep(10);
    expect(requests.map((r) => r.settled())).toEqual(['pending', 'pending', 'pending']);
    send.calls[0]?.resolve();
    await sleep(0);
    expect(requests.map((r) => r.settled())).toEqual(['resolved', 'resolved', 'resolved']);
    expect(b.buffered).toBe(0);
    expect(send.calls).toHaveLength(1);
  });

  it('collects what arrives during a send and sends it as soon as that send ends', async () => {
    const send = new ControlledSend();
    const b = batcher(send, { lingerMs: 60_000, maxBufferedRecords: 5_000 }); // only a full batch or a finished send can trigger a send
    const first = track(b.produce(records('a', 1000)));
    await send.waitForCalls(1);
    const later = [b.produce(records('b', 2)), b.produce(records('c', 2))].map(track);
    await sleep(5);
    expect(send.calls).toHaveLength(1);
    send.calls[0]?.resolve();
    await send.waitForCalls(2);
    expect(first.settled()).toBe('resolved');
    expect(send.keys(1)).toEqual(['b0', 'b1', 'c0', 'c1']);
    expect(later.map((r) => r.settled())).toEqual(['pending', 'pending']);
    send.calls[1]?.resolve();
    await sleep(0);
    expect(later.map((r) => r.settled())).toEqual(['resolved', 'resolved']);
  });

  it('splits batches at maxBatchRecords and maxBatchBytes, keeps order, and answers a request once all its sends were acknowledged', async () => {
    const send = new ControlledSend();
    const size = recordBytes(records('x', 1)[0] as OutgoingRecord);
    const b = batcher(send, { maxBatchRecords: 4, maxBatchBytes: size * 3 + 1 });
    const big = track(b.produce(records('a', 5)));
    const small = track(b.produce(records('b', 1)));
    await send.waitForCalls(1);
    expect(send.keys(0)).toEqual(['a0', 'a1', 'a2']); // 3 fit the byte limit
    send.calls[0]?.resolve();
    await send.waitForCalls(2);
    expect(big.settled()).toBe('pending');
    expect(send.keys(1)).toEqual(['a3', 'a4', 'b0']);
    send.calls[1]?.resolve();
    await sleep(0);
    expect([big.settled(), small.settled()]).toEqual(['resolved', 'resolved']);
  });

  it('refuses a request whose records do not fit the buffer, with nothing queued', async () => {
    const send = new ControlledSend();
    const b = batcher(send, { maxBufferedRecords: 10, retryAfterSeconds: 2 });
    const accepted = b.produce(records('a', 8));
    const refused = b.produce(records('b', 3));
    await expect(refused).rejects.toBeInstanceOf(BufferFull);
    await expect(refused).rejects.toMatchObject({ status: 429, headers: { 'retry-after': '2' } });
    expect(b.buffered).toBe(8);
    expect(b.hasRoom(2)).toBe(true);
    expect(b.hasRoom(3)).toBe(false);
    await send.waitForCalls(1);
    expect(send.keys(0)).toHaveLength(8);
    send.calls[0]?.resolve();
    await accepted;
    expect(b.buffered).toBe(0);
    expect(b.hasRoom(10)).toBe(true);
  });

  it('fails every request of a failed send, drops the rest of a failed request, and goes on with the others', async () => {
    const send = new ControlledSend();
    const b = batcher(send, { maxBatchRecords: 3 });
    const spanning = track(b.produce(records('a', 4)));
    const next = track(b.produce(records('b', 2)));
    await send.waitForCalls(1);
    expect(send.keys(0)).toEqual(['a0', 'a1', 'a2']);
    send.calls[0]?.reject(new Error('broker gone'));
    await send.waitForCalls(2);
    expect(spanning.settled()).toBe('rejected: broker gone');
    expect(send.keys(1)).toEqual(['b0', 'b1']); // a3 is not sent: its request already failed
    expect(b.buffered).toBe(2);
    send.calls[1]?.resolve();
    await sleep(0);
    expect(next.settled()).toBe('resolved');
    expect(b.buffered).toBe(0);
  });

  it('close() refuses new records and waits until the accepted ones are acknowledged', async () => {
    const send = new ControlledSend();
    const b = batcher(send, { lingerMs: 60_000 });
    const accepted = track(b.produce(records('a', 2)));
    const closed = track(b.close());
    await expect(b.produce(records('b', 1))).rejects.toBeInstanceOf(NotReady);
    await send.waitForCalls(1); // close flushes without waiting for the linger
    expect(closed.settled()).toBe('pending');
    send.calls[0]?.resolve();
    await sleep(0);
    expect([accepted.settled(), closed.settled()]).toEqual(['resolved', 'resolved']);
  });

  it('reports each send to onBatch', async () => {
    const send = new ControlledSend();
    const seen: { records: number; error?: unknown }[] = [];
    const b = batcher(send, { onBatch: (batch) => seen.push(batch) });
    const ok = b.produce(records('a', 3));
    await send.waitForCalls(1);
    send.calls[0]?.resolve();
    await ok;
    const failed = b.produce(records('b', 1)).catch(() => undefined);
    await send.waitForCalls(2);
    send.calls[1]?.reject(new Error('x'));
    await failed;
    expect(seen.map((s) => [s.records, s.error === undefined])).toEqual([
      [3, true],
      [1, false],
    ]);
  });
});
