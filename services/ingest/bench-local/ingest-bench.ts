/**
 * Throughput of the ingest service for bulk NDJSON posts, measured over
 * HTTP against a real local broker and registry:
 *
 *   node --import tsx --conditions=source services/ingest/bench-local/ingest-bench.ts \
 *     [--seconds 20] [--concurrency 8] [--records 500] [--linger 5] [--batch 1000]
 *
 * The service runs as its own process (main.ts, as deployed); this process
 * only sends. With KAFKA_BROKERS and SCHEMA_REGISTRY_URL set it uses that
 * stack, otherwise it starts a temporary one (Kafka + Apicurio from the
 * cached jars). It reports requests/s, records/s, latency percentiles, the
 * CPU seconds the service used, and checks that the topic holds exactly the
 * records that were acknowledged. Not a test: numbers depend on the machine.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { RegistryClient } from '@tributary/avro';
import { SensorReadingSchema } from '@tributary/schemas';
import { kafkajs } from '@tributary/streams';
import { ServiceProcess, startLocalStack, type LocalStack } from '@tributary/testing';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '8' },
    records: { type: 'string', default: '500' },
    linger: { type: 'string', default: '5' },
    batch: { type: 'string', default: '1000' },
  },
});
const seconds = Number(args.seconds);
const warmupSeconds = Number(args.warmup);
const concurrency = Number(args.concurrency);
const perRequest = Number(args.records);

function body(seed: number): string {
  const lines: string[] = [];
  for (let i = 0; i < perRequest; i++) {
    const n = seed * perRequest + i;
    lines.push(
      JSON.stringify({
        containerId: `MSCU${String(n % 1000).padStart(7, '0')}`,
        eventTime: new Date(Date.UTC(2025, 0, 1) + n * 1000).toISOString(),
        temperatureC: 4 + (n % 50) / 10,
        humidityPct: 80 + (n % 10),
        coolingPowerKw: 2 + (n % 7) / 10,
        doorOpen: n % 97 === 0,
        gForce: 1,
        gps: n % 3 === 0 ? null : { latitudeDeg: 51.9, longitudeDeg: 4.1, accuracyM: 5 },
      }),
    );
  }
  return lines.join('\n') + '\n';
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of stat (11 and 12 after the command name), in clock ticks (100 per second here).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

let stack: LocalStack | undefined;
let brokers = process.env['KAFKA_BROKERS'];
let registryUrl = process.env['SCHEMA_REGISTRY_URL'];
if (brokers === undefined || registryUrl === undefined) {
  console.error('starting a temporary Kafka + registry…');
  stack = await startLocalStack({ lifetime: 'tied' });
  brokers = stack.endpoints.KAFKA_BOOTSTRAP;
  registryUrl = stack.endpoints.SCHEMA_REGISTRY_URL;
}
const topic = `ingest-bench-${Date.now()}`;
const { Kafka, logLevel } = kafkajs();
const kafka = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
await new RegistryClient({ url: registryUrl }).register(`${topic}-value`, JSON.stringify(SensorReadingSchema.schema));

const service = new ServiceProcess({
  entry: 'services/ingest/src/main.ts',
  env: { KAFKA_BROKERS: brokers, SCHEMA_REGISTRY_URL: registryUrl, INGEST_TOPIC: topic, DLQ_TOPIC: 'none', HTTP_PORT: '0', LOG_LEVEL: 'info', LINGER_MS: args.linger, BATCH_MAX_RECORDS: args.batch },
});
try {
  const url = await service.ready();
  const bodies = Array.from({ length: 32 }, (_, i) => body(i));
  const statuses = new Map<number, number>();
  const latencies: number[] = [];
  let accepted = 0;
  let measuring = false;
  let measuredRequests = 0;
  let measuredRecords = 0;
  let stop = false;
  let next = 0;

  const worker = async (): Promise<void> => {
    while (!stop) {
      const payload = bodies[next++ % bodies.length] as string;
      const started = performance.now();
      const response = await fetch(`${url}/records`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: payload });
      const answer = (await response.json()) as { accepted?: number };
      const elapsed = performance.now() - started;
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status === 200) accepted += answer.accepted ?? 0;
      if (measuring && response.status === 200) {
        measuredRequests++;
        measuredRecords += answer.accepted ?? 0;
        latencies.push(elapsed);
      }
    }
  };
  const workers = Array.from({ length: concurrency }, () => worker());
  await new Promise((resolve) => setTimeout(resolve, warmupSeconds * 1000));
  const pid = service.child.pid as number;
  const cpuBefore = cpuSeconds(pid);
  const started = performance.now();
  measuring = true;
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  measuring = false;
  const elapsed = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(pid) - cpuBefore;
  stop = true;
  await Promise.all(workers);

  const offsets = await admin.fetchTopicOffsets(topic);
  const onTopic = offsets.reduce((sum, o) => sum + Number(o.high), 0);
  latencies.sort((a, b) => a - b);
  const result = {
    concurrency,
    recordsPerRequest: perRequest,
    lingerMs: Number(args.linger),
    batchMaxRecords: Number(args.batch),
    seconds: Number(elapsed.toFixed(1)),
    requestsPerSecond: Math.round(measuredRequests / elapsed),
    recordsPerSecond: Math.round(measuredRecords / elapsed),
    latencyMs: { p50: Number(percentile(latencies, 50).toFixed(1)), p95: Number(percentile(latencies, 95).toFixed(1)), p99: Number(percentile(latencies, 99).toFixed(1)) },
    serviceCpuSeconds: Number(cpu.toFixed(1)),
    recordsPerServiceCpuSecond: Math.round(measuredRecords / cpu),
    statuses: Object.fromEntries(statuses),
    acknowledged: accepted,
    onTopic,
  };
  console.log(JSON.stringify(result, null, 2));
  if (onTopic !== accepted) {
    console.error(`MISMATCH: ${accepted} records acknowledged, ${onTopic} on the topic`);
    process.exitCode = 1;
  }
} finally {
  await service.stop();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  await stack?.stop();
}
