/**
 * The card-fraud pipeline under load: ingest → enrich (ENRICH_MODE=join) →
 * aggregate (AGGREGATE_MODE=lookback) → score (SCORE_MODE=records, the
 * committed fraud model) → sink (PostgreSQL), all five operators
 * exactly-once, each its own process, on a local stack the bench starts and
 * a fresh database. The payments simulator's payments (two simulated days,
 * event times ending now) are posted to ingest at a fixed rate — by default
 * 1,000 payments/s for 60 s after a 10 s warm-up.
 *
 * Per payment of the steady phase: ingest's 2xx → the decision row
 * committed in PostgreSQL (p50/p99, against the 200 ms bound), and per
 * stage: → enriched visible, → features visible, → decision visible on
 * fraud.decisions (read_committed watchers in this process), → row
 * committed (the first poll of the sink's sink_offsets past the decision
 * record: the sink moves it in the transaction that writes the row).
 *
 *   npm run bench -- fraud [--rate=1000] [--seconds=60] [--warmup-seconds=10] [--partitions=4] [--batch=50]
 *     [--lanes=4] [--poll-ms=10] [--seed=42] [--env=KEY=VALUE | --env=<operator>:KEY=VALUE …]
 *
 * `--lanes`: concurrent posters, each card always on one (its payments stay
 * in order: see fraud/load.ts). `--env=COMMIT_INTERVAL_MS=50` sets it for every operator (the sink ignores
 * it: it commits per fetched batch); run once per value to compare.
 */
import os from 'node:os';
import { EnrichedPaymentSchema, PaymentFeaturesSchema } from '@tributary/schemas';
import { simulatePayments } from '../../e2e/src/fraud/index.js';
import { IngestClient } from '../../e2e/src/pipeline/ingest-client.js';
import { OPERATORS } from '../../e2e/src/pipeline/local-pipeline.js';
import { FRAUD_TOPICS } from '../../e2e/src/pipeline/topics.js';
import { scrape, sumOf } from '../../e2e/src/pipeline/metrics.js';
import { commitCounters, commitRates } from './pipeline/commits.js';
import { cpuBetween, cpuSnapshot } from './pipeline/cpu.js';
import { watchTopic, type Watcher } from './pipeline/observers.js';
import type { BenchPipeline } from './pipeline/setup.js';
import { feedPhase, type PaymentPhase } from './fraud/load.js';
import { countDecisionRows, pollSinkOffsets, watchDecisions } from './fraud/observers.js';
import { printFraudReport } from './fraud/report.js';
import { FRAUD_BENCH_DB_SCHEMA, startFraudBench } from './fraud/setup.js';
import { FraudStages } from './fraud/stages.js';
import { operatorEnv, positiveInt } from './support/bench-args.js';

const DAY = 86_400_000;
/** Payments per card in two simulated days, about (3.5 a day, plus fraud episodes): sizes the population to the load. */
const PAYMENTS_PER_CARD = 6.5;

export default async function fraudBench(args: readonly string[]): Promise<void> {
  const rate = positiveInt(args, 'rate', 1000);
  const seconds = positiveInt(args, 'seconds', 60);
  const warmupSeconds = positiveInt(args, 'warmup-seconds', 10);
  const partitions = positiveInt(args, 'partitions', 4);
  const batchSize = positiveInt(args, 'batch', 50);
  const lanes = positiveInt(args, 'lanes', 4);
  const pollMs = positiveInt(args, 'poll-ms', 10);
  const seed = positiveInt(args, 'seed', 42);
  const env = operatorEnv(args);
  const log = (line: string) => console.error(`bench fraud: ${line}`);
  const loadAtStart = os.loadavg();

  // One population for both phases: enough payments for warm-up + steady, in posting order (ascending event time).
  const needed = rate * (warmupSeconds + seconds);
  const cards = Math.ceil((needed * 1.15) / PAYMENTS_PER_CARD);
  const startTime = Math.floor(Date.now() / 60_000) * 60_000 - 2 * DAY;
  const sim = simulatePayments({ seed, cards, startTime, durationMs: 2 * DAY });
  const payments = sim.payments;
  if (payments.length < needed) throw new RangeError(`the simulation gave ${payments.length} payments, ${needed} needed: raise PAYMENTS_PER_CARD's margin`);
  const warmupCount = rate * warmupSeconds;
  const phases: PaymentPhase[] = [
    { name: 'warm-up', paymentsPerSecond: rate, seconds: warmupSeconds, payments: payments.slice(0, warmupCount) },
    { name: 'steady', paymentsPerSecond: rate, seconds, payments: payments.slice(warmupCount, needed) },
  ];

  log(`load average at start ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} cores); ${cards} cards, ${needed} payments; starting the stack and the pipeline…`);
  const started = Date.now();
  let bench: BenchPipeline | undefined;
  const watchers: Watcher[] = [];
  const interrupted = () => {
    log('interrupted: cleaning up…');
    void Promise.all(watchers.map(async (w) => await w.stop().catch(() => undefined)))
      .then(async () => await bench?.close())
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    bench = await startFraudBench({ partitions, cardholders: sim.cardholders, env, log });
    log(`pipeline ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const stages = new FraudStages();
    const brokers = bench.endpoints.kafka;
    const registry = bench.registry;
    watchers.push(
      ...(await Promise.all([
        watchTopic({ brokers, registry, topic: FRAUD_TOPICS.enriched, schema: EnrichedPaymentSchema, maxWaitMs: 50, onRecord: (r, _p, at) => stages.onEnriched(r.paymentId, at) }),
        watchTopic({ brokers, registry, topic: FRAUD_TOPICS.features, schema: PaymentFeaturesSchema, maxWaitMs: 50, onRecord: (r, _p, at) => stages.onFeatures(r.paymentId, at) }),
        watchDecisions({ brokers, registry, topic: FRAUD_TOPICS.decisions, onDecision: (id, partition, offset, at) => stages.onDecision(id, partition, offset, at) }),
        pollSinkOffsets({
          databaseUrl: bench.endpoints.database,
          schema: FRAUD_BENCH_DB_SCHEMA,
          topic: FRAUD_TOPICS.decisions,
          everyMs: pollMs,
          onOffsets: (next, at) => stages.onSinkOffsets(next, at),
          onError: (e) => log(`sink_offsets poll failed: ${String(e)}`),
        }),
      ])),
    );

    const pipeline = bench.pipeline;
    const client = new IngestClient({ url: () => pipeline.url('ingest'), retryForMs: 30_000 });
    log(`warm-up: ${rate} payments/s for ${warmupSeconds} s…`);
    await feedPhase(client, stages, 0, phases[0] as PaymentPhase, { batchSize, lanes });
    const cpuBefore = cpuSnapshot(bench.processes);
    const commitsBefore = await commitCounters(pipeline);
    log(`steady: ${rate} payments/s for ${seconds} s…`);
    const feed = await feedPhase(client, stages, 1, phases[1] as PaymentPhase, { batchSize, lanes });
    const cpu = cpuBetween(cpuBefore, cpuSnapshot(bench.processes));
    const commits = commitRates(commitsBefore, await commitCounters(pipeline));

    // Let what is in flight come out: every acknowledged payment's row committed (or 60 s).
    const drainUntil = Date.now() + 60_000;
    while (Date.now() < drainUntil && stages.unwritten() > 0) await new Promise((r) => setTimeout(r, 250));
    if (stages.unwritten() > 0) log(`${stages.unwritten()} payments without a committed row after 60 s (${stages.undecided()} without a decision seen), e.g. ${stages.unwrittenSample(5).join(', ')}`);
    await Promise.all(watchers.splice(0).map(async (w) => await w.stop()));
    // Dead letters of the whole run, per operator (a payment dead-lettered is never decided).
    const deadLetters: Record<string, number> = {};
    for (const name of OPERATORS) {
      const samples = await scrape(pipeline.url(name));
      deadLetters[name] = name === 'ingest' ? sumOf(samples, 'tributary_ingest_dead_letters_total') : sumOf(samples, 'tributary_records_dead_lettered_total');
    }
    const table = { ...(await countDecisionRows(bench.endpoints.database, FRAUD_BENCH_DB_SCHEMA)), acknowledged: needed };

    printFraudReport({
      phase: phases[1] as PaymentPhase,
      feed,
      latencies: stages.latencies(1),
      cpu,
      commits,
      loadAtStart,
      partitions,
      cards,
      warmupSeconds,
      batchSize,
      lanes,
      pollMs,
      env,
      table,
      deadLetters,
      wallSeconds: (Date.now() - started) / 1000,
      logDir: bench.logDir,
    });
  } finally {
    await Promise.all(watchers.map(async (w) => await w.stop().catch(() => undefined)));
    await bench?.close();
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}
