/**
 * The Tributary side of `npm run bench -- compare`, run as its own process
 * (so its peak RSS is its own, as the Java app's is): the same three
 * topologies as bench/kstreams, the same arguments, the same stdout lines.
 *
 *   node <tsx loader> bench/src/compare/tributary-app.ts --topology=stateless|count|windows
 *     --bootstrap=host:port --registry=URL --application-id=ID --input=T --output=T
 *     [--commit-interval=100] [--partitions=8] [--restore]
 *
 * Prints `ready` once every task runs, `restored records=N ms=M` (with
 * `--restore`) once every partition of the `counts` store is restored;
 * SIGTERM stops the app and exits 0.
 */
import { RegistryClient, avroSerde } from '@tributary/avro';
import { StreamsApp, StreamsBuilder, json, string, tumbling, type Compression, type KStream, type StreamsInstrumentation } from '@tributary/streams';
import { logLevel } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from './args.js';
import { BENCH_READING_OUT_SCHEMA, BENCH_READING_SCHEMA, WINDOW_STATS_SCHEMA, toFahrenheit, type BenchReading, type BenchReadingOut, type WindowStats } from './schemas.js';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const need = (name: string): string => {
    const v = args.get(name);
    if (v === undefined || v === '') throw new Error(`--${name} is required`);
    return v;
  };
  const topology = need('topology');
  const input = need('input');
  const output = need('output');
  const partitions = Number(args.get('partitions') ?? 8);
  const registry = new RegistryClient({ url: need('registry') });
  const inSerde = avroSerde<BenchReading>(BENCH_READING_SCHEMA, { registry });
  // Warm the serdes now so the hot path is synchronous from the first record (Java got its ids as arguments).
  await inSerde.warm(await inSerde.prepare(input));

  const builder = new StreamsBuilder();
  const source = (): KStream<string, BenchReading> =>
    builder.stream<string, BenchReading>(input, { key: string(), value: inSerde }, topology === 'windows' ? { timestampExtractor: (r) => r.value.ts.getTime() } : {});
  if (topology === 'stateless') {
    const outSerde = avroSerde<BenchReadingOut>(BENCH_READING_OUT_SCHEMA, { registry });
    await outSerde.prepare(output);
    source().mapValues(toFahrenheit).to(output, { key: string(), value: outSerde });
  } else if (topology === 'count') {
    source()
      .groupByKey()
      .count({ store: 'counts' })
      .toStream()
      .mapValues((n) => String(n))
      .to(output, { key: string(), value: string() });
  } else if (topology === 'windows') {
    const outSerde = avroSerde<WindowStats>(WINDOW_STATS_SCHEMA, { registry });
    await outSerde.prepare(output);
    source()
      .groupByKey()
      .windowedBy(tumbling('1m'))
      .aggregate<WindowStats>(
        () => ({ count: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY }),
        (_k, r, s) => ({ count: s.count + 1, sum: s.sum + r.value, min: Math.min(s.min, r.value), max: Math.max(s.max, r.value) }),
        { store: 'windows', emit: 'final', valueSerde: json<WindowStats>() },
      )
      .toStream()
      .map((wk, s): readonly [string, WindowStats] => [`${wk.key}@${wk.window.start}`, s])
      .to(output, { key: string(), value: outSerde });
  } else {
    throw new Error(`--topology must be stateless, count or windows, got ${topology}`);
  }

  let firstRestore: number | undefined;
  let restoredRecords = 0;
  let restoredPartitions = 0;
  const instrumentation: StreamsInstrumentation = {
    restoreProgress: () => {
      firstRestore ??= performance.now();
    },
    restoreCompleted: (_store, _partition, records) => {
      firstRestore ??= performance.now();
      restoredRecords += records;
      restoredPartitions += 1;
      if (args.has('restore') && restoredPartitions === partitions) {
        console.log(`restored records=${restoredRecords} ms=${Math.round(performance.now() - firstRestore)}`);
      }
    },
  };
  const app = new StreamsApp(builder.build(), {
    applicationId: need('application-id'),
    kafka: { brokers: [need('bootstrap')], clientId: need('application-id'), logLevel: logLevel.NOTHING },
    processingGuarantee: 'exactly_once',
    commitIntervalMs: Number(args.get('commit-interval') ?? 100),
    compression: (args.get('compression') ?? 'none') as Compression,
    instrumentation,
  });
  let stopping = false;
  process.on('SIGTERM', () => {
    stopping = true;
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
  await app.start();
  while (!app.ready) {
    if (app.state === 'failed') throw new Error('the app failed while starting', { cause: app.failure });
    await sleep(20);
  }
  console.log('ready');
  while (!stopping) {
    if (app.state === 'failed') throw new Error('the app failed', { cause: app.failure });
    await sleep(200);
  }
}

main().catch((error: unknown) => {
  console.error('tributary-app:', error);
  process.exit(1);
});
