/**
 * Windowed aggregation, exactly-once, on a real broker: tumbling one-minute
 * event-time windows with count, sum, min and max per key, final emit, over
 * `--records` (default 1,000,000) JSON records of `--keys` (default 10,000)
 * keys on `--partitions` (default 4) partitions. Measures the rate from the
 * app's start until every input offset is committed, and the process's peak
 * RSS; then, in-process, the heap held per million open windows of the
 * window store. Uses `KAFKA_BOOTSTRAP` if set, else starts a local stack.
 */
import { StreamsApp, StreamsBuilder, TransactionalWindowStore, json, string, tumbling, windowedSerde } from '@tributary/streams';
import { startLocalStack } from '@tributary/testing';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

interface Stats {
  count: number;
  sum: number;
  min: number;
  max: number;
}

const arg = (args: readonly string[], name: string, fallback: number): number => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const rssMb = (): number => process.resourceUsage().maxRSS / 1024;

function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Heap bytes one committed open window costs in the window store (key string, window, aggregate object). */
function bytesPerOpenWindow(windows: number): number {
  const store = new TransactionalWindowStore<string, Stats>({ name: 'm', changelogTopic: undefined, keySerde: string(), valueSerde: json<Stats>() });
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < windows; i++) {
    const start = (i % 60) * 60_000;
    store.put(`container-${Math.floor(i / 60)}`, start, start + 60_000, { count: 1, sum: i, min: i, max: i });
    if (i % 10_000 === 9_999) store.commit();
  }
  store.commit();
  gc();
  const used = process.memoryUsage().heapUsed - before;
  if (store.liveSize() !== windows) throw new Error('window count mismatch');
  return used / windows;
}

export default async function windowsBench(args: readonly string[]): Promise<void> {
  const records = arg(args, 'records', 1_000_000);
  const keys = arg(args, 'keys', 10_000);
  const partitions = arg(args, 'partitions', 4);
  const given = process.env['KAFKA_BOOTSTRAP'];
  const stack = given === undefined || given === '' ? await startLocalStack({ registry: false, log: (l) => console.error(`stack: ${l}`) }) : undefined;
  const bootstrap = given !== undefined && given !== '' ? given : (stack?.endpoints.KAFKA_BOOTSTRAP ?? '');
  try {
    const kafka = new Kafka({ clientId: 'bench-windows', brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const id = randomUUID().slice(0, 8);
    const input = `bench-win-in-${id}`;
    const output = `bench-win-out-${id}`;
    await admin.createTopics({ topics: [input, output].map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true });

    // Event time: 10 records per key per minute, in order per key, near the wall clock.
    const perMinute = keys * 10;
    const base = Date.now() - Math.ceil(records / perMinute) * 60_000 - 120_000;
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const produceStarted = performance.now();
    for (let done = 0; done < records; done += 10_000) {
      const messages = [];
      for (let i = done; i < Math.min(records, done + 10_000); i++) {
        const t = base + Math.floor((i / perMinute) * 60_000);
        messages.push({ key: `container-${i % keys}`, value: JSON.stringify({ t, v: (i * 7919) % 1000 }) });
      }
      await producer.send({ topic: input, messages, acks: -1 });
    }
    // Closes the last minute on every partition.
    await producer.send({
      topic: input,
      messages: Array.from({ length: partitions }, (_, p) => ({ key: `flush-${p}`, partition: p, value: JSON.stringify({ t: Date.now() + 600_000, v: 0 }) })),
      acks: -1,
    });
    await producer.disconnect();
    const produceSeconds = (performance.now() - produceStarted) / 1000;
    const total = records + partitions;

    const builder = new StreamsBuilder();
    builder
      .stream(input, { key: string(), value: json<{ t: number; v: number }>() }, { timestampExtractor: (r) => r.value.t })
      .groupByKey()
      .windowedBy(tumbling('1m'))
      .aggregate<Stats>(
        () => ({ count: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY }),
        (_k, r, s) => ({ count: s.count + 1, sum: s.sum + r.v, min: Math.min(s.min, r.v), max: Math.max(s.max, r.v) }),
        { store: 'container-1m', emit: 'final' },
      )
      .toStream()
      .to(output, { key: windowedSerde(string()), value: json<Stats>() });
    const app = new StreamsApp(builder.build(), {
      applicationId: `bench-win-${id}`,
      kafka: { brokers: [bootstrap], clientId: 'bench-windows-app', logLevel: logLevel.NOTHING },
      processingGuarantee: 'exactly_once',
      commitIntervalMs: 100,
    });
    const started = performance.now();
    await app.start();
    let committed = 0;
    while (committed < total) {
      await sleep(250);
      const offsets = await admin.fetchOffsets({ groupId: `bench-win-${id}`, topics: [input] });
      committed = offsets[0]?.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0) ?? 0;
    }
    const seconds = (performance.now() - started) / 1000;
    const peakRss = rssMb();
    await app.stop();
    await admin.disconnect();

    const eventsPerSecond = total / seconds;
    const perWindow = bytesPerOpenWindow(1_000_000);
    console.log(
      `windows bench: ${fmt(records)} records, ${fmt(keys)} keys, ${partitions} partitions, tumbling 1m count+sum+min+max, final emit, exactly_once, Node ${process.version}`,
    );
    console.log(`  produce ${produceSeconds.toFixed(1)} s; process+commit ${seconds.toFixed(1)} s: ${fmt(eventsPerSecond)} events/s; peak RSS ${fmt(peakRss)} MB`);
    console.log(`  window store: ${fmt(perWindow)} bytes of heap per open window = ${fmt(perWindow)} MB per million open windows`);
    console.log(`bench windows: events_per_s=${Math.round(eventsPerSecond)} rss_mb=${Math.round(peakRss)} mb_per_million_open_windows=${Math.round(perWindow)} records=${records} keys=${keys}`);
  } finally {
    await stack?.stop();
  }
}
