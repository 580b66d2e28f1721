import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEndpoints } from '../../../testing/src/vitest/endpoints.js';
import { AppProcess } from './app-process.js';

const { KAFKA_BOOTSTRAP } = stackEndpoints();
const kafka = new Kafka({ clientId: 'crash-test', brokers: [KAFKA_BOOTSTRAP], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
beforeAll(async () => await admin.connect());
afterAll(async () => await admin.disconnect());

const PARTITIONS = 8;
const KEYS = 400;
const RECORDS = 100_000;

interface Totals {
  count: number;
  sum: number;
  lastSeq: number;
}

/** A deterministic pseudo-random sequence, so a failing run can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s / 2 ** 32;
  };
}

async function produceInput(topic: string, seed: number): Promise<Map<string, number[]>> {
  const random = rng(seed);
  const amounts = new Map<string, number[]>();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const chunk = 5_000;
  for (let start = 0; start < RECORDS; start += chunk) {
    const messages = [];
    for (let i = start; i < Math.min(RECORDS, start + chunk); i++) {
      const key = `key-${Math.floor(random() * KEYS)}`;
      const list = amounts.get(key) ?? [];
      const amount = Math.floor(random() * 1_000) - 200;
      messages.push({ key, value: JSON.stringify({ seq: list.length, amount }) });
      list.push(amount);
      amounts.set(key, list);
    }
    await producer.send({ topic, messages, acks: -1 });
  }
  await producer.disconnect();
  return amounts;
}

/** Every output, read with read_committed, grouped by key in offset order. */
async function readOutputs(topic: string, expected: number, timeoutMs: number): Promise<{ byKey: Map<string, Totals[]>; total: number }> {
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
  const deadline = Date.now() + timeoutMs;
  while (total < expected && Date.now() < deadline) await sleep(250);
  await sleep(2_000); // anything beyond the expected count would be a duplicate: give it time to show
  await consumer.disconnect();
  return { byKey, total };
}

async function committedTotal(groupId: string, topic: string): Promise<number> {
  const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
  return offsets[0]?.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0) ?? 0;
}

describe('exactly-once under SIGKILL', () => {
  it(`keeps per-key running totals exact over ${RECORDS} records and ${PARTITIONS} partitions while the app is killed again and again`, async () => {
    const id = randomUUID().slice(0, 8);
    const input = `crash-in-${id}`;
    const output = `crash-out-${id}`;
    const applicationId = `crash-${id}`;
    await admin.createTopics({ topics: [input, output].map((topic) => ({ topic, numPartitions: PARTITIONS })), waitForLeaders: true });
    const seed = Number.parseInt(id, 16);
    const amounts = await produceInput(input, seed);
    const env = { KAFKA_BOOTSTRAP, APPLICATION_ID: applicationId, INPUT_TOPIC: input, OUTPUT_TOPIC: output };

    // Kill at random moments: a third of the rounds while the app restores
    // its store from the changelog, the rest mid-stream.
    const random = rng(seed ^ 0x5eed);
    const kills = { total: 0, beforeReady: 0, midStream: 0, duringRestore: 0 };
    const progress: number[] = [];
    for (let round = 0; round < 12; round++) {
      const app = new AppProcess('running-totals-app.ts', env);
      if (round % 3 === 1) {
        // Kill mid-restore: as soon as the app reports it is reading a changelog.
        const by = Date.now() + 60_000;
        while (!app.restoring && !app.ready && Date.now() < by) await sleep(5);
        if (app.restoring && !app.ready) kills.duringRestore += 1;
      } else {
        const readyBy = Date.now() + 60_000;
        while (!app.ready && Date.now() < readyBy) await sleep(50);
        await sleep(200 + Math.floor(random() * 2_500));
      }
      if (app.ready) kills.midStream += 1;
      else kills.beforeReady += 1;
      app.kill('SIGKILL');
      await app.exited;
      kills.total += 1;
      const done = await committedTotal(applicationId, input);
      if (process.env['CRASH_TEST_DEBUG'] !== undefined) console.log(`round ${round}: ready=${String(app.ready)} committed=${done}\n${app.tail(30)}`);
      progress.push(done);
      if (done >= RECORDS) break;
    }
    // Then let one instance finish the input.
    const last = new AppProcess('running-totals-app.ts', env);
    const deadline = Date.now() + 240_000;
    while (!last.ready && Date.now() < deadline) await sleep(100);
    while ((await committedTotal(applicationId, input)) < RECORDS && Date.now() < deadline) await sleep(1_000);
    // A clean stop (SIGTERM) commits, leaves the group and exits 0.
    last.kill('SIGTERM');
    const code = await last.exited;
    expect(await committedTotal(applicationId, input), `input not fully processed; last log:\n${last.tail()}`).toBe(RECORDS);
    expect(code, last.tail()).toBe(0);
    expect(kills.midStream).toBeGreaterThanOrEqual(3);
    expect(kills.duringRestore).toBeGreaterThanOrEqual(1);

    const { byKey, total } = await readOutputs(output, RECORDS, 120_000);
    // Independently computed expectation: one output per input, per key in input order, running count and sum.
    expect(total).toBe(RECORDS);
    expect(byKey.size).toBe(amounts.size);
    for (const [key, list] of amounts) {
      const outputs = byKey.get(key) ?? [];
      let sum = 0;
      const expected = list.map((amount, seq) => {
        sum += amount;
        return { count: seq + 1, sum, lastSeq: seq };
      });
      expect(outputs, `key ${key}`).toEqual(expected);
    }
    console.log(`crash test: ${kills.total} SIGKILLs (${kills.duringRestore} during restore, ${kills.midStream} mid-stream); committed input after each kill: ${progress.join(', ')}`);
  });
});
