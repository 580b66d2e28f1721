/**
 * Tributary side by side with Apache Kafka Streams (issue 9), on one broker,
 * the same Avro input, in one run:
 *
 *   topologies  stateless map, stateful count, tumbling-window
 *               count+sum+min+max with final emit — each run by Tributary
 *               (bench/src/compare/tributary-app.ts) and by Kafka Streams
 *               (bench/kstreams), exactly-once, same commit interval, same
 *               partitions, each as its own process; events/s from the first
 *               committed progress to the last input offset committed, peak RSS
 *               of the process, and the outputs checked equal (count + digest);
 *   latency     p99 of input sent → output visible (read_committed) at a
 *               paced rate, per topology and system (compare/latency.ts);
 *   restore     a fresh instance of each count app restores its 1M-key store
 *               from the changelog;
 *   ceilings    raw kafkajs consume→produce doing the stateless work without
 *               transactions — with the runtime's kafkajs copy (its linear
 *               grouping and one-pass Produce encoder), so the ratio measures
 *               the runtime, not the client; Kafka's producer and consumer
 *               perf tools.
 *
 *   npm run bench -- compare [--records=2000000] [--partitions=8] [--commit-interval=100] [--compression=none|gzip]
 *     [--keys=10000] [--only=stateless,count,windows,restore,latency,raw,perf]
 *     [--latency-rate=2000] [--latency-seconds=10] [--latency-warmup-seconds=2] [--cpu-prof=<dir>]  (Tributary's apps under node --cpu-prof, one folder per topology)
 *
 * `--compression=gzip` compresses every topic, as a pipeline whose producers
 * all compress: the generated input, what both systems write (outputs and
 * changelogs: Tributary's `compression`, Kafka Streams' producer
 * `compression.type`) and the raw ceiling's sends.
 *
 * Uses KAFKA_BOOTSTRAP and SCHEMA_REGISTRY_URL if both are set, else starts a
 * local stack (Kafka + Apicurio) for the run. The last line is
 * `bench compare: windows_ratio=<n> stateless_ratio=<n> count_ratio=<n> restore_ratio=<n> …`
 * (ratios are Tributary ÷ Kafka Streams throughput).
 */
import { RegistryClient, avroSerde } from '@tributary/avro';
import { startLocalStack } from '@tributary/testing';
import { kafkajs } from '@tributary/streams';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from './compare/args.js';
import { Child } from './compare/child.js';
import { buildKStreams } from './compare/kstreams-build.js';
import { measureLatency, type TopologyName } from './compare/latency.js';
import { consumerPerf, producerPerf } from './compare/perf-tools.js';
import { topSelfTime, type CpuProfile } from './compare/profile.js';
import { fmt, formatReport, type AppFigures, type CompareResult, type RestoreFigures, type TopologyResult } from './compare/report.js';
import { BENCH_READING_OUT_SCHEMA, BENCH_READING_SCHEMA, WINDOW_STATS_SCHEMA, type BenchReading, type BenchReadingOut, type WindowStats } from './compare/schemas.js';
import { committedTotal, digestTopic, endOffsetTotal, expectedWindows, keyedInput, measure, produceInput, runRaw, windowedInput } from './compare/topics.js';

const TRIBUTARY_APP = path.join(path.dirname(fileURLToPath(import.meta.url)), 'compare', 'tributary-app.ts');
const KSTREAMS_MAIN = 'io.tributary.bench.KStreamsBench';
const SYSTEMS = ['tributary', 'kstreams'] as const;
type System = (typeof SYSTEMS)[number];

const log = (line: string): void => console.error(line);

function positive(args: Map<string, string>, name: string, fallback: number): number {
  const raw = args.get(name);
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`--${name} must be a positive integer, got ${raw}`);
  return n;
}

export default async function compareBench(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv);
  const records = positive(args, 'records', 2_000_000);
  const partitions = positive(args, 'partitions', 8);
  const commitIntervalMs = positive(args, 'commit-interval', 100);
  const compression = args.get('compression') ?? 'none';
  if (compression !== 'none' && compression !== 'gzip') throw new RangeError(`--compression must be none or gzip, got ${compression}`);
  const windowKeys = positive(args, 'keys', 10_000);
  const latencyRate = positive(args, 'latency-rate', 2_000);
  const latencySeconds = positive(args, 'latency-seconds', 10);
  const latencyWarmupSeconds = positive(args, 'latency-warmup-seconds', 2);
  const only = new Set((args.get('only') ?? 'stateless,count,windows,restore,latency,raw,perf').split(','));
  const cpuProfDir = args.get('cpu-prof');
  if (only.has('restore')) only.add('count');

  const java = process.env['JAVA_HOME'] ? path.join(process.env['JAVA_HOME'], 'bin', 'java') : 'java';
  const build = await buildKStreams(log);

  const givenKafka = process.env['KAFKA_BOOTSTRAP'];
  const givenRegistry = process.env['SCHEMA_REGISTRY_URL'];
  const useGiven = givenKafka !== undefined && givenKafka !== '' && givenRegistry !== undefined && givenRegistry !== '';
  if (!useGiven) log('bench: KAFKA_BOOTSTRAP / SCHEMA_REGISTRY_URL not both set; starting a local stack (Kafka + Apicurio) for this run…');
  const stack = useGiven ? undefined : await startLocalStack({ log: (l) => log(`stack: ${l}`) });
  const bootstrap = useGiven ? (givenKafka) : (stack?.endpoints.KAFKA_BOOTSTRAP as string);
  const registryUrl = useGiven ? (givenRegistry) : (stack?.endpoints.SCHEMA_REGISTRY_URL as string);
  const work = mkdtempSync(path.join(os.tmpdir(), 'tributary-compare-'));
  const { Kafka, logLevel } = kafkajs();
  const kafka = new Kafka({ clientId: 'compare-bench', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const registry = new RegistryClient({ url: registryUrl });
    const inSerde = avroSerde<BenchReading>(BENCH_READING_SCHEMA, { registry });
    const readingOut = avroSerde<BenchReadingOut>(BENCH_READING_OUT_SCHEMA, { registry });
    const statsOut = avroSerde<WindowStats>(WINDOW_STATS_SCHEMA, { registry });
    const schemaFile = (name: string, schema: unknown): string => {
      const file = path.join(work, `${name}.avsc`);
      writeFileSync(file, JSON.stringify(schema));
      return file;
    };
    const files = { in: schemaFile('in', BENCH_READING_SCHEMA), stateless: schemaFile('stateless', BENCH_READING_OUT_SCHEMA), windows: schemaFile('windows', WINDOW_STATS_SCHEMA) };

    /** Starts `system` running `topology` from `input` to `output` (schemas registered here first, ids passed to Java). */
    const start = async (system: System, topology: TopologyName, applicationId: string, input: string, output: string, extra: { restore?: boolean; cpuProf?: string } = {}): Promise<Child> => {
      const common = [`--topology=${topology}`, `--bootstrap=${bootstrap}`, `--application-id=${applicationId}`, `--input=${input}`, `--output=${output}`, `--commit-interval=${commitIntervalMs}`, `--compression=${compression}`, `--partitions=${partitions}`, ...(extra.restore ? ['--restore'] : [])];
      if (system === 'tributary') {
        const node = [...process.execArgv, ...(extra.cpuProf === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${extra.cpuProf}`])];
        return new Child(`tributary ${topology}`, process.execPath, [...node, TRIBUTARY_APP, ...common, `--registry=${registryUrl}`]);
      }
      const inId = await inSerde.prepare(input);
      const out = topology === 'stateless' ? ['--out-schema=' + files.stateless, `--out-id=${await readingOut.prepare(output)}`] : topology === 'windows' ? ['--out-schema=' + files.windows, `--out-id=${await statsOut.prepare(output)}`] : [];
      return new Child(`kafka streams ${topology}`, java, ['-Xms256m', '-Xmx2g', '-cp', build.classpath, KSTREAMS_MAIN, ...common, `--in-schema=${files.in}`, `--in-id=${inId}`, ...out]);
    };
    const createTopics = async (...names: string[]): Promise<void> => {
      await admin.createTopics({ topics: names.map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true });
    };

    const run = `cmp-${Date.now().toString(36)}`;
    const keyedTopic = `${run}-in`;
    const windowTopic = `${run}-win`;
    await createTopics(keyedTopic, windowTopic);
    await inSerde.prepare(keyedTopic);
    await inSerde.prepare(windowTopic);
    let produceStarted = performance.now();
    const recordBytes = await produceInput(kafka, keyedTopic, records, keyedInput(records), inSerde, compression);
    log(`bench: ${fmt(records)} keyed records (${recordBytes.toFixed(1)} bytes each) produced in ${((performance.now() - produceStarted) / 1000).toFixed(1)} s`);
    const windowPlan = windowedInput(records, windowKeys);
    const closeTs = windowPlan.closeTs as number;
    /** One record per partition of the windows input at `ts` (the key names why). */
    const perPartition = async (name: string, ts: number): Promise<void> => {
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic: windowTopic,
        acks: -1,
        messages: Array.from({ length: partitions }, (_, p) => ({
          key: `${name}-${p}`,
          partition: p,
          value: inSerde.serialize({ id: -1, sensor: name, value: 0, ts: new Date(ts) }, { topic: windowTopic, isKey: false }) as Buffer,
        })),
      });
      await producer.disconnect();
    };
    if (only.has('windows')) {
      produceStarted = performance.now();
      await produceInput(kafka, windowTopic, records, windowPlan, inSerde, compression);
      // Past the last window on every partition: the windows close.
      await perPartition('flush', closeTs);
      log(`bench: ${fmt(records)} windowed records (${fmt(windowKeys)} keys) produced in ${((performance.now() - produceStarted) / 1000).toFixed(1)} s`);
    }

    const header =
      `compare bench: ${fmt(records)} Avro records (${recordBytes.toFixed(0)} bytes) per topology on ${partitions} partitions, exactly-once, commit interval ${commitIntervalMs} ms, compression ${compression}, ` +
      `Node ${process.version} vs Kafka Streams 4.3.1 (Java ${process.env['JAVA_HOME'] ?? 'on PATH'}, -Xmx2g, 1 stream thread, in-memory stores, record cache off for count)`;
    log(header);

    const topologies: TopologyResult[] = [];
    let restore: CompareResult['restore'];
    const profileSummary: string[] = [];
    for (const topology of ['stateless', 'count', 'windows'] as const) {
      if (!only.has(topology)) continue;
      const input = topology === 'windows' ? windowTopic : keyedTopic;
      const end = endOffsetTotal(admin, input);
      const figures = new Map<System, AppFigures & { output: string; applicationId: string }>();
      for (const system of SYSTEMS) {
        const applicationId = `${run}-${topology}-${system}`;
        const output = `${applicationId}-out`;
        await createTopics(output);
        const profileHere = cpuProfDir !== undefined && system === 'tributary' ? path.resolve(cpuProfDir, topology) : undefined;
        if (profileHere !== undefined) mkdirSync(profileHere, { recursive: true });
        // Everything in the input now (the windows input grows by the nudges below).
        const total = await end();
        const child = await start(system, topology, applicationId, input, output, profileHere === undefined ? {} : { cpuProf: profileHere });
        try {
          const { rate, seconds } = await measure(total, committedTotal(admin, applicationId, input), () => child.assertAlive());
          figures.set(system, { eventsPerSec: rate, p99Ms: undefined, peakRssMb: child.peakRssMb, output, applicationId });
          log(`  ${topology} / ${system}: ${fmt(rate)} events/s over ${seconds.toFixed(1)} s, peak RSS ${fmt(child.peakRssMb)} MB`);
          if (topology === 'windows') {
            // Kafka Streams looks for closed windows at most once a second of wall-clock time (onWindowClose's
            // default), and only when a record comes: a later record per partition lets it emit the last ones.
            // Same event minute as the flush, so no window of its own closes; Tributary gets the same records.
            await sleep(1_500);
            await perPartition('nudge', closeTs + 1_000);
            await measure(total + partitions, committedTotal(admin, applicationId, input), () => child.assertAlive());
            await sleep(1_000);
          }
        } finally {
          await child.stop();
        }
        if (profileHere !== undefined) profileSummary.push(...summariseProfile(profileHere, topology));
      }
      const t = figures.get('tributary') as AppFigures & { output: string };
      const k = figures.get('kstreams') as AppFigures & { output: string };
      const avro = topology !== 'count';
      // Every input record makes one output in stateless and count; windows: one per key and event minute.
      const expected = topology === 'windows' ? expectedWindows(records, windowKeys) : records;
      const [dt, dk] = await Promise.all([digestTopic(kafka, t.output, avro, expected), digestTopic(kafka, k.output, avro, expected)]);
      const equal = dt.records === expected && dt.records === dk.records && dt.sum === dk.sum;
      log(
        `  ${topology}: outputs ${equal ? 'equal' : 'DIFFERENT'} (expected ${fmt(expected)} records; tributary ${fmt(dt.records)} read in ${(dt.waitedMs / 1000).toFixed(1)} s, ` +
          `kafka streams ${fmt(dk.records)} read in ${(dk.waitedMs / 1000).toFixed(1)} s)`,
      );

      if (only.has('latency')) {
        for (const system of SYSTEMS) {
          const applicationId = `${run}-lat-${topology}-${system}`;
          const input2 = `${applicationId}-in`;
          const output2 = `${applicationId}-out`;
          await inSerde.prepare(input2);
          const { p50, p99, outputs } = await measureLatency({
            kafka, admin, topology, input: input2, output: output2, applicationId, partitions, rate: latencyRate, seconds: latencySeconds, warmupSeconds: latencyWarmupSeconds, inSerde, outSerde: readingOut,
            start: () => start(system, topology, applicationId, input2, output2),
          });
          const f = figures.get(system) as AppFigures & { output: string; applicationId: string };
          figures.set(system, { ...f, p99Ms: p99 });
          log(`  ${topology} / ${system}: p50 ${fmt(p50)} ms, p99 ${fmt(p99)} ms over ${fmt(outputs)} outputs at ${fmt(latencyRate)} records/s`);
        }
      }
      const ft = figures.get('tributary') as AppFigures;
      const fk = figures.get('kstreams') as AppFigures;
      topologies.push({ name: topology, tributary: ft, kstreams: fk, outputsEqual: equal, outputRecords: dt.records });

      if (topology === 'count' && only.has('restore')) {
        const restored = new Map<System, RestoreFigures>();
        for (const system of SYSTEMS) {
          const applicationId = `${run}-count-${system}`;
          const restoreProf = cpuProfDir !== undefined && system === 'tributary' ? { cpuProf: path.resolve(cpuProfDir, 'restore') } : {};
          const child = await start(system, 'count', applicationId, keyedTopic, `${applicationId}-out`, { restore: true, ...restoreProf });
          try {
            const line = await child.line(/^restored records=\d+ ms=\d+$/, 600_000);
            const m = /records=(\d+) ms=(\d+)/.exec(line) as RegExpExecArray;
            restored.set(system, { records: Number(m[1]), ms: Number(m[2]) });
            log(`  restore / ${system}: ${fmt(Number(m[1]))} changelog records in ${(Number(m[2]) / 1000).toFixed(2)} s`);
          } finally {
            await child.stop();
          }
        }
        restore = { tributary: restored.get('tributary') as RestoreFigures, kstreams: restored.get('kstreams') as RestoreFigures };
      }
    }

    const ceilings: { rawKafkajs?: number; producerPerf?: { recordsPerSec: number; p99LatencyMs: number }; consumerPerf?: { fetchRecordsPerSec: number } } = {};
    if (only.has('raw')) {
      const output = `${run}-raw-out`;
      await createTopics(output);
      await readingOut.prepare(output);
      ceilings.rawKafkajs = await runRaw(kafka, admin, keyedTopic, output, records, inSerde, readingOut, compression);
      log(`  raw kafkajs pipe: ${fmt(ceilings.rawKafkajs)} events/s`);
    }
    if (only.has('perf')) {
      const topic = `${run}-perf`;
      await createTopics(topic);
      const p = await producerPerf(java, build.classpath, bootstrap, topic, records, Math.round(recordBytes));
      ceilings.producerPerf = p;
      const c = await consumerPerf(java, build.classpath, bootstrap, keyedTopic, records);
      ceilings.consumerPerf = c;
      log(`  producer-perf-test: ${fmt(p.recordsPerSec)} records/s (p99 ${fmt(p.p99LatencyMs)} ms); consumer-perf-test: ${fmt(c.fetchRecordsPerSec)} records/s while fetching`);
    }

    const result: CompareResult = { records, partitions, commitIntervalMs, compression, latencyRate, topologies, ceilings, ...(restore === undefined ? {} : { restore }) };
    console.log(header);
    console.log(`  (p99 ms: input sent → output visible to a read_committed consumer at ${fmt(latencyRate)} records/s for ${latencySeconds} s after ${latencyWarmupSeconds} s of warm-up; windows: from the window's end)`);
    for (const line of profileSummary) console.log(line);
    for (const line of formatReport(result)) console.log(line);
  } finally {
    await admin.disconnect();
    rmSync(work, { recursive: true, force: true });
    await stack?.stop();
  }
}

/** The top self-time functions of the main thread's .cpuprofile in `dir`, as report lines. */
function summariseProfile(dir: string, topology: string): string[] {
  // The largest file is the main thread's (tsx's loader worker writes a small, mostly idle one beside it).
  const file = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort((a, b) => statSync(path.join(dir, a)).size - statSync(path.join(dir, b)).size)
    .pop();
  if (file === undefined) return [`  (no .cpuprofile written in ${dir})`];
  const top = topSelfTime(JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile, 15);
  return [
    `  cpu profile of tributary ${topology} (${path.join(dir, file)}), top self time:`,
    ...top.map((t) => `    ${(t.share * 100).toFixed(1).padStart(5)}%  ${fmt(t.ms).padStart(7)} ms  ${t.fn}  ${t.where}`),
  ];
}
