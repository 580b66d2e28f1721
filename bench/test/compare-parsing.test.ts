import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/compare/args.js';
import { quantile } from '../src/compare/latency.js';
import { parseConsumerPerf, parseProducerPerf } from '../src/compare/perf-tools.js';
import { topSelfTime, type CpuProfile } from '../src/compare/profile.js';
import { formatReport, lastLine, type CompareResult } from '../src/compare/report.js';
import { expectedWindows, windowedInput } from '../src/compare/topics.js';

describe('perf tool output', () => {
  it('reads the producer summary line, not the progress lines', () => {
    const out = [
      '412345 records sent, 82469.0 records/sec (2.31 MB/sec), 300.1 ms avg latency, 900.0 ms max latency.',
      '2000000 records sent, 412371.1 records/sec (11.55 MB/sec), 801.36 ms avg latency, 1520.00 ms max latency, 793 ms 50th, 1402 ms 95th, 1489 ms 99th, 1512 ms 99.9th.',
    ].join('\n');
    expect(parseProducerPerf(out)).toEqual({ records: 2_000_000, recordsPerSec: 412371.1, mbPerSec: 11.55, avgLatencyMs: 801.36, p99LatencyMs: 1489 });
  });

  it('names what is missing when the producer printed no summary', () => {
    expect(() => parseProducerPerf('Exception in thread "main"')).toThrow(/no summary line/);
  });

  it('reads the consumer CSV by column name', () => {
    const out = [
      'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec',
      '2026-11-24 05:00:00:000, 2026-11-24 05:00:05:000, 54.1, 10.82, 2000000, 400000.0, 3000, 2000, 27.05, 1000000.0',
    ].join('\n');
    expect(parseConsumerPerf(out)).toEqual({ records: 2_000_000, recordsPerSec: 400_000, fetchRecordsPerSec: 1_000_000, mbPerSec: 10.82 });
    expect(() => parseConsumerPerf('start.time, nMsg.sec\n2026, x')).toThrow(/data.consumed.in.nMsg/);
  });
});

describe('arguments and quantiles', () => {
  it('parses --name=value and bare flags, and rejects anything else', () => {
    expect([...parseArgs(['--records=5', '--restore'])]).toEqual([
      ['records', '5'],
      ['restore', 'true'],
    ]);
    expect(() => parseArgs(['records=5'])).toThrow(/--name=value, got "records=5"/);
  });

  it('takes the nearest-rank quantile', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(quantile(values, 0.99)).toBe(99);
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([], 0.99)).toBeUndefined();
  });
});

describe('report', () => {
  const result: CompareResult = {
    records: 2_000_000,
    partitions: 8,
    commitIntervalMs: 100,
    compression: 'none',
    latencyRate: 2000,
    topologies: [
      { name: 'stateless', tributary: { eventsPerSec: 50_000, p99Ms: 300, peakRssMb: 150 }, kstreams: { eventsPerSec: 100_000, p99Ms: 200, peakRssMb: 400 }, outputsEqual: true, outputRecords: 2_000_000 },
      { name: 'windows', tributary: { eventsPerSec: 30_000, p99Ms: undefined, peakRssMb: 300 }, kstreams: { eventsPerSec: 120_000, p99Ms: 1200, peakRssMb: 500 }, outputsEqual: true, outputRecords: 40_000 },
    ],
    ceilings: { rawKafkajs: 80_000 },
    restore: { tributary: { records: 2_000_000, ms: 4_000 }, kstreams: { records: 2_000_000, ms: 2_000 } },
  };

  it('ends with the bench line: Tributary ÷ Kafka Streams per topology, n/a for what did not run', () => {
    expect(lastLine(result)).toBe(
      'bench compare: windows_ratio=0.25 stateless_ratio=0.50 count_ratio=n/a restore_ratio=0.50 stateless_vs_raw=0.63 outputs_equal=true records=2000000 compression=none',
    );
    const lines = formatReport(result);
    expect(lines[lines.length - 1]).toBe(lastLine(result));
    expect(lines.find((l) => l.includes('windows / tributary'))).toMatch(/30,000\s+n\/a\s+300\s+0\.25\s+equal \(40,000\)/);
  });

  it('says outputs_equal=false when any topology differed', () => {
    const differing = { ...result, topologies: [{ ...(result.topologies[0] as CompareResult['topologies'][number]), outputsEqual: false }] };
    expect(lastLine(differing)).toContain('outputs_equal=false');
    expect(formatReport(differing).join('\n')).toContain('DIFFERENT');
  });
});

describe('cpu profile summary', () => {
  it('sums self time per function over its nodes, largest first', () => {
    const frame = (functionName: string, line: number) => ({ functionName, url: 'file:///work/main/libs/streams/src/task/stream-task.ts', lineNumber: line });
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 1_000_000, // 1 s in µs
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } },
        { id: 2, callFrame: frame('process', 9) },
        { id: 3, callFrame: frame('process', 9) },
        { id: 4, callFrame: frame('', 20) },
      ],
      samples: [2, 2, 3, 4, 2, 3, 3, 3, 4, 1],
    };
    const top = topSelfTime(profile, 2);
    expect(top).toHaveLength(2);
    expect(top[0]).toMatchObject({ fn: 'process', where: 'libs/streams/src/task/stream-task.ts:10', share: 0.7 });
    expect(top[0]?.ms).toBeCloseTo(700);
    expect(top[1]).toMatchObject({ fn: '(anonymous)', share: 0.2 });
  });
});

describe('windows input', () => {
  it('expects one closed window per key and event minute, as the plan generates them', () => {
    const records = 25_000;
    const keys = 1_000;
    const plan = windowedInput(records, keys);
    const windows = new Set<string>();
    for (let i = 0; i < records; i++) {
      const { key, value } = plan.record(i);
      windows.add(`${key}@${Math.floor(value.ts.getTime() / 60_000)}`);
      expect(value.ts.getTime()).toBeLessThan(plan.closeTs as number - 60_000 + 30_000);
    }
    expect(expectedWindows(records, keys)).toBe(windows.size);
    expect(expectedWindows(records, keys)).toBe(3 * 1_000);
    expect(expectedWindows(2_000_000, 10_000)).toBe(200_000);
  });
});
