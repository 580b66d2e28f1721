/**
 * `npm start [-- coldchain|fraud]`: a pipeline on this machine (default the
 * cold chain). Starts (or reuses) the local stack, creates topics and
 * registers schemas, runs the five operators as separate processes and the
 * pipeline's simulator against ingest, and prints where to look and a live
 * one-line summary. Ctrl-C stops it all. The fraud pipeline is the same
 * operators with other configuration (src/pipeline/fraud-pipeline.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Kafka, logLevel } from 'kafkajs';
import { RegistryClient } from '@tributary/avro';
import { cacheDir, isAlive, startLocalStack, type LocalStack, type StackEndpoints } from '@tributary/testing';
import { simulatePayments } from './fraud/index.js';
import { simulateFleet } from './simulator/index.js';
import { feed } from './pipeline/feeder.js';
import { fraudOperatorEnv, publishCardholders } from './pipeline/fraud-pipeline.js';
import { IngestClient } from './pipeline/ingest-client.js';
import { LocalPipeline, OPERATORS, type OperatorName } from './pipeline/local-pipeline.js';
import { scrape, sumOf } from './pipeline/metrics.js';
import { feedPayments } from './pipeline/payment-feeder.js';
import { publishReferences } from './pipeline/reference-publisher.js';
import { createPipelineTopics, FRAUD_TOPICS, PIPELINES, registerPipelineSchemas, type PipelineName } from './pipeline/topics.js';

const number = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`${name}=${JSON.stringify(raw)} is invalid: expected a positive number`);
    process.exit(2);
  }
  return value;
};

const PIPELINE = ((): PipelineName => {
  const name = process.argv[2] ?? 'coldchain';
  if (!(PIPELINES as readonly string[]).includes(name)) {
    console.error(`npm start -- ${name}: unknown pipeline; expected one of ${PIPELINES.join(', ')} (default coldchain)`);
    process.exit(2);
  }
  return name as PipelineName;
})();
const FRAUD = PIPELINE === 'fraud';
const SEED = number('SEED', 42);
const CONTAINERS = number('CONTAINERS', 40);
/** Fraud: cards in the simulated population. */
const CARDS = number('CARDS', 5000);
/** Fraud: share of the cards with a fraud episode in the simulated day. */
const FRAUD_SHARE = number('FRAUD_SHARE', 0.05);
/** Simulated seconds per wall-clock second (a fraud day has few payments per card: it runs faster). */
const SPEED = number('SPEED', FRAUD ? 60 : 10);
const PARTITIONS = number('PARTITIONS', 4);
const DB_SCHEMA = process.env['DATABASE_SCHEMA'] ?? PIPELINE;
const PORTS: Record<OperatorName, number> = { ingest: 8080, enrich: 9101, aggregate: 9102, score: 9103, sink: 9104 };
const LOG_DIR = path.join(cacheDir(), 'pipeline', 'logs');
const SIMULATED_DAY_MS = 24 * 3_600_000;

const say = (line: string) => console.log(`tributary: ${line}`);

/** A stack `npm run stack -- up` left running, if any. */
function runningStack(): StackEndpoints | undefined {
  const file = path.join(cacheDir(), 'stack', 'state.json');
  if (!existsSync(file)) return undefined;
  const state = JSON.parse(readFileSync(file, 'utf8')) as { endpoints: StackEndpoints; kafka: { pid: number }; registry?: { pid: number } };
  return isAlive(state.kafka.pid) && (state.registry === undefined || isAlive(state.registry.pid)) ? state.endpoints : undefined;
}

async function main(): Promise<void> {
  const started = Date.now();
  let stack: LocalStack | undefined;
  let endpoints = runningStack();
  if (endpoints === undefined) {
    say('starting Kafka and the schema registry (first run downloads them from Maven Central)…');
    stack = await startLocalStack({ kafkaPort: 9092, registryPort: 8081, lifetime: 'tied', log: (line) => say(line) });
    endpoints = stack.endpoints;
  } else {
    say(`reusing the stack started by \`npm run stack -- up\` (${endpoints.KAFKA_BOOTSTRAP})`);
  }
  const fresh = stack !== undefined;

  const kafka = new Kafka({ clientId: 'tributary-start', brokers: [endpoints.KAFKA_BOOTSTRAP], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await createPipelineTopics(admin, PARTITIONS, 1, PIPELINE);
  await admin.disconnect();
  const schemas = await registerPipelineSchemas(endpoints.SCHEMA_REGISTRY_URL);
  say(`${PIPELINE} topics ready (${PARTITIONS} partitions), ${schemas} schemas registered`);

  const db = new pg.Client({ connectionString: endpoints.DATABASE_URL });
  await db.connect();
  if (fresh) {
    // A fresh broker starts its offsets at 0: rows and stored offsets of an earlier run would not match it.
    await db.query(`DROP SCHEMA IF EXISTS ${DB_SCHEMA} CASCADE`);
    say(`fresh broker: PostgreSQL schema ${DB_SCHEMA} reset`);
  }
  await db.query(`CREATE SCHEMA IF NOT EXISTS ${DB_SCHEMA}`);

  // The simulated day runs SPEED× faster than the clock and ends where the wall clock was at the start: event times
  // never run ahead of the clock. Operators stamp outputs with event times, and the broker refuses records stamped
  // more than log.message.timestamp.after.max.ms (1 h) ahead — a day starting now would crash the aggregate within minutes.
  const startTime = Math.floor((Date.now() - SIMULATED_DAY_MS) / 60_000) * 60_000;
  const registry = new RegistryClient({ url: endpoints.SCHEMA_REGISTRY_URL });
  let startFeeding: (client: IngestClient, stopped: () => boolean) => Promise<unknown>;
  if (FRAUD) {
    const simulation = simulatePayments({ seed: SEED, cards: CARDS, startTime, durationMs: SIMULATED_DAY_MS, fraudShare: FRAUD_SHARE });
    await publishCardholders(kafka, registry, simulation.cardholders);
    say(`cards: ${CARDS} (seed ${SEED}), ${simulation.cardholders.length} cardholder records published; ${simulation.payments.length} payments in the simulated day (${new Date(startTime).toISOString()} → ${new Date(simulation.endTime).toISOString()}, ${SPEED}× the clock), ${simulation.payments.filter((p) => p.fraud).length} of them fraud`);
    startFeeding = (client, stopped) => feedPayments(client, simulation.payments, { speed: SPEED, startTime, batchSize: 200, stopped });
  } else {
    const fleet = simulateFleet({
      seed: SEED,
      containers: CONTAINERS,
      startTime,
      durationMs: SIMULATED_DAY_MS,
      failingShare: 0.25,
      // Failures early in the simulated day (the model alerts about an hour ahead), so alerts come within the first minutes.
      failsAtRange: [0.01, 0.15],
    });
    await publishReferences(kafka, registry, fleet.references);
    say(`fleet: ${CONTAINERS} containers (seed ${SEED}), ${fleet.references.length} reference records published`);
    startFeeding = (client, stopped) => feed(client, fleet.posts(), { readingsPerSecond: CONTAINERS * SPEED, batchSize: 200, stopped });
  }

  const pipeline = new LocalPipeline({
    endpoints: { kafka: endpoints.KAFKA_BOOTSTRAP, registry: endpoints.SCHEMA_REGISTRY_URL, database: endpoints.DATABASE_URL },
    ports: PORTS,
    env: FRAUD ? fraudOperatorEnv({ databaseSchema: DB_SCHEMA }) : { sink: { DATABASE_SCHEMA: DB_SCHEMA } },
    logDir: LOG_DIR,
  });
  say(`starting ${OPERATORS.join(', ')} (logs in ${LOG_DIR})…`);
  try {
    await pipeline.startAll();
  } catch (error) {
    pipeline.killAll();
    await stack?.stop();
    throw error;
  }

  let stopping = false;
  const client = new IngestClient({ url: () => pipeline.url('ingest'), stopped: () => stopping });
  const feeding = startFeeding(client, () => stopping).catch((error: unknown) => {
    if (!stopping) console.error(`tributary: the simulator stopped: ${String(error)}`);
  });

  const url = (name: OperatorName) => `http://127.0.0.1:${PORTS[name]}`;
  console.log('');
  say(`pipeline running in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(`  ingest          ${url('ingest')}/records  (OpenAPI: ${url('ingest')}/openapi.json)`);
  for (const name of OPERATORS) console.log(`  ${name.padEnd(15)} ${url(name)}/metrics  ${url(name)}/readyz`);
  if (FRAUD) {
    console.log(`  latest holds    psql ${endpoints.DATABASE_URL} -c "SELECT payment_id, card_id, amount, currency, risk, decision, event_time FROM ${DB_SCHEMA}.decisions WHERE decision <> 'APPROVE' ORDER BY event_time DESC LIMIT 10"`);
    console.log(`  a card's state  ${url('aggregate')}/stores/lookback/<cardId>   ${url('enrich')}/stores/reference/<cardId>`);
  } else {
    console.log(`  latest alerts   psql ${endpoints.DATABASE_URL} -c "SELECT container_id, severity, risk, window_start, message FROM ${DB_SCHEMA}.alerts ORDER BY window_start DESC LIMIT 10"`);
  }
  console.log(`  Ctrl-C stops everything${fresh ? ' (the stack too)' : ' (the stack stays up: npm run stack -- down)'}`);
  console.log('');

  let last = { records: 0, at: Date.now() };
  /** Records ingest accepted per second since the previous line. */
  const rateOf = (records: number): number => {
    const now = Date.now();
    const rate = ((records - last.records) / (now - last.at)) * 1000;
    last = { records, at: now };
    return rate;
  };
  /** Decisions in PostgreSQL by kind (none while the sink has not created its table). */
  const decisionCounts = async (): Promise<Record<string, number>> => {
    try {
      const result = await db.query<{ decision: string; n: string }>(`SELECT decision, count(*) AS n FROM ${DB_SCHEMA}.decisions GROUP BY decision`);
      return Object.fromEntries(result.rows.map((r) => [r.decision, Number(r.n)]));
    } catch {
      return {};
    }
  };
  const summaryLine = async (): Promise<string> => {
    const [ingest = [], enrich = [], aggregate = [], score = [], sink = []] = await Promise.all(OPERATORS.map((name) => scrape(url(name))));
    const accepted = sumOf(ingest, 'tributary_ingest_records_total', { outcome: 'accepted' });
    const rows = sumOf(sink, 'tributary_sink_rows_written_total');
    const dlq =
      sumOf(ingest, 'tributary_ingest_records_total', { outcome: 'rejected' }) +
      [enrich, aggregate, score].reduce((n, s) => n + sumOf(s, 'tributary_records_dead_lettered_total'), 0) +
      sumOf(sink, 'tributary_sink_dlq_total');
    const time = new Date().toISOString().slice(11, 19);
    if (FRAUD) {
      const unmatched = sumOf(enrich, 'tributary_enrich_joins_total', { result: 'unmatched' });
      const features = sumOf(aggregate, 'tributary_records_produced_total', { topic: FRAUD_TOPICS.features });
      const decisions = sumOf(score, 'tributary_records_produced_total', { topic: FRAUD_TOPICS.decisions });
      const counts = await decisionCounts();
      return `${time} payments/s ${rateOf(accepted).toFixed(0).padStart(4)} | payments ${accepted} | unmatched ${unmatched} | features ${features} | decisions ${decisions} | rows ${rows} (review ${counts['REVIEW'] ?? 0}, decline ${counts['DECLINE'] ?? 0}) | dlq ${dlq}`;
    }
    const windows = sumOf(aggregate, 'tributary_records_produced_total', { topic: 'coldchain.aggregates.1m' });
    const alerts = sumOf(score, 'tributary_records_produced_total', { topic: 'coldchain.alerts' });
    const late = sumOf(aggregate, 'tributary_records_late_total');
    return `${time} readings/s ${rateOf(accepted).toFixed(0).padStart(5)} | readings ${accepted} | windows ${windows} | alerts ${alerts} | rows ${rows} | dlq ${dlq} | late ${late}`;
  };
  const summary = setInterval(() => {
    void summaryLine().then((line) => process.stdout.write(`\r${line}   `));
  }, 2000);

  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    clearInterval(summary);
    console.log(`\ntributary: ${signal}: stopping the simulator and the operators…`);
    // The batch in flight may wait on an ingest that is already stopping: give it a moment, not more.
    await Promise.race([feeding, new Promise((r) => setTimeout(r, 5000))]);
    const exits = await pipeline.stopAll();
    for (const [name, exit] of Object.entries(exits)) say(`${name} exited ${String(exit.code)} in ${exit.seconds.toFixed(1)} s${exit.killed ? ' (killed)' : ''}`);
    await db.end().catch(() => undefined);
    if (stack !== undefined) {
      say('stopping the stack…');
      await stack.stop();
    }
    say('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  await feeding;
  if (!stopping) say(`\nthe simulated day is over; Ctrl-C to stop (${os.EOL})`);
}

main().catch((error: unknown) => {
  console.error(`tributary: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
