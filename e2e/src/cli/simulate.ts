/**
 * `tributary simulate`: the cold-chain fleet simulator as a program. Publishes
 * the fleet's container references to the compacted reference topic, then
 * posts its readings to ingest as NDJSON at SPEED simulated seconds per
 * second (the simulated day is the one before the start, so event times
 * never run ahead of the clock), until the simulated day is over.
 * SIGTERM stops it cleanly: no new batch, the one in flight gets 5 s.
 *
 *   INGEST_URL=http://ingest:8080 SEED=42 CONTAINERS=40 SPEED=10 tributary simulate
 *
 * With PIPELINE=fraud it simulates CARDS payment cards instead: their
 * cardholder records to fraud.cardholders, then their payments to ingest
 * (INGEST_TOPIC=fraud.payments), each posted when its event time comes
 * round at SPEED (default 60) simulated seconds per second.
 *
 *   PIPELINE=fraud INGEST_URL=http://ingest:8080 SEED=42 CARDS=5000 tributary simulate
 */
import { Kafka, logLevel } from 'kafkajs';
import { createLogger, kafkaConfig, registryClient } from '@tributary/service';
import { errorMessage } from '@tributary/streams';
import { simulatePayments } from '../fraud/index.js';
import { feed } from '../pipeline/feeder.js';
import { publishCardholders } from '../pipeline/fraud-pipeline.js';
import { IngestClient } from '../pipeline/ingest-client.js';
import { feedPayments } from '../pipeline/payment-feeder.js';
import { publishReferences } from '../pipeline/reference-publisher.js';
import { simulateFleet } from '../simulator/index.js';
import { readCommandConfig, simulateEnv } from './config.js';
import { StoppedWhileWaiting, untilReady } from './retry.js';

const DAY_MS = 24 * 3_600_000;
const PROGRESS_EVERY_MS = 10_000;
/** How long the batch in flight may take after a signal (ingest may itself be stopping). */
const DRAIN_MS = 5_000;

const config = readCommandConfig('simulate', simulateEnv);
const log = createLogger('simulate', config.LOG_LEVEL);
const exit = (code: number): void => void setImmediate(() => process.exit(code));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Node is PID 1 in the container: these handlers are what makes `docker stop` a clean stop rather than a SIGKILL after the grace period.
let stopping = false;
const signalled = new Promise<NodeJS.Signals>((resolve) => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve(signal));
});
void signalled.then((signal) => {
  stopping = true;
  log.info({ signal }, 'stopping');
});

/**
 * Start of the simulated day: a day before now, so the day ends where the clock was at the start and event times never
 * run ahead of the clock. Operators stamp outputs with event times, and the broker refuses records stamped more than
 * log.message.timestamp.after.max.ms (1 h) ahead: a day starting now stopped the aggregate within minutes.
 */
const dayStart = (): number => Math.floor((Date.now() - DAY_MS) / 60_000) * 60_000;

/** The cold-chain fleet: references, then readings at CONTAINERS × SPEED per second. */
async function simulateColdChain(): Promise<void> {
  const speed = config.SPEED ?? 10;
  // Failures early in the simulated day (the model alerts about an hour ahead), so alerts come within the first minutes.
  const fleet = simulateFleet({
    seed: config.SEED,
    containers: config.CONTAINERS,
    startTime: dayStart(),
    durationMs: DAY_MS,
    failingShare: 0.25,
    failsAtRange: [0.01, 0.15],
  });
  const kafka = new Kafka({ ...kafkaConfig(config, 'tributary-simulate'), logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const registry = registryClient(config);
  await untilReady('Kafka and the schema registry', () => publishReferences(kafka, registry, fleet.references), {
    deadline: Date.now() + config.STARTUP_TIMEOUT_MS,
    log,
    stopped: () => stopping,
  });
  const readingsPerSecond = config.CONTAINERS * speed;
  log.info({ seed: config.SEED, containers: config.CONTAINERS, references: fleet.references.length, ingest: config.INGEST_URL, readingsPerSecond }, 'references published; posting readings');

  const client = new IngestClient({ url: config.INGEST_URL, ...(config.INGEST_TOKEN !== undefined ? { token: config.INGEST_TOKEN } : {}), stopped: () => stopping });
  let lastProgress = Date.now();
  const feeding = feed(client, fleet.posts(), {
    readingsPerSecond,
    batchSize: 200,
    stopped: () => stopping,
    onProgress: (stats) => {
      if (Date.now() - lastProgress < PROGRESS_EVERY_MS) return;
      lastProgress = Date.now();
      log.info({ ...stats, retries: client.retries }, 'progress');
    },
  });
  await untilDoneOrSignalled(feeding, client);
}

/** The card population: cardholders, then payments as their event times come round at SPEED. */
async function simulateFraud(): Promise<void> {
  const speed = config.SPEED ?? 60;
  const startTime = dayStart();
  const simulation = simulatePayments({ seed: config.SEED, cards: config.CARDS, startTime, durationMs: DAY_MS, fraudShare: config.FRAUD_SHARE });
  const kafka = new Kafka({ ...kafkaConfig(config, 'tributary-simulate'), logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const registry = registryClient(config);
  await untilReady('Kafka and the schema registry', () => publishCardholders(kafka, registry, simulation.cardholders), {
    deadline: Date.now() + config.STARTUP_TIMEOUT_MS,
    log,
    stopped: () => stopping,
  });
  log.info(
    { seed: config.SEED, cards: config.CARDS, cardholders: simulation.cardholders.length, payments: simulation.payments.length, fraud: simulation.payments.filter((p) => p.fraud).length, ingest: config.INGEST_URL, speed },
    'cardholders published; posting payments',
  );
  const client = new IngestClient({ url: config.INGEST_URL, ...(config.INGEST_TOKEN !== undefined ? { token: config.INGEST_TOKEN } : {}), stopped: () => stopping });
  let lastProgress = Date.now();
  const feeding = feedPayments(client, simulation.payments, {
    speed,
    startTime,
    batchSize: 200,
    stopped: () => stopping,
    onProgress: (stats) => {
      if (Date.now() - lastProgress < PROGRESS_EVERY_MS) return;
      lastProgress = Date.now();
      log.info({ ...stats, retries: client.retries }, 'progress');
    },
  });
  await untilDoneOrSignalled(feeding, client);
}

/** Waits for the feed to finish or a signal; after a signal the batch in flight gets DRAIN_MS. */
async function untilDoneOrSignalled(feeding: Promise<object>, client: IngestClient): Promise<void> {
  const outcome = await Promise.race([feeding.then((stats) => ({ done: stats })), signalled.then((signal) => ({ signal }))]);
  if ('signal' in outcome) {
    await Promise.race([feeding.catch(() => undefined), sleep(DRAIN_MS)]);
    log.info('stopped');
  } else {
    log.info({ ...outcome.done, retries: client.retries }, 'the simulated day is over');
  }
}

try {
  await (config.PIPELINE === 'fraud' ? simulateFraud() : simulateColdChain());
  exit(0);
} catch (error) {
  if (stopping || error instanceof StoppedWhileWaiting) {
    log.info('stopped');
    exit(0);
  } else {
    log.fatal({ err: error }, `simulate failed: ${errorMessage(error)}`);
    exit(1);
  }
}
