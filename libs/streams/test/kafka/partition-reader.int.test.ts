import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEndpoints } from '../../../testing/src/vitest/endpoints.js';
import { kafkajs } from '../../src/kafka/kafkajs.js';
import { PartitionReader } from '../../src/kafka/partition-reader.js';

const { Kafka, logLevel, CompressionTypes } = kafkajs();
const { KAFKA_BOOTSTRAP } = stackEndpoints();
const kafka = new Kafka({ clientId: 'partition-reader-test', brokers: [KAFKA_BOOTSTRAP], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const reader = new PartitionReader(kafka);
beforeAll(async () => {
  await admin.connect();
  await reader.connect();
});
afterAll(async () => {
  await reader.disconnect();
  await admin.disconnect();
});

async function readAll(topic: string, maxBytesPerPartition: number): Promise<{ keys: string[]; fetches: number }> {
  const tp = { topic, partition: 0 };
  const key = PartitionReader.key(topic, 0);
  const [begin, end] = await Promise.all([reader.beginningOffsets([tp]), reader.endOffsets([tp])]);
  let offset = begin.get(key) ?? 0n;
  const last = end.get(key) ?? 0n;
  const keys: string[] = [];
  let fetches = 0;
  while (offset < last) {
    const [fetched] = await reader.fetch([{ ...tp, offset }], { maxWaitMs: 200, maxBytesPerPartition });
    fetches += 1;
    if (fetched === undefined) continue;
    for (const r of fetched.records) {
      expect(r.offset).toBeGreaterThanOrEqual(Number(offset));
      if (r.offset < Number(last)) keys.push(r.key?.toString() ?? '<null>');
    }
    offset = fetched.nextOffset > offset ? fetched.nextOffset : offset;
  }
  return { keys, fetches };
}

describe('PartitionReader on a real broker', () => {
  it('reads only committed records, across interleaved and aborted transactions, compressed batches and small fetches', async () => {
    const topic = `reader-${randomUUID().slice(0, 8)}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = (id: string) => kafka.producer({ transactionalId: `${topic}-${id}`, maxInFlightRequests: 1, idempotent: true });
    const a = producer('a');
    const b = producer('b');
    const plain = kafka.producer();
    await Promise.all([a.connect(), b.connect(), plain.connect()]);
    // Every key in the order sent (= offset order, one partition), with whether its transaction committed.
    const sent: { key: string; committed: () => boolean }[] = [];
    const outcome = new Map<string, boolean>();
    const send = async (p: Pick<typeof plain, 'send'>, txn: string | undefined, keys: string[], compression = CompressionTypes.None): Promise<void> => {
      await p.send({ topic, compression, messages: keys.map((k) => ({ key: k, value: `value of ${k}`, partition: 0 })) });
      for (const key of keys) sent.push({ key, committed: () => txn === undefined || outcome.get(txn) === true });
    };
    try {
      for (let round = 0; round < 5; round++) {
        // a and b both open transactions on the one partition; b's begins later but is aborted first.
        const ta = await a.transaction();
        const tb = await b.transaction();
        await send(ta, `a${round}`, [`a${round}-1`, `a${round}-2`]);
        await send(tb, `b${round}`, [`b${round}-1`]);
        await send(plain, undefined, [`p${round}-1`, `p${round}-2`, `p${round}-3`], CompressionTypes.GZIP);
        await send(ta, `a${round}`, [`a${round}-3`]);
        await send(tb, `b${round}`, [`b${round}-2`]);
        await tb.abort();
        outcome.set(`b${round}`, false);
        if (round % 2 === 0) await ta.abort();
        else await ta.commit();
        outcome.set(`a${round}`, round % 2 === 1);
      }
    } finally {
      await Promise.all([a.disconnect(), b.disconnect(), plain.disconnect()]);
    }
    const want = sent.filter((s) => s.committed()).map((s) => s.key);
    expect(want).toHaveLength(5 * 3 + 2 * 3);

    const whole = await readAll(topic, 8 * 1024 * 1024);
    expect(whole.keys).toEqual(want);
    // One byte per partition still returns the first batch (KIP-74): every batch, control batches included, is a fetch of its own.
    const small = await readAll(topic, 1);
    expect(small.keys).toEqual(want);
    expect(small.fetches).toBeGreaterThan(whole.fetches);
  });
});
