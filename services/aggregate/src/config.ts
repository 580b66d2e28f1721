import { env, httpEnv, kafkaEnv, readConfig, registryEnv, type ConfigOf } from '@tributary/service';

/** Environment variables of the aggregate service (see the README's config table). */
export const aggregateEnv = {
  ...kafkaEnv,
  ...registryEnv,
  ...httpEnv,
  /** Consumer group, transactional-id prefix and prefix of `<id>.dlq`, `<id>.late`, `<id>-windows-1m-changelog`. */
  APPLICATION_ID: env.string({ default: 'coldchain-aggregate', pattern: /^[a-zA-Z0-9._-]+$/, expected: "letters, digits, '.', '_' or '-'" }),
  INPUT_TOPIC: env.string({ default: 'coldchain.readings.enriched' }),
  OUTPUT_TOPIC: env.string({ default: 'coldchain.aggregates.1m' }),
  /** Tumbling window size (event time, aligned to the epoch). */
  WINDOW_MS: env.int({ default: 60_000, min: 1 }),
  /** A window accepts readings until the watermark reaches its end + GRACE_MS; later ones go to `<APPLICATION_ID>.late`. */
  GRACE_MS: env.int({ default: 30_000, min: 0 }),
  /** Unset: a quiet partition's windows wait for its next reading. Set: after this much wall-clock silence they close anyway. */
  IDLE_ADVANCE_MS: env.int({ optional: true, min: 1 }),
  /** Register the output schema on first use; set false in production (schemas registered by the schema gate). */
  SCHEMA_AUTO_REGISTER: env.boolean({ default: true }),
  PROCESSING_GUARANTEE: env.oneOf(['exactly_once', 'at_least_once'], { default: 'exactly_once' }),
  COMMIT_INTERVAL_MS: env.int({ default: 100, min: 1 }),
};

export type AggregateConfig = ConfigOf<typeof aggregateEnv>;

/** Reads and validates the configuration; a bad value throws a ConfigError naming the variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AggregateConfig {
  return readConfig(aggregateEnv, source);
}
