/**
 * Processing latency at a paced rate, the same way for both systems: with
 * the app running and warmed (one record per partition committed), the
 * bench produces `rate` records/s for `seconds` and a read_committed
 * consumer notes when each output becomes visible. Latency per output:
 *
 *   stateless  visible − the send time of the input (found by the output's `id`);
 *   count      visible − the send time of the key's n-th input (n = the count);
 *   windows    visible − the wall-clock moment event time crossed the window's
 *              end (event time = send time + a shift that puts a minute
 *              boundary mid-run, so windows close during the measurement).
 *
 * Exactly-once outputs are visible at the transaction commit, so the commit
 * interval is part of the figure (as a downstream reader sees it).
 *
 * The pace starts `warmupSeconds` before the measured `seconds`, and outputs
 * of inputs sent (windows: windows ending) in that warm-up are not counted:
 * both runtimes compile their hot paths in the first second (Tributary's p99
 * in its first second was 541 ms, after it ~150 ms; Kafka Streams' 170 then
 * ~135), which is start-up, not the processing latency a running service has.
 */
import type { AvroSerde } from '@tributary/avro';
import { CompressionTypes, type Admin, type Kafka } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Child } from './child.js';
import type { BenchReading, BenchReadingOut } from './schemas.js';
import { committedTotal } from './topics.js';

export type TopologyName = 'stateless' | 'count' | 'windows';

export interface LatencyRun {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly topology: TopologyName;
  readonly input: string;
  readonly output: string;
  readonly applicationId: string;
  readonly partitions: number;
  readonly rate: number;
  readonly seconds: number;
  /** Paced but not measured, before `seconds`. */
  readonly warmupSeconds: number;
  readonly inSerde: AvroSerde<BenchReading>;
  readonly outSerde: AvroSerde<BenchReadingOut>;
  /** Starts the app on `input` → `output`. */
  readonly start: () => Promise<Child>;
}

/** The `q` quantile (0..1) of `values` (nearest rank); undefined when empty. */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const KEYS = 1_000;

async function waitFor(what: string, condition: () => Promise<boolean>, check: () => void, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    check();
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Runs one paced measurement; returns the p50 and p99 latency in ms and how many outputs they are over. */
export async function measureLatency(run: LatencyRun): Promise<{ p50: number | undefined; p99: number | undefined; outputs: number }> {
  const { kafka, admin, input, output, partitions } = run;
  await admin.createTopics({ topics: [input, output].map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true });
  const child = await run.start();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const observer = kafka.consumer({ groupId: `${output}-observer`, readUncommitted: false, maxWaitTimeInMs: 20 });
  try {
    await child.line(/^ready$/);
    await producer.connect();
    const inContext = { topic: input, isKey: false } as const;
    const warmupMs = run.warmupSeconds * 1000;
    const durationMs = warmupMs + run.seconds * 1000;
    // Warm-up: one record per partition, committed, so the app is assigned and running before the clock starts.
    await producer.send({
      topic: input,
      acks: -1,
      messages: Array.from({ length: partitions }, (_, p) => ({
        key: `warm-${p}`,
        partition: p,
        // Event time 0: before every paced record, so it never makes them late (its own window closes at once).
        value: run.inSerde.serialize({ id: -1 - p, sensor: 'warm', value: 0, ts: new Date(0) }, inContext) as Buffer,
      })),
    });
    const committed = committedTotal(admin, run.applicationId, input);
    await waitFor('the warm-up records to be committed', async () => (await committed()) >= partitions, () => child.assertAlive());

    const seen: { key: string; value: Buffer; at: number }[] = [];
    const joined = new Promise<void>((resolve) => observer.on(observer.events.GROUP_JOIN, () => resolve()));
    await observer.connect();
    await observer.subscribe({ topic: output, fromBeginning: true });
    await observer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const at = Date.now();
        for (const m of batch.messages) seen.push({ key: m.key?.toString() ?? '', value: m.value ?? Buffer.alloc(0), at });
      },
    });
    await joined;
    await sleep(1_000);

    const sentAt: number[] = [];
    const perKey = new Map<string, number[]>();
    const started = Date.now();
    const measuredFrom = started + warmupMs;
    // Event time = wall clock + shift, chosen so a minute boundary falls mid-run (see the module doc).
    const mid = measuredFrom + (durationMs - warmupMs) / 2;
    const shift = Math.ceil(mid / 60_000) * 60_000 - mid;
    let sent = 0;
    while (Date.now() - started < durationMs) {
      const due = Math.min(Math.floor(((Date.now() - started) / 1000) * run.rate), Math.floor((durationMs / 1000) * run.rate));
      if (due > sent) {
        const messages = [];
        const now = Date.now();
        for (let i = sent; i < due; i++) {
          const key = `k${i % KEYS}`;
          messages.push({ key, value: run.inSerde.serialize({ id: i, sensor: `s-${i % 5000}`, value: (i * 7919) % 1000, ts: new Date(now + shift) }, inContext) as Buffer });
          sentAt[i] = now;
          const times = perKey.get(key) ?? [];
          times.push(now);
          perKey.set(key, times);
        }
        sent = due;
        await producer.send({ topic: input, messages, acks: -1, compression: CompressionTypes.None });
      }
      await sleep(10);
    }
    await waitFor('the paced records to be committed', async () => (await committed()) >= partitions + sent, () => child.assertAlive());
    await sleep(2_000);

    const outContext = { topic: output, isKey: false } as const;
    const latencies: number[] = [];
    for (const s of seen) {
      if (s.key.startsWith('warm-')) continue;
      if (run.topology === 'stateless') {
        const id = (await run.outSerde.deserialize(s.value, outContext)).id;
        const at = sentAt[id];
        if (at !== undefined && at >= measuredFrom) latencies.push(s.at - at);
      } else if (run.topology === 'count') {
        const at = perKey.get(s.key)?.[Number(s.value.toString('utf8')) - 1];
        if (at !== undefined && at >= measuredFrom) latencies.push(s.at - at);
      } else {
        const start = Number(s.key.slice(s.key.lastIndexOf('@') + 1));
        const closedAt = start + 60_000 - shift;
        if (closedAt >= measuredFrom) latencies.push(s.at - closedAt);
      }
    }
    return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), outputs: latencies.length };
  } finally {
    await observer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await child.stop();
  }
}
