/**
 * The bench's own Kafka I/O: generating the Avro input, reading an output
 * topic into an order-independent digest, and the raw kafkajs pipe ceiling.
 */
import type { AvroSerde } from '@tributary/avro';
import { CompressionTypes, type Admin, type Kafka } from 'kafkajs';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { toFahrenheit, type BenchReading, type BenchReadingOut } from './schemas.js';

/** At most this many distinct keys in the keyed input: the count store (and its restore) then holds 1M keys at 2M records. */
export const MAX_KEYS = 1_000_000;

/** Event time of the keyed input's record `i` (1 ms apart). */
const BASE_TS = Date.UTC(2026, 0, 1);

export interface InputPlan {
  /** Key and value of record `i`. */
  record(i: number): { key: string; value: BenchReading };
  /** Event time past every window of the input, within the window stores' two-minute retention. */
  readonly closeTs?: number;
}

/** Stateless and count input: keys `k<i mod min(N, 1M)>`, so at 2M records each key comes twice. */
export function keyedInput(records: number): InputPlan {
  const keys = Math.min(records, MAX_KEYS);
  return { record: (i) => ({ key: `k${i % keys}`, value: { id: i, sensor: `s-${i % 5000}`, value: (i * 7919) % 1000, ts: new Date(BASE_TS + i) } }) };
}

/**
 * Windows input (as bench/src/windows.ts): `keys` keys, 10 records per key per
 * event-time minute, in order; event time ends two minutes before now.
 */
export function windowedInput(records: number, keys: number): InputPlan {
  const perMinute = keys * 10;
  const minutes = Math.ceil(records / perMinute);
  const base = Math.floor((Date.now() - minutes * 60_000 - 120_000) / 60_000) * 60_000;
  return {
    // Half a minute into the minute after the last: closes the last window; far less than Kafka
    // Streams' retention ahead of it (a larger jump would expire unemitted windows there).
    closeTs: base + minutes * 60_000 + 30_000,
    record: (i) => ({
      key: `container-${i % keys}`,
      value: { id: i, sensor: `s-${i % 5000}`, value: (i * 7919) % 1000, ts: new Date(base + Math.floor((i / perMinute) * 60_000)) },
    }),
  };
}

/** Writes records 0..count-1 of `plan` with four producers in parallel; returns the mean value size in bytes. */
export async function produceInput(kafka: Kafka, topic: string, count: number, plan: InputPlan, serde: AvroSerde<BenchReading>, compression: 'none' | 'gzip' = 'none'): Promise<number> {
  const context = { topic, isKey: false } as const;
  const chunk = 10_000;
  let next = 0;
  let bytes = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      try {
        while (next < count) {
          const from = next;
          const to = Math.min(count, from + chunk);
          next = to;
          const messages = [];
          for (let i = from; i < to; i++) {
            const { key, value } = plan.record(i);
            const encoded = serde.serialize(value, context) as Buffer;
            bytes += encoded.length;
            messages.push({ key, value: encoded });
          }
          await producer.send({ topic, messages, acks: -1, compression: compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None });
        }
      } finally {
        await producer.disconnect();
      }
    }),
  );
  return bytes / count;
}

/** Count and an order-independent sum of 64-bit hashes of (key, value): equal digests = equal multisets of records. */
export interface Digest {
  readonly records: number;
  readonly sum: bigint;
}

const MASK = (1n << 64n) - 1n;

/**
 * Reads `topic` (read_committed) from the beginning into a digest, until
 * `expected` records were read and none came for `idleMs`; below `expected`
 * it keeps waiting up to `patienceMs` of silence (a read_committed reader
 * stops at a partition's last stable offset while a transaction there is
 * still open, until it commits or times out). `skipHeader` drops the 5-byte
 * wire-format header of Avro values: the schema id is per subject, the Avro
 * bytes are the work. `waitedMs` says how long the read took.
 */
export async function digestTopic(kafka: Kafka, topic: string, skipHeader: boolean, expected: number, idleMs = 3_000, patienceMs = 180_000): Promise<Digest & { waitedMs: number }> {
  const consumer = kafka.consumer({ groupId: `compare-digest-${topic}-${Date.now()}`, readUncommitted: false, maxWaitTimeInMs: 200, maxBytes: 50 * 1024 * 1024 });
  let records = 0;
  let sum = 0n;
  const started = Date.now();
  let last = Date.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const h = createHash('sha1');
          h.update(m.key ?? Buffer.alloc(0));
          h.update('\0');
          const v = m.value ?? Buffer.alloc(0);
          h.update(skipHeader ? v.subarray(5) : v);
          sum = (sum + h.digest().readBigUInt64BE(0)) & MASK;
          records += 1;
        }
        last = Date.now();
      },
    });
    for (;;) {
      const silent = Date.now() - last;
      if (records >= expected && silent >= idleMs) break;
      if (silent >= patienceMs) break;
      await sleep(200);
    }
  } finally {
    await consumer.disconnect();
  }
  return { records, sum, waitedMs: Date.now() - started };
}

/**
 * How many windows the windows input closes: per event minute, one per key
 * present in it (the closing `flush` records' own windows stay open).
 */
export function expectedWindows(records: number, keys: number): number {
  const perMinute = keys * 10;
  let windows = 0;
  for (let from = 0; from < records; from += perMinute) windows += Math.min(keys, records - from);
  return windows;
}

/** Sum of the committed offsets of `groupId` on `topic`. */
export const committedTotal = (admin: Admin, groupId: string, topic: string) => async (): Promise<number> => {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (offsets?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
};

export const endOffsetTotal = (admin: Admin, topic: string) => async (): Promise<number> => (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);

/**
 * Polls `progress()` until it reaches `total`; the rate counts from the last
 * sample that showed no progress, so group join and task start are left out
 * (for both systems alike). `check` runs each poll (e.g. the app still alive).
 */
export async function measure(total: number, progress: () => Promise<number>, check: () => void, timeoutMs = 1_800_000): Promise<{ rate: number; seconds: number }> {
  const deadline = Date.now() + timeoutMs;
  let first: { at: number; done: number } | undefined;
  let lastIdle: { at: number; done: number } | undefined;
  for (;;) {
    check();
    const done = await progress();
    const at = performance.now();
    // From the last poll that saw no progress: a small run can finish between two polls.
    if (first === undefined && done > 0) first = lastIdle ?? { at, done };
    if (done === 0) lastIdle = { at, done };
    if (done >= total && first !== undefined) {
      const seconds = (at - first.at) / 1000;
      return { rate: seconds > 0 ? (done - first.done) / seconds : Number.NaN, seconds };
    }
    if (Date.now() > deadline) throw new Error(`timed out at ${done}/${total} records`);
    await sleep(100);
  }
}

/**
 * The client's ceiling: kafkajs consumer eachBatch → the stateless work
 * (Avro decode, add valueF, Avro encode) → producer.send, no transactions,
 * auto-commit. Rate from the output's end offsets.
 */
export async function runRaw(kafka: Kafka, admin: Admin, input: string, output: string, total: number, inSerde: AvroSerde<BenchReading>, outSerde: AvroSerde<BenchReadingOut>, compression: 'none' | 'gzip' = 'none'): Promise<number> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: `${output}-raw`, maxWaitTimeInMs: 200 });
  await producer.connect();
  await consumer.connect();
  const inContext = { topic: input, isKey: false } as const;
  const outContext = { topic: output, isKey: false } as const;
  await consumer.subscribe({ topic: input, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: 1,
    eachBatch: async (payload) => {
      const { batch } = payload;
      const messages = batch.messages.map((m) => ({
        key: m.key,
        value: outSerde.serialize(toFahrenheit(inSerde.deserialize(m.value as Buffer, inContext) as BenchReading), outContext) as Buffer,
        timestamp: m.timestamp,
      }));
      // One send's batch per partition must stay under the broker's message.max.bytes: sends of 1,000 in parallel (as eos-pipe).
      const sends = [];
      for (let i = 0; i < messages.length; i += 1_000) {
        sends.push(producer.send({ topic: output, messages: messages.slice(i, i + 1_000), acks: -1, compression: compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None }));
      }
      await Promise.all(sends);
      const last = batch.messages[batch.messages.length - 1];
      if (last !== undefined) payload.resolveOffset(last.offset);
      await payload.heartbeat();
    },
  });
  try {
    return (await measure(total, endOffsetTotal(admin, output), () => undefined)).rate;
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
}
