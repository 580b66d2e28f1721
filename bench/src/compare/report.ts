/**
 * The table `npm run bench -- compare` prints, and its last line. Pure: the
 * figures come in, text goes out (unit-tested in bench/test/compare-report.test.ts).
 */

/** One system running one topology. */
export interface AppFigures {
  /** Input records/s from the first committed progress to the last input offset committed. */
  readonly eventsPerSec: number;
  /** p99 of input produced → output visible to a read_committed consumer, ms, at a paced rate (undefined: not measured). */
  readonly p99Ms: number | undefined;
  readonly peakRssMb: number;
}

export interface TopologyResult {
  readonly name: string;
  readonly tributary: AppFigures;
  readonly kstreams: AppFigures;
  /** Output of both compared (count and order-independent digest of key+value bytes). */
  readonly outputsEqual: boolean;
  readonly outputRecords: number;
}

export interface RestoreFigures {
  readonly records: number;
  readonly ms: number;
}

export interface Ceilings {
  readonly rawKafkajs?: number;
  readonly producerPerf?: { readonly recordsPerSec: number; readonly p99LatencyMs: number };
  readonly consumerPerf?: { readonly fetchRecordsPerSec: number };
}

export interface CompareResult {
  readonly records: number;
  readonly partitions: number;
  readonly commitIntervalMs: number;
  readonly compression: 'none' | 'gzip';
  readonly latencyRate: number;
  readonly topologies: readonly TopologyResult[];
  readonly ceilings: Ceilings;
  readonly restore?: { readonly tributary: RestoreFigures; readonly kstreams: RestoreFigures };
}

export const fmt = (n: number | undefined, digits = 0): string =>
  n === undefined || !Number.isFinite(n) ? 'n/a' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const ratio = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined || b === 0 ? undefined : a / b);
const r2 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(2));

/** The table lines, then the `bench compare: …` line (always last). */
export function formatReport(result: CompareResult): string[] {
  const lines: string[] = [];
  const row = (cells: readonly string[]): string =>
    `  ${(cells[0] ?? '').padEnd(30)}${cells
      .slice(1)
      .map((c, i) => (i === 4 ? `  ${c}` : c.padStart(13)))
      .join('')}`;
  lines.push(row(['topology / system', 'events/s', 'p99 ms', 'peak RSS MB', 'trib ÷ KS', 'outputs']));
  for (const t of result.topologies) {
    const same = t.outputsEqual ? `equal (${fmt(t.outputRecords)})` : 'DIFFERENT';
    lines.push(row([`${t.name} / tributary`, fmt(t.tributary.eventsPerSec), fmt(t.tributary.p99Ms), fmt(t.tributary.peakRssMb), r2(ratio(t.tributary.eventsPerSec, t.kstreams.eventsPerSec)), same]));
    lines.push(row([`${t.name} / kafka streams`, fmt(t.kstreams.eventsPerSec), fmt(t.kstreams.p99Ms), fmt(t.kstreams.peakRssMb), '', '']));
  }
  const c = result.ceilings;
  if (c.rawKafkajs !== undefined) lines.push(row(['ceiling: raw kafkajs pipe', fmt(c.rawKafkajs), '', '', '', '']));
  if (c.producerPerf !== undefined) lines.push(row(['ceiling: producer-perf-test', fmt(c.producerPerf.recordsPerSec), fmt(c.producerPerf.p99LatencyMs), '', '', '']));
  if (c.consumerPerf !== undefined) lines.push(row(['ceiling: consumer-perf-test', fmt(c.consumerPerf.fetchRecordsPerSec), '', '', '', '']));
  if (result.restore !== undefined) {
    const { tributary: t, kstreams: k } = result.restore;
    const rate = (f: RestoreFigures): number => (f.records / f.ms) * 1000;
    lines.push(
      `  restore of the count store from its changelog: tributary ${fmt(t.records)} records in ${(t.ms / 1000).toFixed(2)} s (${fmt(rate(t))}/s); ` +
        `kafka streams ${fmt(k.records)} records in ${(k.ms / 1000).toFixed(2)} s (${fmt(rate(k))}/s)`,
    );
  }
  lines.push(lastLine(result));
  return lines;
}

/** `bench compare: windows_ratio=<n> stateless_ratio=<n> count_ratio=<n> restore_ratio=<n> stateless_vs_raw=<n> …` */
export function lastLine(result: CompareResult): string {
  const parts: string[] = [];
  const byName = new Map(result.topologies.map((t) => [t.name, t]));
  for (const name of ['windows', 'stateless', 'count']) {
    const t = byName.get(name);
    parts.push(`${name}_ratio=${r2(t === undefined ? undefined : ratio(t.tributary.eventsPerSec, t.kstreams.eventsPerSec))}`);
  }
  // Restore: Tributary's time ÷ Kafka Streams' time would invert the sense; rates keep ">1 = Tributary faster".
  const rs = result.restore;
  parts.push(`restore_ratio=${r2(rs === undefined ? undefined : ratio(rs.tributary.records / rs.tributary.ms, rs.kstreams.records / rs.kstreams.ms))}`);
  parts.push(`stateless_vs_raw=${r2(ratio(byName.get('stateless')?.tributary.eventsPerSec, result.ceilings.rawKafkajs))}`);
  parts.push(`outputs_equal=${result.topologies.every((t) => t.outputsEqual)}`);
  parts.push(`records=${result.records}`);
  parts.push(`compression=${result.compression}`);
  return `bench compare: ${parts.join(' ')}`;
}
