/**
 * The Kafka client itself, side by side (issue 9, item 4): the same
 * consume → JSON transform → produce pipe, on one broker and one input topic
 * (N small JSON records, 8 partitions, produced once), with
 *
 *   kafkajs  kafkajs 2.2.4 (the project's client);
 *   ckjs     @confluentinc/kafka-javascript's KafkaJS-compatible API
 *            (`require('@confluentinc/kafka-javascript').KafkaJS`, librdkafka
 *            underneath), loaded from CKJS_DIR (default /tmp/ckjs/node_modules):
 *            it is not a project dependency (bench/README.md says how it was
 *            installed).
 *
 * Each client runs two pipes, one consumer and one producer each, one
 * partition's batch at a time (partitionsConsumedConcurrently 1), acks=all,
 * no compression:
 *
 *   alos  at-least-once: eachBatch → send → offsets resolved and
 *         auto-committed; progress = the output topic's end offsets.
 *   eos   exactly-once: per batch one transaction (send, sendOffsets,
 *         commit), read_committed consumer; progress = the group's committed
 *         input offsets.
 *
 * The rate counts from the first sample that showed progress to the one that
 * saw all N (group join and start left out). Rounds alternate which client
 * goes first; the better round of each pipe is reported. cpu µs/record is the
 * bench process's user+sys CPU (all threads, so librdkafka's too) over the
 * whole pipe run, start and stop included, divided by N.
 *
 *   npm run bench -- client-compare [--records=N] [--rounds=N] [--only=alos,eos] [--ckjs-batch=N]
 *
 * `--ckjs-batch` is ckjs's `js.consumer.max.batch.size` (default 10,000, near
 * kafkajs's ~12,500-record batches here — one fetch of 1 MB per partition — and
 * the fastest of -1/1,000/10,000 tried; the client's own default is 32, and -1,
 * all messages the client holds for the partition, gave ~110,000-record
 * batches and half kafkajs's rate).
 */
import { CompressionTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchKafka } from './support/kafka.js';
import { loadCkjs, type CkjsKafka } from './client-compare/ckjs.js';

const PARTITIONS = 8;

interface Reading {
  readonly id: number;
  readonly sensor: string;
  readonly tempC: number;
  readonly ts: number;
}

/** The same transform on both sides. */
const transform = (value: Buffer | null): string => {
  const r = JSON.parse((value as Buffer).toString('utf8')) as Reading;
  return JSON.stringify({ ...r, tempF: r.tempC * 1.8 + 32 });
};

const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');

function option(args: readonly string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  return args.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

async function createTopics(admin: Admin, ...names: string[]): Promise<void> {
  await admin.createTopics({ topics: names.map((topic) => ({ topic, numPartitions: PARTITIONS })), waitForLeaders: true });
}

/** Writes `count` records, keys `k<i>` (all distinct), with a few kafkajs producers in parallel. */
async function produceInput(kafka: Kafka, topic: string, count: number): Promise<number> {
  const started = performance.now();
  const chunk = 10_000;
  let next = 0;
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
            const value: Reading = { id: i, sensor: `s-${i % 5000}`, tempC: 4 + (i % 100) / 50, ts: 1_735_689_600_000 + i };
            messages.push({ key: `k${i}`, value: JSON.stringify(value) });
          }
          await producer.send({ topic, messages, acks: -1, compression: CompressionTypes.None });
        }
      } finally {
        await producer.disconnect();
      }
    }),
  );
  return (count / (performance.now() - started)) * 1000;
}

interface Stats {
  batches: number;
  records: number;
  failure?: unknown;
}

/** Polls `progress()` until it reaches `total`; the rate counts from the first sample that showed progress. */
async function measure(total: number, progress: () => Promise<number>, stats: Stats, timeoutMs: number): Promise<{ rate: number; seconds: number }> {
  const deadline = Date.now() + timeoutMs;
  let first: { at: number; done: number } | undefined;
  for (;;) {
    if (stats.failure !== undefined) throw new Error('the pipe failed', { cause: stats.failure });
    const done = await progress();
    const at = performance.now();
    if (process.env['BENCH_DEBUG']) console.error(`progress ${done}/${total}`);
    if (first === undefined && done > 0) first = { at, done };
    if (done >= total && first !== undefined) {
      const seconds = (at - first.at) / 1000;
      return { rate: seconds > 0 ? (done - first.done) / seconds : Number.NaN, seconds };
    }
    if (Date.now() > deadline) throw new Error(`timed out at ${done}/${total} records`);
    await sleep(100);
  }
}

const committedTotal = (admin: Admin, groupId: string, topic: string) => async (): Promise<number> => {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (offsets?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
};

const endOffsetTotal = (admin: Admin, topic: string) => async (): Promise<number> =>
  (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);

const next = (offset: string): string => (BigInt(offset) + 1n).toString();

type Mode = 'alos' | 'eos';

interface PipeResult {
  readonly rate: number;
  readonly seconds: number;
  readonly cpuMicrosPerRecord: number;
  readonly meanBatch: number;
}

/** Runs `start` (which wires a pipe and returns its stop), measures, stops; CPU over the whole. */
async function timed(total: number, stats: Stats, progress: () => Promise<number>, start: () => Promise<() => Promise<void>>): Promise<PipeResult> {
  const stop = await start();
  try {
    const { rate, seconds } = await measure(total, progress, stats, 900_000);
    return { rate, seconds, cpuMicrosPerRecord: 0, meanBatch: stats.records / Math.max(1, stats.batches) };
  } finally {
    await stop();
  }
}

async function withCpu(total: number, run: () => Promise<PipeResult>): Promise<PipeResult> {
  const before = process.cpuUsage();
  const result = await run();
  const used = process.cpuUsage(before);
  return { ...result, cpuMicrosPerRecord: (used.user + used.system) / total };
}

async function runKafkajs(kafka: Kafka, admin: Admin, mode: Mode, input: string, id: string, total: number): Promise<PipeResult> {
  const output = `${id}-out`;
  await createTopics(admin, output);
  const stats: Stats = { batches: 0, records: 0 };
  const eos = mode === 'eos';
  const producer = eos
    ? kafka.producer({ allowAutoTopicCreation: false, transactionalId: `${id}-tx`, idempotent: true, maxInFlightRequests: 1 })
    : kafka.producer({ allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: id, maxWaitTimeInMs: 200, readUncommitted: false });
  return await withCpu(total, () =>
    timed(total, stats, eos ? committedTotal(admin, id, input) : endOffsetTotal(admin, output), async () => {
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topic: input, fromBeginning: true });
      await consumer.run({
        partitionsConsumedConcurrently: 1,
        autoCommit: !eos,
        eachBatchAutoResolve: false,
        eachBatch: async (payload) => {
          const { batch } = payload;
          const last = batch.messages[batch.messages.length - 1];
          if (last === undefined) return;
          const messages = batch.messages.map((m) => ({ key: m.key, value: transform(m.value), timestamp: m.timestamp }));
          stats.batches += 1;
          stats.records += messages.length;
          try {
            if (eos) {
              // One Produce request's batch per partition must stay under message.max.bytes (1 MB): sequential chunks.
              const tx = await producer.transaction();
              try {
                for (let i = 0; i < messages.length; i += 4_000) {
                  await tx.send({ topic: output, messages: messages.slice(i, i + 4_000), acks: -1, compression: CompressionTypes.None });
                }
                await tx.sendOffsets({ consumerGroupId: id, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next(last.offset) }] }] });
                await tx.commit();
              } catch (error) {
                await tx.abort();
                throw error;
              }
            } else {
              // As eos-pipe's raw pipe: sends of 1,000 messages in parallel.
              const sends = [];
              for (let i = 0; i < messages.length; i += 1_000) {
                sends.push(producer.send({ topic: output, messages: messages.slice(i, i + 1_000), acks: -1, compression: CompressionTypes.None }));
              }
              await Promise.all(sends);
            }
          } catch (error) {
            stats.failure ??= error;
            throw error;
          }
          payload.resolveOffset(last.offset);
          await payload.heartbeat();
        },
      });
      return async () => {
        await consumer.disconnect();
        await producer.disconnect();
      };
    }),
  );
}

async function runCkjs(kafka: CkjsKafka, admin: Admin, mode: Mode, input: string, id: string, total: number, maxBatch: number): Promise<PipeResult> {
  const output = `${id}-out`;
  await createTopics(admin, output);
  const stats: Stats = { batches: 0, records: 0 };
  const eos = mode === 'eos';
  const producer = kafka.producer({
    kafkaJS: { acks: -1, ...(eos ? { transactionalId: `${id}-tx` } : {}) },
  });
  const consumer = kafka.consumer({
    kafkaJS: { groupId: id, fromBeginning: true, autoCommit: !eos, maxWaitTimeInMs: 200, readUncommitted: false },
    'js.consumer.max.batch.size': maxBatch,
  });
  return await withCpu(total, () =>
    timed(total, stats, eos ? committedTotal(admin, id, input) : endOffsetTotal(admin, output), async () => {
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topics: [input] });
      await consumer.run({
        partitionsConsumedConcurrently: 1,
        eachBatchAutoResolve: false,
        eachBatch: async (payload) => {
          const { batch } = payload;
          const last = batch.messages[batch.messages.length - 1];
          if (last === undefined) return;
          const messages = batch.messages.map((m) => ({ key: m.key, value: transform(m.value), timestamp: m.timestamp }));
          stats.batches += 1;
          stats.records += messages.length;
          try {
            if (eos) {
              const tx = await producer.transaction();
              try {
                await tx.send({ topic: output, messages });
                await tx.sendOffsets({ consumer, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next(last.offset) }] }] });
                await tx.commit();
              } catch (error) {
                await tx.abort();
                throw error;
              }
            } else {
              // librdkafka batches the messages itself (linger.ms, batch.size).
              await producer.send({ topic: output, messages });
            }
          } catch (error) {
            stats.failure ??= error;
            throw error;
          }
          payload.resolveOffset(last.offset);
        },
      });
      return async () => {
        await consumer.disconnect();
        await producer.disconnect();
      };
    }),
  );
}

export default async function clientCompareBench(args: readonly string[]): Promise<void> {
  const records = Number(option(args, 'records') ?? 1_000_000);
  const rounds = Number(option(args, 'rounds') ?? 2);
  const maxBatch = Number(option(args, 'ckjs-batch') ?? 10_000);
  const modes = (option(args, 'only') ?? 'alos,eos').split(',').filter((m): m is Mode => m === 'alos' || m === 'eos');
  if (!Number.isInteger(records) || records <= 0) throw new RangeError(`--records must be a positive integer, got ${option(args, 'records')}`);
  if (!Number.isInteger(rounds) || rounds <= 0) throw new RangeError(`--rounds must be a positive integer, got ${option(args, 'rounds')}`);
  // Fails here, before any broker starts, when the client is not installed.
  const ckjs = loadCkjs();

  const broker = await benchKafka();
  const kafka = new Kafka({ clientId: 'client-compare-bench', brokers: [broker.bootstrap], logLevel: process.env['BENCH_DEBUG'] ? logLevel.ERROR : logLevel.NOTHING });
  const ck = new ckjs.module.KafkaJS.Kafka({
    kafkaJS: { brokers: [broker.bootstrap], clientId: 'client-compare-bench-ckjs', logLevel: process.env['BENCH_DEBUG'] ? ckjs.module.KafkaJS.logLevel.WARN : ckjs.module.KafkaJS.logLevel.ERROR },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const run = Date.now().toString(36);
    const input = `client-compare-in-${run}`;
    await createTopics(admin, input);
    const produceRate = await produceInput(kafka, input, records);
    console.log(
      `client-compare bench: ${fmt(records)} JSON records (~${JSON.stringify({ id: records, sensor: 's-4999', tempC: 5.98, ts: 1_735_689_600_000 }).length} bytes) on ${PARTITIONS} partitions, ` +
        `Node ${process.version}; kafkajs 2.2.4 vs @confluentinc/kafka-javascript ${ckjs.version} (librdkafka ${ckjs.module.librdkafkaVersion ?? '?'}, from ${ckjs.dir}), ` +
        `ckjs js.consumer.max.batch.size=${maxBatch}, ${rounds} round(s), best of each; input produced at ${fmt(produceRate)} records/s`,
    );
    const best = new Map<string, PipeResult>();
    const all = new Map<string, number[]>();
    for (let round = 0; round < rounds; round++) {
      for (const mode of modes) {
        const clients = round % 2 === 0 ? (['kafkajs', 'ckjs'] as const) : (['ckjs', 'kafkajs'] as const);
        for (const client of clients) {
          const id = `client-compare-${client}-${mode}-${round}-${run}`;
          const result =
            client === 'kafkajs'
              ? await runKafkajs(kafka, admin, mode, input, id, records)
              : await runCkjs(ck, admin, mode, input, id, records, maxBatch);
          const key = `${client} ${mode}`;
          console.error(`  round ${round + 1}: ${key.padEnd(13)} ${fmt(result.rate).padStart(9)} records/s, ${result.cpuMicrosPerRecord.toFixed(1)} cpu µs/record, mean batch ${fmt(result.meanBatch)}`);
          all.set(key, [...(all.get(key) ?? []), result.rate]);
          const previous = best.get(key);
          if (previous === undefined || result.rate > previous.rate) best.set(key, result);
        }
      }
    }
    console.log(`  ${'client / pipe'.padEnd(22)} ${'records/s'.padStart(10)} ${'rounds'.padStart(20)} ${'cpu µs/rec'.padStart(11)} ${'mean batch'.padStart(11)} ${'ckjs ÷ kafkajs'.padStart(15)}`);
    const ratio = (mode: Mode): number => (best.get(`ckjs ${mode}`)?.rate ?? Number.NaN) / (best.get(`kafkajs ${mode}`)?.rate ?? Number.NaN);
    for (const mode of modes) {
      for (const client of ['kafkajs', 'ckjs'] as const) {
        const r = best.get(`${client} ${mode}`);
        if (r === undefined) continue;
        const label = `${client} ${mode === 'eos' ? 'exactly-once' : 'at-least-once'}`;
        console.log(
          `  ${label.padEnd(22)} ${fmt(r.rate).padStart(10)} ${(all.get(`${client} ${mode}`) ?? []).map(fmt).join(' / ').padStart(20)} ${r.cpuMicrosPerRecord.toFixed(1).padStart(11)} ${fmt(r.meanBatch).padStart(11)} ${client === 'ckjs' ? ratio(mode).toFixed(2).padStart(15) : ''}`,
        );
      }
    }
    const figure = (key: string): string => (best.has(key) ? String(Math.round((best.get(key) as PipeResult).rate)) : 'n/a');
    const r = (mode: Mode): string => (Number.isFinite(ratio(mode)) ? ratio(mode).toFixed(2) : 'n/a');
    console.log(
      `bench client-compare: ckjs_vs_kafkajs=${r('alos')} ckjs_vs_kafkajs_eos=${r('eos')} ` +
        `kafkajs_alos=${figure('kafkajs alos')} ckjs_alos=${figure('ckjs alos')} kafkajs_eos=${figure('kafkajs eos')} ckjs_eos=${figure('ckjs eos')} ` +
        `records=${records} rounds=${rounds} ckjs_max_batch=${maxBatch}`,
    );
  } finally {
    await admin.disconnect();
    await broker.close();
  }
}
