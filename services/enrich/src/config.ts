import { env, httpEnv, kafkaEnv, readConfig, registryEnv, type ConfigOf } from '@tributary/service';

/** Environment variables of the enrich service (see the README's config table). */
export const enrichEnv = {
  ...kafkaEnv,
  ...registryEnv,
  ...httpEnv,
  /** Consumer group, transactional-id prefix and prefix of `<id>.dlq`. */
  APPLICATION_ID: env.string({ default: 'coldchain-enrich', pattern: /^[a-zA-Z0-9._-]+$/, expected: "letters, digits, '.', '_' or '-'" }),
  INPUT_TOPIC: env.string({ default: 'coldchain.readings' }),
  REFERENCE_TOPIC: env.string({ default: 'coldchain.containers' }),
  OUTPUT_TOPIC: env.string({ default: 'coldchain.readings.enriched' }),
  /** `pass`: unmatched readings go out with matched=false and nulls; `dlq`: to `<APPLICATION_ID>.dlq`. */
  UNMATCHED: env.oneOf(['pass', 'dlq'], { default: 'pass' }),
  /** Register the output schema on first use; set false in production (schemas registered by the schema gate). */
  SCHEMA_AUTO_REGISTER: env.boolean({ default: true }),
  PROCESSING_GUARANTEE: env.oneOf(['exactly_once', 'at_least_once'], { default: 'exactly_once' }),
  COMMIT_INTERVAL_MS: env.int({ default: 100, min: 1 }),
};

export type EnrichConfig = ConfigOf<typeof enrichEnv>;

/** Reads and validates the configuration; a bad value throws a ConfigError naming the variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): EnrichConfig {
  return readConfig(enrichEnv, source);
}
