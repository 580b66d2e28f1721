/** The pipeline bench's printout: the steady phase's stages, CPU, the steps, and the last line. */
import os from 'node:os';
import type { OperatorName } from '../../../e2e/src/pipeline/local-pipeline.js';
import type { CommitRate } from './commits.js';
import type { CpuShares } from './cpu.js';
import type { LoadPhase, PhaseFeed } from './load.js';
import { count, ms, type Spread } from './stats.js';
import type { Timeline } from './timeline.js';
import type { PhaseVerdict } from './verdict.js';

export interface PhaseResult {
  readonly index: number;
  readonly phase: LoadPhase;
  readonly feed: PhaseFeed;
  readonly verdict: PhaseVerdict;
  readonly cpu: CpuShares;
  readonly commits: readonly CommitRate[];
}

export interface Report {
  readonly results: readonly PhaseResult[];
  readonly timeline: Timeline;
  readonly loadAtStart: readonly number[];
  readonly partitions: number;
  readonly batchSize: number;
  readonly maxInFlight: number;
  readonly pollMs: number;
  readonly env: Partial<Record<OperatorName | 'all', Record<string, string>>>;
  /** Readings found on another partition than the bench computed (its window timing would be wrong). */
  readonly misplaced: number;
  readonly wallSeconds: number;
  readonly logDir: string;
}

const row = (label: string, s: Spread) => `  ${label.padEnd(66)} ${count(s.n).padStart(8)} ${ms(s.p50).padStart(7)} ${ms(s.p99).padStart(7)} ${ms(s.max).padStart(7)}`;
const pair = (s: Spread) => `${ms(s.p50)}/${ms(s.p99)}`;
/** Cores used by the pipeline (operators, broker, registry, PostgreSQL) and by the bench itself (load and watchers). */
const cores = (cpu: CpuShares) => {
  const bench = cpu.shares.filter((s) => s.name.startsWith('bench')).reduce((a, s) => a + s.cores, 0);
  const pipeline = cpu.shares.filter((s) => !s.name.startsWith('bench')).reduce((a, s) => a + s.cores, 0);
  return `${pipeline.toFixed(2)}/${bench.toFixed(2)}`;
};

export function printReport(report: Report): void {
  const { results, timeline } = report;
  const envText = Object.entries(report.env).map(([target, vars]) => `${target}: ${Object.entries(vars ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')}`).join('; ');
  console.log(
    `pipeline bench: ingest → enrich → aggregate → score → sink (PostgreSQL), all exactly-once, ${report.partitions} partitions, ` +
      `local Kafka + Apicurio + PostgreSQL on this machine (${os.cpus().length} cores), Node ${process.version}, load average at start ${report.loadAtStart.map((l) => l.toFixed(2)).join(' ')}`,
  );
  console.log(`  load: fleet simulator at 10× simulated speed, event times from the current minute; NDJSON POSTs of ${report.batchSize} readings, ≤ ${report.maxInFlight} in flight`);
  console.log(`  operator env overrides: ${envText === '' ? 'none (defaults: COMMIT_INTERVAL_MS=100, ingest LINGER_MS=5, GRACE_MS=30000)' : envText}`);

  const steady = results.find((r) => r.phase.name === 'steady');
  if (steady !== undefined) {
    const l = timeline.latencies(steady.index);
    const windows = timeline.windowsOf(steady.index);
    console.log('');
    console.log(
      `  steady ${count(steady.phase.readingsPerSecond)} readings/s for ${steady.phase.seconds} s: ${count(steady.feed.offered)} readings offered, ` +
        `${count(steady.verdict.acceptedPerSecond)}/s accepted; ${count(windows.aggregates)} windows closed ` +
        `(in ${windows.bursts} bursts: every window of a partition closes at the same reading), ${count(windows.rows)} of them in PostgreSQL`,
    );
    console.log(`  ${'stage'.padEnd(66)} ${'n'.padStart(8)} ${'p50'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(7)}  (ms)`);
    console.log(row(`ingest     POST sent → 2xx (per batch of ${report.batchSize})`, l.sentToAccepted));
    console.log(row('ingest     POST sent → reading visible on coldchain.readings', l.sentToReadings));
    console.log(row('enrich     on coldchain.readings → on coldchain.readings.enriched', l.readingsToEnriched));
    console.log(row('► reading accepted (2xx) → enriched reading visible', l.acceptedToEnriched));
    console.log(row('enrich     window-closing reading accepted → visible enriched', l.closeAcceptedToEnriched));
    console.log(row('aggregate  closing reading visible enriched → aggregate visible', l.closeEnrichedToAggregate));
    console.log(row('score      aggregate visible → score visible on coldchain.scores', l.aggregateToScore));
    console.log(row(`sink       score visible → risk_scores row visible (polled every ${report.pollMs} ms)`, l.scoreToRow));
    console.log(row('► window closed (aggregate visible) → risk_scores row visible', l.aggregateToRow));
    console.log(row('► sim. end + grace passed (closing reading accepted) → row', l.closeAcceptedToRow));
    const shares = steady.cpu.shares.map((s) => `${s.name} ${s.cores.toFixed(2)}`).join(', ');
    console.log(`  CPU in the steady phase (cores): ${shares}; machine busy ${(steady.cpu.machineBusy * 100).toFixed(0)}% of ${os.cpus().length} cores`);
    const commits = steady.commits.map((c) => `${c.name} ${c.perSecond.toFixed(1)}/s (mean ${c.meanMs.toFixed(0)} ms)`).join(', ');
    console.log(`  commits in the steady phase (all ${report.partitions} tasks of an operator together): ${commits}`);
  }

  console.log('');
  console.log(
    `  ${'phase'.padEnd(11)} ${'offered/s'.padStart(9)} ${'accepted/s'.padStart(10)} ${'lag end/max'.padStart(12)} ${'unenriched mid/end'.padStart(18)} ` +
      `${'acc→enr p50/p99'.padStart(16)} ${'close→row p50/p99'.padStart(18)} ${'cores pipe/bench'.padStart(16)} ${'busy'.padStart(5)}  held`,
  );
  for (const r of results) {
    const l = timeline.latencies(r.index);
    console.log(
      `  ${r.phase.name.padEnd(11)} ${count(r.phase.readingsPerSecond).padStart(9)} ${count(r.verdict.acceptedPerSecond).padStart(10)} ` +
        `${`${count(r.verdict.backlogAtEnd)}/${count(r.verdict.backlogMax)}`.padStart(12)} ${`${count(r.verdict.unenrichedAtMiddle)}/${count(r.verdict.unenrichedAtEnd)}`.padStart(18)} ` +
        `${pair(l.acceptedToEnriched).padStart(16)} ${pair(l.aggregateToRow).padStart(18)} ${cores(r.cpu).padStart(16)} ${`${(r.cpu.machineBusy * 100).toFixed(0)}%`.padStart(5)}  ` +
        `${r.index === 0 ? '(not judged)' : r.verdict.held ? 'yes' : `no: ${r.verdict.reasons.join('; ')}`}`,
    );
  }
  if (report.misplaced > 0) console.log(`  WARNING: ${report.misplaced} readings were on another partition than the bench computed: window-close timings are unreliable`);
  console.log(`  whole run ${report.wallSeconds.toFixed(0)} s; operator logs in ${report.logDir}`);

  let sustained = 0;
  for (const r of results.filter((x) => x.index > 0)) {
    if (!r.verdict.held) break;
    sustained = r.phase.readingsPerSecond;
  }
  const judged = results.filter((x) => x.index > 0);
  if (judged.length > 1 && judged.every((r) => r.verdict.held)) console.log(`  every step held: the sustained rate is at least ${count(sustained)} readings/s (add higher --steps to find the ceiling)`);
  const headline = steady === undefined ? undefined : timeline.latencies(steady.index);
  console.log(
    `bench pipeline: sustained_readings_per_s=${sustained} close_to_row_p99_ms=${ms(headline?.aggregateToRow.p99)} close_to_row_p50_ms=${ms(headline?.aggregateToRow.p50)} ` +
      `accept_to_enriched_p99_ms=${ms(headline?.acceptedToEnriched.p99)} accept_to_enriched_p50_ms=${ms(headline?.acceptedToEnriched.p50)}`,
  );
}
