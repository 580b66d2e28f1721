/**
 * Input generation and output verification shared by the exactly-once tests
 * of the running-totals app (test/fixtures/running-totals-app.ts).
 */
import { Partitioners, type Admin, type Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';

export interface Totals {
  count: number;
  sum: number;
  lastSeq: number;
}

/** A deterministic pseudo-random sequence, so a failing run can be replayed from its seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s / 2 ** 32;
  };
}

/** Produces keyed `{seq, amount}` records and remembers, per key, the amounts in order. */
export class InputGenerator {
  readonly amounts = new Map<string, number[]>();
  produced = 0;
  readonly #random: () => number;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    seed: number,
    private readonly keys: number,
  ) {
    this.#random = rng(seed);
  }

  async produce(count: number, chunk = 5_000): Promise<void> {
    const producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      for (let done = 0; done < count; done += chunk) {
        const messages = [];
        for (let i = 0; i < Math.min(chunk, count - done); i++) {
          const key = `key-${Math.floor(this.#random() * this.keys)}`;
          const list = this.amounts.get(key) ?? [];
          const amount = Math.floor(this.#random() * 1_000) - 200;
          messages.push({ key, value: JSON.stringify({ seq: list.length, amount }) });
          list.push(amount);
          this.amounts.set(key, list);
        }
        await producer.send({ topic: this.topic, messages, acks: -1 });
        this.produced += messages.length;
      }
    } finally {
      await producer.disconnect();
    }
  }
}

/** Sum of the committed offsets of `groupId` on `topic` (how many inputs are committed). */
export async function committedTotal(admin: Admin, groupId: string, topic: string): Promise<number> {
  const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
  return offsets[0]?.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0) ?? 0;
}

/** Waits until `groupId` committed `expected` inputs on `topic`. */
export async function waitForCommitted(admin: Admin, groupId: string, topic: string, expected: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let done = 0;
  while ((done = await committedTotal(admin, groupId, topic)) < expected && Date.now() < deadline) await sleep(500);
  return done;
}

/**
 * Reads the whole output with read_committed and checks it against the
 * independently computed expectation: exactly one output per input, per key
 * in input order, with the running count and sum — no duplicate, no gap.
 */
export async function expectExactOutputs(kafka: Kafka, topic: string, amounts: Map<string, number[]>): Promise<void> {
  const expectedTotal = [...amounts.values()].reduce((n, l) => n + l.length, 0);
  const consumer = kafka.consumer({ groupId: `verify-${randomUUID()}`, readUncommitted: false, maxBytesPerPartition: 4 * 1024 * 1024 });
  const byKey = new Map<string, Totals[]>();
  let total = 0;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        const key = m.key?.toString() ?? '';
        const list = byKey.get(key) ?? [];
        list.push(JSON.parse(m.value?.toString() ?? 'null') as Totals);
        byKey.set(key, list);
        total += 1;
      }
    },
  });
  const deadline = Date.now() + 120_000;
  while (total < expectedTotal && Date.now() < deadline) await sleep(250);
  await sleep(2_000); // anything beyond the expected count would be a duplicate: give it time to show
  await consumer.disconnect();

  expect(total).toBe(expectedTotal);
  expect(byKey.size).toBe(amounts.size);
  for (const [key, list] of amounts) {
    let sum = 0;
    const expected = list.map((amount, seq) => {
      sum += amount;
      return { count: seq + 1, sum, lastSeq: seq };
    });
    expect(byKey.get(key) ?? [], `key ${key}`).toEqual(expected);
  }
}
