/**
 * Environment of the image's one-shot and helper commands (`tributary setup`,
 * `tributary simulate`), read and validated like the operators' own: a bad
 * value stops the command with a message naming the variable.
 */
import { ConfigError, errorMessage } from '@tributary/streams';
import { env, httpEnv, kafkaEnv, readConfig, registryEnv, type ConfigOf, type ConfigSpec } from '@tributary/service';
import { PIPELINES } from '../pipeline/topics.js';

/** Which pipeline a command works for: the cold chain (default) or card fraud (same images, other configuration). */
const PIPELINE = env.oneOf(PIPELINES, { default: 'coldchain' });

/** `tributary setup`: where the topics and schemas go, and how long Kafka and the registry may take to come up. */
export const setupEnv = {
  ...kafkaEnv,
  ...registryEnv,
  /** Whose topics to create: `coldchain` or `fraud`. Every schema file is registered either way. */
  PIPELINE,
  /** Partitions of every pipeline topic (all are keyed by one id — container or card — so they share one count). */
  PARTITIONS: env.int({ default: 4, min: 1 }),
  /** Copies of each partition; at most the number of brokers. */
  REPLICATION_FACTOR: env.int({ default: 1, min: 1 }),
  /** How long setup keeps retrying while Kafka or the registry are still starting, before it fails. */
  SETUP_TIMEOUT_MS: env.int({ default: 120_000, min: 1 }),
  LOG_LEVEL: httpEnv.LOG_LEVEL,
};

export type SetupConfig = ConfigOf<typeof setupEnv>;

/** `tributary simulate`: the fleet (or the cards), its pace, and where it posts. */
export const simulateEnv = {
  ...kafkaEnv,
  ...registryEnv,
  /** `coldchain`: reefers posting readings; `fraud`: cards paying (cardholders to fraud.cardholders, payments to ingest). */
  PIPELINE,
  /** Base URL of ingest; readings go to `<INGEST_URL>/records`. */
  INGEST_URL: env.url({ default: 'http://127.0.0.1:8080' }),
  /** Sent as `Authorization: Bearer …` when ingest requires a token. */
  INGEST_TOKEN: env.string({ optional: true, secret: true }),
  /** Same seed, same fleet (container ids, cargo, which units fail and when) or same cards and payments. */
  SEED: env.int({ default: 42, min: 0 }),
  CONTAINERS: env.int({ default: 40, min: 1 }),
  /** Fraud: cards in the simulated population. */
  CARDS: env.int({ default: 5000, min: 1 }),
  /** Fraud: share of the cards with a fraud episode in the simulated day. */
  FRAUD_SHARE: env.number({ default: 0.05, min: 0, max: 1 }),
  /** Simulated seconds per wall-clock second (each container reports once per simulated second); default 10 for the cold chain, 60 for fraud. */
  SPEED: env.number({ optional: true, min: 0.01 }),
  /** How long the simulator waits for Kafka and the registry before it gives up. */
  STARTUP_TIMEOUT_MS: env.int({ default: 120_000, min: 1 }),
  LOG_LEVEL: httpEnv.LOG_LEVEL,
};

export type SimulateConfig = ConfigOf<typeof simulateEnv>;

/**
 * Reads `spec` from the environment; on a ConfigError prints one JSON line
 * (the operators' log format) and exits 2, the usage-error code the
 * operators use for a bad configuration.
 */
export function readCommandConfig<S extends ConfigSpec>(command: string, spec: S, source: NodeJS.ProcessEnv = process.env): ConfigOf<S> {
  try {
    return readConfig(spec, source);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(JSON.stringify({ level: 'fatal', service: command, msg: `invalid configuration: ${errorMessage(error)}` }));
    process.exit(2);
  }
}
