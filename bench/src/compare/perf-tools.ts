/**
 * The broker's own ceiling: Kafka's producer and consumer perf tools
 * (org.apache.kafka.tools.ProducerPerformance / ConsumerPerformance, the
 * classes behind kafka-producer-perf-test.sh and kafka-consumer-perf-test.sh),
 * run from the reference app's classpath (kafka-tools, same version as its
 * kafka-streams), and their summaries parsed.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ProducerPerfResult {
  readonly records: number;
  readonly recordsPerSec: number;
  readonly mbPerSec: number;
  readonly avgLatencyMs: number;
  readonly p99LatencyMs: number;
}

export interface ConsumerPerfResult {
  readonly records: number;
  /** Records/s over the whole run, group join included. */
  readonly recordsPerSec: number;
  /** Records/s while fetching (the tool's fetch.nMsg.sec: rebalance time left out). */
  readonly fetchRecordsPerSec: number;
  readonly mbPerSec: number;
}

/**
 * The last summary line of ProducerPerformance, e.g.
 * `2000000 records sent, 412371.1 records/sec (25.17 MB/sec), 801.36 ms avg latency, 1520.00 ms max latency, 793 ms 50th, 1402 ms 95th, 1489 ms 99th, 1512 ms 99.9th.`
 */
export function parseProducerPerf(output: string): ProducerPerfResult {
  const line = output
    .split('\n')
    .filter((l) => /records sent,.*records\/sec.*99th/.test(l))
    .pop();
  const m = line === undefined ? null : /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency.*?, ([\d.]+) ms 99th/.exec(line.trim());
  if (m === null) throw new Error(`ProducerPerformance printed no summary line ("N records sent, … ms 99th"); its output ended:\n${output.slice(-600)}`);
  return { records: Number(m[1]), recordsPerSec: Number(m[2]), mbPerSec: Number(m[3]), avgLatencyMs: Number(m[4]), p99LatencyMs: Number(m[5]) };
}

/** ConsumerPerformance's CSV: a header line naming the columns (`data.consumed.in.nMsg, nMsg.sec, …`) and one line of values. */
export function parseConsumerPerf(output: string): ConsumerPerfResult {
  const lines = output.split('\n').map((l) => l.trim());
  const headerAt = lines.findIndex((l) => l.includes('nMsg.sec'));
  const values = headerAt < 0 ? undefined : lines[headerAt + 1];
  if (headerAt < 0 || values === undefined || values === '') throw new Error(`ConsumerPerformance printed no header with nMsg.sec and values; its output ended:\n${output.slice(-600)}`);
  const names = (lines[headerAt] as string).split(',').map((s) => s.trim());
  const cells = values.split(',').map((s) => s.trim());
  const column = (name: string): number => {
    const i = names.indexOf(name);
    const v = i < 0 ? Number.NaN : Number(cells[i]);
    if (!Number.isFinite(v)) throw new Error(`ConsumerPerformance column ${name} missing or not a number in "${values}" (columns: ${names.join(', ')})`);
    return v;
  };
  return { records: column('data.consumed.in.nMsg'), recordsPerSec: column('nMsg.sec'), fetchRecordsPerSec: column('fetch.nMsg.sec'), mbPerSec: column('MB.sec') };
}

async function tool(java: string, classpath: string, main: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run(java, ['-Xmx1g', '-cp', classpath, main, ...args], { timeout: 15 * 60_000, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${main} failed: ${e.message}\n${(e.stderr ?? '').slice(-800)}`);
  }
}

/** Writes `records` records of `recordSize` bytes to `topic` as fast as the producer goes (acks=all, like the apps). */
export async function producerPerf(java: string, classpath: string, bootstrap: string, topic: string, records: number, recordSize: number): Promise<ProducerPerfResult> {
  const out = await tool(java, classpath, 'org.apache.kafka.tools.ProducerPerformance', [
    '--topic', topic, '--num-records', String(records), '--record-size', String(recordSize), '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${bootstrap}`, 'acks=all', 'compression.type=none',
  ]);
  return parseProducerPerf(out);
}

/** Reads `records` records of `topic` from the beginning. */
export async function consumerPerf(java: string, classpath: string, bootstrap: string, topic: string, records: number): Promise<ConsumerPerfResult> {
  const out = await tool(java, classpath, 'org.apache.kafka.tools.ConsumerPerformance', [
    '--bootstrap-server', bootstrap, '--topic', topic, '--messages', String(records), '--timeout', '120000',
  ]);
  return parseConsumerPerf(out);
}
