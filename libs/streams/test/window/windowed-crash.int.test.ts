import type { Admin } from 'kafkajs';
import { kafkajs } from '../../src/kafka/kafkajs.js';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEndpoints } from '../../../testing/src/vitest/endpoints.js';
import { decodeWindowedKey } from '../../src/index.js';
import { AppProcess } from '../runtime/app-process.js';
import { committedTotal, rng, waitForCommitted } from '../runtime/running-totals-check.js';

const { KAFKA_BOOTSTRAP } = stackEndpoints();
// Verification reads with read_committed through the fixed filter the runtime uses (src/kafka/kafkajs.ts).
const { Kafka, logLevel } = kafkajs();
const kafka = new Kafka({ clientId: 'windowed-crash-test', brokers: [KAFKA_BOOTSTRAP], logLevel: logLevel.NOTHING });
const admin: Admin = kafka.admin();
beforeAll(async () => await admin.connect());
afterAll(async () => await admin.disconnect());

const PARTITIONS = 4;
const KEYS = 40;
const RECORDS = 40_000;
const WINDOW_MS = 1_000;
const GRACE_MS = 200;
/** Event time advances 5 ms per record; each record is up to this much out of order, so some are beyond grace. */
const JITTER_MS = 300;

interface Sent {
  readonly key: string;
  readonly t: number;
  readonly v: number;
}

/**
 * The reference, from the documented semantics only: per partition, in
 * produce order, the watermark is the largest event time so far; a record is
 * late when its window's end + grace ≤ the watermark after it; a window's final
 * result is the count and sum of its on-time records, if the watermark
 * eventually reached its end + grace.
 */
function reference(sent: readonly Sent[][]): { windows: Map<string, { count: number; sum: number }>; late: number } {
  const windows = new Map<string, { count: number; sum: number; end: number; partition: number }>();
  const finalWatermark: number[] = [];
  let late = 0;
  sent.forEach((records, partition) => {
    let watermark = -1;
    for (const r of records) {
      watermark = Math.max(watermark, r.t);
      const start = r.t - (r.t % WINDOW_MS);
      if (start + WINDOW_MS + GRACE_MS <= watermark) {
        late += 1;
        continue;
      }
      const id = `${r.key}|${start}|${start + WINDOW_MS}`;
      const w = windows.get(id) ?? { count: 0, sum: 0, end: start + WINDOW_MS, partition };
      w.count += 1;
      w.sum += r.v;
      windows.set(id, w);
    }
    finalWatermark[partition] = watermark;
  });
  const closed = new Map<string, { count: number; sum: number }>();
  for (const [id, w] of windows) if (w.end + GRACE_MS <= (finalWatermark[w.partition] ?? -1)) closed.set(id, { count: w.count, sum: w.sum });
  return { windows: closed, late };
}

class WindowedInput {
  /** Per partition, in produce order. */
  readonly sent: Sent[][] = Array.from({ length: PARTITIONS }, () => []);
  produced = 0;
  readonly #random: () => number;

  constructor(
    private readonly topic: string,
    private readonly base: number,
    seed: number,
  ) {
    this.#random = rng(seed);
  }

  async produce(count: number): Promise<void> {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      for (let done = 0; done < count; done += 2_000) {
        const messages = [];
        for (let i = 0; i < Math.min(2_000, count - done); i++) {
          const k = Math.floor(this.#random() * KEYS);
          const partition = k % PARTITIONS;
          const t = this.base + (this.produced + i) * 5 - Math.floor(this.#random() * JITTER_MS);
          const v = Math.floor(this.#random() * 100);
          this.sent[partition]?.push({ key: `key-${k}`, t, v });
          messages.push({ key: `key-${k}`, partition, value: JSON.stringify({ t, v }) });
        }
        await producer.send({ topic: this.topic, messages, acks: -1 });
        this.produced += messages.length;
      }
    } finally {
      await producer.disconnect();
    }
  }

  /** One record per partition far ahead in event time: every window of the real keys closes. */
  async flush(): Promise<void> {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const t = this.base + RECORDS * 5 + 60_000;
    const messages = Array.from({ length: PARTITIONS }, (_, partition) => ({ key: `flush-${partition}`, partition, value: JSON.stringify({ t, v: 0 }) }));
    for (const m of messages) this.sent[m.partition]?.push({ key: m.key, t, v: 0 });
    await producer.send({ topic: this.topic, messages, acks: -1 });
    this.produced += messages.length;
    await producer.disconnect();
  }
}

interface Read {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly partition: number;
  readonly offset: string;
  /** Producer id and epoch of the record's batch: which transaction wrote it. */
  readonly writer: string;
}

function writerOf(message: object): string {
  const context = (message as { batchContext?: { producerId?: string; producerEpoch?: number } }).batchContext;
  return `${context?.producerId ?? '?'}/${context?.producerEpoch ?? '?'}`;
}

async function readCommitted(topic: string, expected: number): Promise<Read[]> {
  const consumer = kafka.consumer({ groupId: `verify-${randomUUID()}`, readUncommitted: false, maxBytesPerPartition: 4 * 1024 * 1024 });
  const out: Read[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) out.push({ key: m.key ?? Buffer.alloc(0), value: m.value ?? Buffer.alloc(0), partition: batch.partition, offset: m.offset, writer: writerOf(m) });
    },
  });
  const deadline = Date.now() + 120_000;
  while (out.length < expected && Date.now() < deadline) await sleep(250);
  await sleep(2_000); // anything beyond the expected count would be a duplicate: give it time to show
  await consumer.disconnect();
  return out;
}

describe('windowed aggregation with final emit under SIGKILL', () => {
  it(`emits every window's final result exactly once over ${RECORDS} records while the app is killed again and again`, async () => {
    const id = randomUUID().slice(0, 8);
    const input = `win-in-${id}`;
    const output = `win-out-${id}`;
    const applicationId = `win-${id}`;
    await admin.createTopics({ topics: [input, output].map((topic) => ({ topic, numPartitions: PARTITIONS })), waitForLeaders: true });
    const seed = Number.parseInt(id, 16);
    // Event times near the wall clock, so the changelog's retention (window + grace + 1 day) keeps them.
    const generator = new WindowedInput(input, Date.now() - RECORDS * 5, seed);
    await generator.produce(8_000);
    const flowing = (async () => {
      for (let done = 8_000; done < RECORDS; done += 1_000) {
        await generator.produce(1_000);
        await sleep(700);
      }
    })();
    const env = { KAFKA_BOOTSTRAP, APPLICATION_ID: applicationId, INPUT_TOPIC: input, OUTPUT_TOPIC: output, WINDOW_MS: String(WINDOW_MS), GRACE_MS: String(GRACE_MS) };

    const random = rng(seed ^ 0x5eed);
    const kills = { total: 0, midStream: 0, duringRestore: 0 };
    const progress: number[] = [];
    const apps: AppProcess[] = [];
    for (let round = 0; round < 9; round++) {
      const app = new AppProcess('windowed-app.ts', env);
      apps.push(app);
      if (round % 3 === 1) {
        const by = Date.now() + 60_000;
        while (!app.restoring && !app.ready && Date.now() < by) await sleep(5);
        if (app.restoring && !app.ready) kills.duringRestore += 1;
      } else {
        const readyBy = Date.now() + 60_000;
        while (!app.ready && Date.now() < readyBy) await sleep(50);
        await sleep(200 + Math.floor(random() * 2_500));
        if (app.ready) kills.midStream += 1;
      }
      app.kill('SIGKILL');
      await app.exited;
      kills.total += 1;
      progress.push(await committedTotal(admin, applicationId, input));
    }
    await flowing;
    await generator.flush();
    const total = generator.produced;
    const last = new AppProcess('windowed-app.ts', env);
    apps.push(last);
    const readyBy = Date.now() + 60_000;
    while (!last.ready && Date.now() < readyBy) await sleep(100);
    const done = await waitForCommitted(admin, applicationId, input, total, 240_000);
    last.kill('SIGTERM');
    const code = await last.exited;
    expect(done, `input not fully processed; last log:\n${last.tail()}`).toBe(total);
    expect(code, last.tail()).toBe(0);
    expect(kills.midStream).toBeGreaterThanOrEqual(3);
    expect(kills.duringRestore).toBeGreaterThanOrEqual(1);
    // Kills landed while input was still being processed, not only once it was all done.
    expect(progress.filter((p) => p < RECORDS).length).toBeGreaterThanOrEqual(3);

    const expected = reference(generator.sent);
    expect(expected.late).toBeGreaterThan(0);
    const records = await readCommitted(output, expected.windows.size);
    const actual = new Map<string, { count: number; sum: number }>();
    const duplicates: string[] = [];
    const where = new Map<string, string>();
    for (const r of records) {
      const { key, start, end } = decodeWindowedKey(r.key);
      const wid = `${key.toString()}|${start}|${end}`;
      const here = `${r.partition}@${r.offset} (producer/epoch ${r.writer})=${r.value.toString()}`;
      if (actual.has(wid)) duplicates.push(`${wid} at ${where.get(wid)} and ${here}; expected ${JSON.stringify(expected.windows.get(wid))}`);
      where.set(wid, here);
      actual.set(wid, JSON.parse(r.value.toString()) as { count: number; sum: number });
    }
    if (duplicates.length > 0) {
      const file = path.join(tmpdir(), `windowed-crash-${id}.log`);
      writeFileSync(file, apps.map((a, i) => `==== round ${i} (committed after: ${progress[i] ?? 'end'})\n${a.log.join('')}`).join('\n'));
      console.log(`app logs: ${file}`);
    }
    expect(duplicates).toEqual([]);
    expect(actual.size).toBe(expected.windows.size);
    expect(actual).toEqual(expected.windows);
    const late = await readCommitted(`${applicationId}.late`, expected.late);
    expect(late).toHaveLength(expected.late);
    console.log(
      `windowed crash test: ${kills.total} SIGKILLs (${kills.duringRestore} during restore, ${kills.midStream} mid-stream); ${actual.size} windows emitted once each, ${late.length} late records; committed input after each kill: ${progress.join(', ')}`,
    );
  });
});
