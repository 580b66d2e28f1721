import { env, httpEnv, kafkaEnv, readConfig, registryEnv, streamsEnv, type ConfigOf } from '@tributary/service';
import { ConfigError } from '@tributary/streams';
import { parseLookbackFeatures } from './lookback/features.js';

/** Environment variables of the aggregate service (see the README's config table). */
export const aggregateEnv = {
  ...kafkaEnv,
  ...registryEnv,
  ...httpEnv,
  ...streamsEnv,
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
  /** `windows` (default): the cold-chain tumbling windows. `lookback`: per-key look-back features emitted with each record (LOOKBACK_*). Not plain MODE: Vite/vitest set MODE=test in the environment of everything they start. */
  AGGREGATE_MODE: env.oneOf(['windows', 'lookback'], { default: 'windows' }),
  /** AGGREGATE_MODE=lookback: `name=function:range,…` (README, "Look-back features"). */
  LOOKBACK_FEATURES: env.string({ optional: true, expected: 'name=function:range items, e.g. count10m=count:10m,kmFromLast=distance(lat,lon):last' }),
  /** AGGREGATE_MODE=lookback: the input field holding the event time (timestamp-millis or long ms). */
  EVENT_TIME_FIELD: env.string({ default: 'eventTime', pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, expected: 'a field name' }),
  /** AGGREGATE_MODE=lookback: records whose key differs from this input field are dead-lettered; unset: keys are not checked. */
  LOOKBACK_KEY_FIELD: env.string({ optional: true, pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, expected: 'a field name' }),
  /** AGGREGATE_MODE=lookback: how far (event time) a record may be behind its key's latest one and still get exact features; further behind: dead-lettered (LATE_EVENT). */
  LOOKBACK_GRACE_MS: env.int({ default: 300_000, min: 0 }),
};

export type AggregateConfig = ConfigOf<typeof aggregateEnv>;

/** Reads and validates the configuration; a bad value throws a ConfigError naming the variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AggregateConfig {
  const config = readConfig(aggregateEnv, source);
  if (config.AGGREGATE_MODE === 'lookback') {
    // Syntax now; the fields are checked against the registered schemas at start.
    if (config.LOOKBACK_FEATURES === undefined) throw new ConfigError('LOOKBACK_FEATURES is not set: AGGREGATE_MODE=lookback needs the features to compute (e.g. count10m=count:10m)');
    parseLookbackFeatures(config.LOOKBACK_FEATURES);
  }
  return config;
}
