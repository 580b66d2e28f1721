/** The fraud bench's printout: the steady phase's stages against the 200 ms decision bound, CPU, commits, and the last line. */
import os from 'node:os';
import type { OperatorName } from '../../../e2e/src/pipeline/local-pipeline.js';
import type { CommitRate } from '../pipeline/commits.js';
import type { CpuShares } from '../pipeline/cpu.js';
import { count, ms, type Spread } from '../pipeline/stats.js';
import type { PaymentPhase, PaymentPhaseFeed } from './load.js';
import type { FraudLatencies } from './stages.js';

/** The bound a payment's decision must meet, ingest's 2xx → decision row committed (p99). */
export const DECISION_BOUND_MS = 200;

export interface FraudReport {
  readonly phase: PaymentPhase;
  readonly feed: PaymentPhaseFeed;
  readonly latencies: FraudLatencies;
  readonly cpu: CpuShares;
  readonly commits: readonly CommitRate[];
  readonly loadAtStart: readonly number[];
  readonly partitions: number;
  readonly cards: number;
  readonly warmupSeconds: number;
  readonly batchSize: number;
  /** Concurrent posters (each card on one). */
  readonly lanes: number;
  readonly pollMs: number;
  readonly env: Partial<Record<OperatorName | 'all', Record<string, string>>>;
  /** End of run: rows in the decisions table and distinct payments among them, against payments acknowledged. */
  readonly table: { readonly rows: number; readonly payments: number; readonly acknowledged: number };
  /** Dead letters of the whole run, per operator, from their /metrics. */
  readonly deadLetters: Readonly<Record<string, number>>;
  readonly wallSeconds: number;
  readonly logDir: string;
}

/** The stream operators' COMMIT_INTERVAL_MS in this run (`--env` overrides, else the default 100), `mixed` when they differ. */
export function commitIntervalOf(env: FraudReport['env']): string {
  const values = new Set((['enrich', 'aggregate', 'score'] as const).map((name) => env[name]?.['COMMIT_INTERVAL_MS'] ?? env.all?.['COMMIT_INTERVAL_MS'] ?? '100'));
  return values.size === 1 ? [...values][0] as string : 'mixed';
}

const row = (label: string, s: Spread) => `  ${label.padEnd(72)} ${count(s.n).padStart(8)} ${ms(s.p50).padStart(7)} ${ms(s.p99).padStart(7)} ${ms(s.max).padStart(7)}`;

export function printFraudReport(report: FraudReport): void {
  const { latencies: l, phase, feed } = report;
  const envText = Object.entries(report.env).map(([target, vars]) => `${target}: ${Object.entries(vars ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')}`).join('; ');
  console.log(
    `fraud bench: ingest → enrich (join) → aggregate (lookback) → score (records) → sink (PostgreSQL), all exactly-once, ${report.partitions} partitions, ` +
      `local Kafka + Apicurio + PostgreSQL on this machine (${os.cpus().length} cores), Node ${process.version}, load average at start ${report.loadAtStart.map((x) => x.toFixed(2)).join(' ')}`,
  );
  console.log(
    `  load: payments simulator (${count(report.cards)} cards, two simulated days), ${count(phase.paymentsPerSecond)} payments/s for ${phase.seconds} s after a ${report.warmupSeconds} s warm-up; ` +
      `NDJSON POSTs of ${report.batchSize} payments from ${report.lanes} lanes (a card's payments always on one, posted in order)`,
  );
  console.log(`  operator env overrides: ${envText === '' ? 'none (defaults: COMMIT_INTERVAL_MS=100, ingest LINGER_MS=5)' : envText}`);
  console.log('');
  console.log(
    `  steady: ${count(feed.offered)} payments offered, ${count(feed.accepted / feed.seconds)}/s accepted (sends at most ${count(feed.maxBehindMs)} ms behind schedule); ` +
      `${count(l.decided)} of ${count(l.accepted)} decided (row committed)`,
  );
  console.log(`  ${'stage (per payment of the steady phase)'.padEnd(72)} ${'n'.padStart(8)} ${'p50'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(7)}  (ms)`);
  console.log(row(`ingest     POST sent → 2xx (per batch of ${report.batchSize})`, l.sentToAccepted));
  console.log(row('enrich     2xx → enriched payment visible on fraud.payments.enriched', l.acceptedToEnriched));
  console.log(row('aggregate  enriched visible → features visible on fraud.payment-features', l.enrichedToFeatures));
  console.log(row('score      features visible → decision visible on fraud.decisions', l.featuresToDecision));
  console.log(row(`sink       decision visible → row committed (sink_offsets polled every ${report.pollMs} ms)`, l.decisionToRow));
  console.log(row('► 2xx → features visible', l.acceptedToFeatures));
  console.log(row('► 2xx → decision visible on fraud.decisions', l.acceptedToDecision));
  console.log(row('► 2xx → decision row committed in PostgreSQL', l.acceptedToRow));
  const shares = report.cpu.shares.map((s) => `${s.name} ${s.cores.toFixed(2)}`).join(', ');
  console.log(`  CPU in the steady phase (cores): ${shares}; machine busy ${(report.cpu.machineBusy * 100).toFixed(0)}% of ${os.cpus().length} cores`);
  const commits = report.commits.map((c) => `${c.name} ${c.perSecond.toFixed(1)}/s (mean ${c.meanMs.toFixed(0)} ms)`).join(', ');
  console.log(`  commits in the steady phase (all ${report.partitions} tasks of an operator together): ${commits}`);
  const { table } = report;
  const exact = table.rows === table.payments && table.payments === table.acknowledged;
  console.log(`  decisions table: ${count(table.rows)} rows, ${count(table.payments)} payments, ${count(table.acknowledged)} acknowledged by ingest${exact ? ' (one row per payment)' : ' — NOT one row per payment'}`);
  console.log(`  dead letters (whole run): ${Object.entries(report.deadLetters).map(([name, n]) => `${name} ${n}`).join(', ')}`);
  const p99 = l.acceptedToRow.p99;
  const meets = p99 !== undefined && p99 < DECISION_BOUND_MS && l.decided === l.accepted;
  console.log(`  decision p99 ${ms(p99)} ms against the ${DECISION_BOUND_MS} ms bound: ${meets ? 'met' : 'NOT met'} at COMMIT_INTERVAL_MS=${commitIntervalOf(report.env)}`);
  console.log(`  whole run ${report.wallSeconds.toFixed(0)} s; operator logs in ${report.logDir}`);
  console.log(
    `bench fraud: decision_p99_ms=${ms(p99)} decision_p50_ms=${ms(l.acceptedToRow.p50)} rate=${Math.round(feed.accepted / feed.seconds)} commit_interval_ms=${commitIntervalOf(report.env)} ` +
      `enriched_p99_ms=${ms(l.acceptedToEnriched.p99)} features_p99_ms=${ms(l.acceptedToFeatures.p99)} decision_topic_p99_ms=${ms(l.acceptedToDecision.p99)} ` +
      `decided=${l.decided}/${l.accepted} meets_${DECISION_BOUND_MS}ms=${meets ? 'yes' : 'no'}`,
  );
}
