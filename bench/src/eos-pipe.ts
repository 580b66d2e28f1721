/**
 * Exactly-once pipe throughput vs the client's own ceiling. On one broker and
 * one input topic (N small JSON records, 8 partitions, produced once), each
 * variant reads everything and writes one output per input:
 *
 *   raw    kafkajs consumer eachBatch → producer.send, no transactions
 *          (auto-commit) — what kafkajs itself can do;
 *   alos   Tributary stateless mapValues, at-least-once;
 *   eos    Tributary stateless mapValues, exactly-once;
 *   count  Tributary groupByKey().count() exactly-once (every key distinct,
 *          so the store ends with N keys and its changelog N records);
 *   restore a fresh StreamsApp restoring that N-key store from its changelog.
 *
 * Throughput is measured from the first visible progress (committed offsets,
 * or output end offsets for raw) to the last, so group joins and task start
 * are not counted. The last line carries the ratio the issue asks for:
 * exactly-once stateless ÷ raw kafkajs.
 *
 *   npm run bench -- eos-pipe [--records=N] [--commit-interval=ms] [--only=raw,alos,eos,count,restore] [--input=<topic>]
 */
import { CompressionTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { StreamsApp, StreamsBuilder, json, string, type ProcessingGuarantee, type StreamsInstrumentation } from '@tributary/streams';
import { benchKafka } from './support/kafka.js';

const PARTITIONS = 8;

interface Reading {
  readonly id: number;
  readonly sensor: string;
  readonly tempC: number;
  readonly ts: number;
}

/** The same transform on both sides. */
const enrich = (r: Reading): Reading & { tempF: number } => ({ ...r, tempF: r.tempC * 1.8 + 32 });

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function option(args: readonly string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  return args.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

async function createTopics(admin: Admin, ...names: string[]): Promise<void> {
  await admin.createTopics({ topics: names.map((topic) => ({ topic, numPartitions: PARTITIONS })), waitForLeaders: true });
}

/** Writes `count` records, keys `k<i>` (all distinct), with a few producers in parallel. */
async function produceInput(kafka: Kafka, topic: string, count: number): Promise<number> {
  const started = performance.now();
  const producers = 4;
  const chunk = 10_000;
  let next = 0;
  await Promise.all(
    Array.from({ length: producers }, async () => {
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

/**
 * Polls `progress()` until it reaches `total`; the rate counts from the
 * first sample that showed progress, so start-up is excluded.
 */
async function measure(total: number, progress: () => Promise<number>, timeoutMs: number): Promise<{ rate: number; seconds: number }> {
  const deadline = Date.now() + timeoutMs;
  let first: { at: number; done: number } | undefined;
  for (;;) {
    const done = await progress();
    const at = performance.now();
    if (process.env["BENCH_DEBUG"]) console.error(`progress ${done}/${total}`);
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

/** kafkajs alone: consume a batch, transform, send, resolve; offsets auto-committed. */
async function runRaw(kafka: Kafka, admin: Admin, input: string, output: string, total: number): Promise<number> {
  await createTopics(admin, output);
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: `${output}-raw`, maxWaitTimeInMs: 200 });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: input, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: 1,
    eachBatch: async (payload) => {
      const { batch } = payload;
      const messages = batch.messages.map((m) => ({
        key: m.key,
        value: JSON.stringify(enrich(JSON.parse((m.value as Buffer).toString('utf8')) as Reading)),
        timestamp: m.timestamp,
      }));
      // A Produce request's batch per partition must stay under the broker's message.max.bytes (1 MB).
      // Sends of 1,000 messages in parallel (the fastest of those tried); one
      // call's batch per partition must also stay under message.max.bytes.
      const sends = [];
      for (let i = 0; i < messages.length; i += 1_000) {
        sends.push(producer.send({ topic: output, messages: messages.slice(i, i + 1_000), acks: -1, compression: CompressionTypes.None }));
      }
      await Promise.all(sends);
      const last = batch.messages[batch.messages.length - 1];
      if (last !== undefined) payload.resolveOffset(last.offset);
      await payload.heartbeat();
    },
  });
  try {
    return (await measure(total, endOffsetTotal(admin, output), 600_000)).rate;
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
}

function statelessTopology(input: string, output: string): ReturnType<StreamsBuilder['build']> {
  const builder = new StreamsBuilder();
  builder
    .stream(input, { key: string(), value: json<Reading>() })
    .mapValues(enrich)
    .to(output, { key: string(), value: json() });
  return builder.build();
}

function countTopology(input: string, output: string): ReturnType<StreamsBuilder['build']> {
  const builder = new StreamsBuilder();
  builder
    .stream(input, { key: string(), value: json<Reading>() })
    .groupByKey()
    .count({ store: 'counts' })
    .toStream()
    .to(output, { key: string(), value: json() });
  return builder.build();
}

async function runApp(
  bootstrap: string,
  admin: Admin,
  topology: ReturnType<StreamsBuilder['build']>,
  /** Its output topic is `<applicationId>-out`. */
  applicationId: string,
  input: string,
  total: number,
  processingGuarantee: ProcessingGuarantee,
  commitIntervalMs: number,
): Promise<number> {
  await createTopics(admin, `${applicationId}-out`);
  const app = new StreamsApp(topology, { applicationId, kafka: { brokers: [bootstrap], clientId: applicationId, ...(process.env['BENCH_DEBUG'] ? { logLevel: logLevel.WARN } : {}) }, processingGuarantee, commitIntervalMs, ...(process.env['BENCH_DEBUG'] ? { log: (level: string, message: string) => { if (level !== 'debug') console.error(level, message); }, instrumentation: { committed: (t: string, s: number, n: number) => console.error('commit', t, n) } } : {}) });
  await app.start();
  const progress = committedTotal(admin, applicationId, input);
  try {
    return (
      await measure(
        total,
        async () => {
          if (app.state === 'failed') throw new Error(`${applicationId} failed`, { cause: app.failure });
          return await progress();
        },
        600_000,
      )
    ).rate;
  } finally {
    await app.stop();
  }
}

/** A fresh instance of the count app restores its store: records/s from the first restore step to the last. */
async function runRestore(bootstrap: string, topology: ReturnType<StreamsBuilder['build']>, applicationId: string): Promise<{ rate: number; records: number; keys: number; seconds: number }> {
  let firstAt: number | undefined;
  let lastAt = 0;
  let records = 0;
  let completed = 0;
  const instrumentation: StreamsInstrumentation = {
    restoreProgress: () => {
      firstAt ??= performance.now();
    },
    restoreCompleted: (_store, _partition, n) => {
      records += n;
      completed += 1;
      lastAt = performance.now();
    },
  };
  const app = new StreamsApp(topology, { applicationId, kafka: { brokers: [bootstrap], clientId: `${applicationId}-restore` }, instrumentation });
  await app.start();
  try {
    const deadline = Date.now() + 600_000;
    while (completed < PARTITIONS || !app.ready) {
      if (Date.now() > deadline) throw new Error(`restore timed out (${completed}/${PARTITIONS} partitions, ${records} records)`);
      await sleep(50);
    }
    let keys = 0;
    for (const store of app.localStores('counts').values()) keys += store.size();
    const seconds = (lastAt - (firstAt ?? lastAt)) / 1000;
    console.log(`  restore: ${fmt(records)} changelog records → ${fmt(keys)} keys in ${seconds.toFixed(2)} s (8 partitions restored in parallel)`);
    return { rate: records / seconds, records, keys, seconds };
  } finally {
    await app.stop();
  }
}

export default async function eosPipeBench(args: readonly string[]): Promise<void> {
  const records = Number(option(args, 'records') ?? 1_000_000);
  const commitIntervalMs = Number(option(args, 'commit-interval') ?? 100);
  const only = new Set((option(args, 'only') ?? 'raw,alos,eos,count,restore').split(','));
  if (!Number.isInteger(records) || records <= 0) throw new RangeError(`--records must be a positive integer, got ${option(args, 'records')}`);
  if (only.has('restore')) only.add('count');

  const broker = await benchKafka();
  const kafka = new Kafka({ clientId: 'eos-pipe-bench', brokers: [broker.bootstrap], logLevel: process.env['BENCH_DEBUG'] ? logLevel.ERROR : logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const run = Date.now().toString(36);
    // --input=<topic> reuses an input topic of an earlier run (e.g. to profile only the processing).
    const reuse = option(args, 'input');
    const input = reuse ?? `eos-pipe-in-${run}`;
    let produceRate = Number.NaN;
    if (reuse === undefined) {
      await createTopics(admin, input);
      produceRate = await produceInput(kafka, input, records);
    } else if ((await endOffsetTotal(admin, input)()) !== records) {
      throw new Error(`--input=${input} does not hold --records=${records} records`);
    }
    console.log(
      `eos-pipe bench: ${fmt(records)} JSON records (~${JSON.stringify({ id: records, sensor: 's-4999', tempC: 5.98, ts: 1_735_689_600_000 }).length} bytes) on ${PARTITIONS} partitions, ` +
        `commitIntervalMs=${commitIntervalMs}, Node ${process.version}; input produced at ${fmt(produceRate)} records/s`,
    );
    const rates = new Map<string, number>();
    const report = (name: string, label: string, rate: number): void => {
      rates.set(name, rate);
      console.log(`  ${label.padEnd(44)} ${fmt(rate).padStart(10)} events/s`);
    };
    // Raw runs first and again last; the better of the two is the ceiling (the first run can meet a broker still busy with the input).
    if (only.has('raw')) report('raw1', 'raw kafkajs consume→produce (no tx)', await runRaw(kafka, admin, input, `eos-pipe-raw-${run}`, records));
    if (only.has('alos')) {
      const id = `eos-pipe-alos-${run}`;
      report('alos', 'tributary stateless at-least-once', await runApp(broker.bootstrap, admin, statelessTopology(input, `${id}-out`), id, input, records, 'at_least_once', commitIntervalMs));
    }
    if (only.has('eos')) {
      const id = `eos-pipe-eos-${run}`;
      report('eos', 'tributary stateless exactly-once', await runApp(broker.bootstrap, admin, statelessTopology(input, `${id}-out`), id, input, records, 'exactly_once', commitIntervalMs));
    }
    let restore: Awaited<ReturnType<typeof runRestore>> | undefined;
    if (only.has('count')) {
      const id = `eos-pipe-count-${run}`;
      const topology = countTopology(input, `${id}-out`);
      report('count', 'tributary stateful count exactly-once', await runApp(broker.bootstrap, admin, topology, id, input, records, 'exactly_once', commitIntervalMs));
      if (only.has('restore')) {
        restore = await runRestore(broker.bootstrap, countTopology(input, `${id}-out`), id);
        console.log(`  ${`changelog restore (${fmt(restore.keys)}-key store)`.padEnd(44)} ${fmt(restore.rate).padStart(10)} records/s`);
      }
    }
    if (only.has('raw')) {
      report('raw2', 'raw kafkajs again (ceiling = the better run)', await runRaw(kafka, admin, input, `eos-pipe-raw2-${run}`, records));
      rates.set('raw', Math.max(rates.get('raw1') ?? 0, rates.get('raw2') ?? 0));
    }
    const ratio = (a: string, b: string): string => {
      const x = rates.get(a);
      const y = rates.get(b);
      return x === undefined || y === undefined ? 'n/a' : (x / y).toFixed(2);
    };
    const figure = (name: string): string => (rates.has(name) ? String(Math.round(rates.get(name) as number)) : 'n/a');
    console.log(
      `bench eos-pipe: ratio=${ratio('eos', 'raw')} alos_vs_raw=${ratio('alos', 'raw')} count_vs_raw=${ratio('count', 'raw')} ` +
        `raw=${figure('raw')} alos=${figure('alos')} eos=${figure('eos')} count=${figure('count')} ` +
        `restore_records_per_s=${restore === undefined ? 'n/a' : Math.round(restore.rate)} records=${records} commit_interval_ms=${commitIntervalMs}`,
    );
  } finally {
    await admin.disconnect();
    await broker.close();
  }
}
