/**
 * The whole cold-chain pipeline under load: ingest → enrich → aggregate →
 * score → sink (PostgreSQL), all five operators exactly-once, each its own
 * process, on a local stack the bench starts (free ports, tied to this
 * process) and a fresh database. The fleet simulator posts to ingest at 10×
 * simulated speed, event times starting at the current minute.
 *
 * 1. A short warm-up, then a steady phase (default 2,000 readings/s for
 *    60 s: 200 containers), measuring where the time goes:
 *    - per reading: ingest's 2xx → the enriched reading visible
 *      (read_committed), through coldchain.readings;
 *    - per window: its aggregate visible (the window closed) → its
 *      risk_scores row in PostgreSQL, through coldchain.scores; and from the
 *      reading that took the partition's stream time past end + grace.
 * 2. Steps up (default 3k, 4k, 6k, 8k, 10k, 12k, 14k readings/s, 30 s each; more
 *    containers, same speed) until a step does not hold (see verdict.ts);
 *    the last rate that held is the sustained rate.
 *
 *   npm run bench -- pipeline [--rate=2000] [--steady-seconds=60] [--steps=3000,4000,6000,8000,10000,12000,14000]
 *     [--step-seconds=30] [--warmup-seconds=12] [--partitions=4] [--batch=200] [--in-flight=4]
 *     [--poll-ms=50] [--seed=42] [--env=KEY=VALUE | --env=<operator>:KEY=VALUE …] [--dump=<file>]
 *
 * `--env` sets an operator environment variable (all operators, or one),
 * e.g. `--env=COMMIT_INTERVAL_MS=20` to show the effect of a setting.
 * `--dump` writes every window's stage times (NDJSON) for a closer look.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { EnrichedReadingSchema, RiskScoreSchema, SensorReadingSchema, WindowAggregateSchema, type ContainerReference } from '@tributary/schemas';
import { partitionForKey } from '@tributary/testing';
import { IngestClient } from '../../e2e/src/pipeline/ingest-client.js';
import { PIPELINE_TOPICS } from '../../e2e/src/pipeline/topics.js';
import { simulateFleet } from '../../e2e/src/simulator/index.js';
import { BacklogSampler } from './pipeline/backlog.js';
import { commitCounters, commitRates } from './pipeline/commits.js';
import { cpuBetween, cpuSnapshot, type CpuSnapshot } from './pipeline/cpu.js';
import { LoadFeeder, type LoadPhase, type PhaseFeed } from './pipeline/load.js';
import { pollScoreRows, watchTopic, type Watcher } from './pipeline/observers.js';
import { printReport, type PhaseResult } from './pipeline/report.js';
import { startBenchPipeline, type BenchPipeline } from './pipeline/setup.js';
import { Timeline } from './pipeline/timeline.js';
import { judgePhase } from './pipeline/verdict.js';
import { operatorEnv, option, positiveInt } from './support/bench-args.js';

/** Simulated seconds per wall-clock second: a container posts 10 readings per second. */
const SPEED = 10;
const WINDOW_MS = 60_000;

export default async function pipelineBench(args: readonly string[]): Promise<void> {
  const rate = positiveInt(args, 'rate', 2000);
  const steadySeconds = positiveInt(args, 'steady-seconds', 60);
  const stepSeconds = positiveInt(args, 'step-seconds', 30);
  const warmupSeconds = positiveInt(args, 'warmup-seconds', 12);
  const steps = (option(args, 'steps') ?? '3000,4000,6000,8000,10000,12000,14000').split(',').filter((s) => s !== '').map(Number);
  const partitions = positiveInt(args, 'partitions', 4);
  const batchSize = positiveInt(args, 'batch', 200);
  const maxInFlight = positiveInt(args, 'in-flight', 4);
  const pollMs = positiveInt(args, 'poll-ms', 50);
  const seed = positiveInt(args, 'seed', 42);
  const env = operatorEnv(args);
  for (const r of [rate, ...steps]) if (!Number.isInteger(r) || r <= 0 || r % SPEED !== 0) throw new RangeError(`rates must be positive multiples of ${SPEED} readings/s, got ${r}`);
  for (const s of [steadySeconds, stepSeconds, warmupSeconds]) if (s % 6 !== 0) throw new RangeError(`phase lengths must be multiples of 6 s (one simulated minute at ${SPEED}×), got ${s}`);
  const graceMs = Number(env.aggregate?.['GRACE_MS'] ?? env.all?.['GRACE_MS'] ?? 30_000);
  const log = (line: string) => console.error(`bench pipeline: ${line}`);
  const loadAtStart = os.loadavg();

  // One fleet per phase, each continuing the simulated time of the one before (same seed: the first containers are the same).
  let simulatedTime = Math.floor(Date.now() / 60_000) * 60_000;
  const phase = (name: string, readingsPerSecond: number, seconds: number): LoadPhase => {
    const fleet = simulateFleet({ seed, containers: readingsPerSecond / SPEED, startTime: simulatedTime, durationMs: seconds * SPEED * 1000, malformedShare: 0 });
    simulatedTime += seconds * SPEED * 1000;
    return { name, readingsPerSecond, seconds, fleet };
  };
  const phases: LoadPhase[] = [phase('warm-up', rate, warmupSeconds), phase('steady', rate, steadySeconds), ...steps.map((r) => phase(`step ${r}`, r, stepSeconds))];
  const references = new Map<string, ContainerReference>();
  for (const p of phases) for (const r of p.fleet.references) references.set(r.containerId, r);

  log(`load average at start ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} cores); starting the stack and the pipeline…`);
  const started = Date.now();
  let bench: BenchPipeline | undefined;
  const watchers: Watcher[] = [];
  let sampler: BacklogSampler | undefined;
  const interrupted = () => {
    log('interrupted: cleaning up…');
    void Promise.all(watchers.map(async (w) => await w.stop().catch(() => undefined)))
      .then(async () => await bench?.close())
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    bench = await startBenchPipeline({ partitions, references: [...references.values()], env, log });
    log(`pipeline ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const partitionOf = (containerId: string) => partitionForKey(Buffer.from(containerId), partitions);
    const timeline = new Timeline(partitionOf, WINDOW_MS, graceMs);
    let misplaced = 0;
    const brokers = bench.endpoints.kafka;
    const registry = bench.registry;
    const readingsWatcher = await watchTopic({
      brokers,
      registry,
      topic: PIPELINE_TOPICS.readings,
      schema: SensorReadingSchema,
      onRecord: (r, partition, at) => {
        if (partition !== partitionOf(r.containerId)) misplaced++;
        timeline.onReadings(r.containerId, r.eventTime.getTime(), at);
      },
    });
    watchers.push(readingsWatcher);
    watchers.push(
      ...(await Promise.all([
        watchTopic({ brokers, registry, topic: PIPELINE_TOPICS.enriched, schema: EnrichedReadingSchema, onRecord: (r, partition, at) => timeline.onEnriched(r.containerId, r.eventTime.getTime(), partition, at) }),
        watchTopic({ brokers, registry, topic: PIPELINE_TOPICS.aggregates, schema: WindowAggregateSchema, onRecord: (a, partition, at) => timeline.onAggregate(a.containerId, a.windowStart.getTime(), partition, at) }),
        watchTopic({ brokers, registry, topic: PIPELINE_TOPICS.scores, schema: RiskScoreSchema, onRecord: (s, _partition, at) => timeline.onScore(s.containerId, s.windowStart.getTime(), at) }),
        pollScoreRows({ databaseUrl: bench.endpoints.database, partitions, everyMs: pollMs, onRow: (c, w, at) => timeline.onRow(c, w, at), onError: (e) => log(`row poll failed: ${String(e)}`) }),
      ])),
    );
    sampler = new BacklogSampler(bench.pipeline, timeline);
    sampler.start();

    const pipeline = bench.pipeline;
    const client = new IngestClient({ url: () => pipeline.url('ingest'), retryForMs: 30_000 });
    const feeder = new LoadFeeder(client, timeline, { batchSize, maxInFlight });
    const results: PhaseResult[] = [];
    for (const [index, p] of phases.entries()) {
      timeline.phase = index;
      const before: CpuSnapshot = cpuSnapshot(bench.processes);
      const commitsBefore = await commitCounters(pipeline);
      const sampledFrom = sampler.samples.length;
      log(`${p.name}: ${p.readingsPerSecond} readings/s for ${p.seconds} s (${p.readingsPerSecond / SPEED} containers at ${SPEED}×)…`);
      const feed: PhaseFeed = await feeder.run(p);
      const cpu = cpuBetween(before, cpuSnapshot(bench.processes));
      const commits = commitRates(commitsBefore, await commitCounters(pipeline));
      const verdict = judgePhase(p, feed, sampler.samples.slice(sampledFrom));
      results.push({ index, phase: p, feed, verdict, cpu, commits });
      log(`${p.name}: ${verdict.held ? 'held' : `did not hold (${verdict.reasons.join('; ')})`}`);
      if (p.name === 'steady') {
        // The per-stage breakdown is measured; from here on the readings watcher would only take CPU from the pipeline.
        timeline.watchingReadings = false;
        watchers.splice(watchers.indexOf(readingsWatcher), 1);
        await readingsWatcher.stop();
      }
      if (index > 0 && !verdict.held) break;
    }

    // Let what is in flight come out (the last minute's windows stay open: nothing comes after them).
    timeline.phase = phases.length;
    const drainUntil = Date.now() + 20_000;
    while (Date.now() < drainUntil && (timeline.readingsInFlight > 0 || timeline.windowsInFlight > 0)) await new Promise((r) => setTimeout(r, 250));
    sampler.stop();
    await Promise.all(watchers.splice(0).map(async (w) => await w.stop()));

    const dump = option(args, 'dump');
    if (dump !== undefined) writeFileSync(dump, [...timeline.windowRecords()].map((w) => JSON.stringify(w)).join('\n') + '\n');
    printReport({
      results,
      timeline,
      loadAtStart,
      partitions,
      batchSize,
      maxInFlight,
      pollMs,
      env,
      misplaced,
      wallSeconds: (Date.now() - started) / 1000,
      logDir: bench.logDir,
    });
  } finally {
    sampler?.stop();
    await Promise.all(watchers.map(async (w) => await w.stop().catch(() => undefined)));
    await bench?.close();
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}
