import { env, httpEnv, kafkaEnv, readConfig, registryEnv, streamsEnv, type ConfigOf } from '@tributary/service';
import { ConfigError } from '@tributary/streams';
import { parseJoinFields } from './join/fields.js';

/** Environment variables of the enrich service (see the README's config table). */
export const enrichEnv = {
  ...kafkaEnv,
  ...registryEnv,
  ...httpEnv,
  ...streamsEnv,
  /** Consumer group, transactional-id prefix and prefix of `<id>.dlq`. */
  APPLICATION_ID: env.string({ default: 'coldchain-enrich', pattern: /^[a-zA-Z0-9._-]+$/, expected: "letters, digits, '.', '_' or '-'" }),
  INPUT_TOPIC: env.string({ default: 'coldchain.readings' }),
  REFERENCE_TOPIC: env.string({ default: 'coldchain.containers' }),
  OUTPUT_TOPIC: env.string({ default: 'coldchain.readings.enriched' }),
  /**
   * `containers` (default): the cold-chain readings ⟕ containers join. `join`: any pipeline: input ⟕ reference by
   * JOIN_KEY_FIELD, copying JOIN_FIELDS, over the schemas registered for the three topics (README, "Join mode").
   * Not plain MODE: Vite/vitest set MODE=test in the environment of everything they start.
   */
  ENRICH_MODE: env.oneOf(['containers', 'join'], { default: 'containers' }),
  /** ENRICH_MODE=join: the input field (string) looked up in the reference table; the output is keyed by it. */
  JOIN_KEY_FIELD: env.string({ optional: true, pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, expected: 'a field name' }),
  /** ENRICH_MODE=join: the reference fields copied into the output, `field` or `outName=field`, comma-separated. */
  JOIN_FIELDS: env.string({ optional: true, expected: 'field or outName=field items, e.g. homeLat,homeLon,limit=creditLimit' }),
  /** `pass`: unmatched readings go out with matched=false and nulls; `dlq`: to `<APPLICATION_ID>.dlq`. */
  UNMATCHED: env.oneOf(['pass', 'dlq'], { default: 'pass' }),
  /** Register the output schema on first use; set false in production (schemas registered by the schema gate). */
  SCHEMA_AUTO_REGISTER: env.boolean({ default: true }),
};

export type EnrichConfig = ConfigOf<typeof enrichEnv>;

/** Reads and validates the configuration; a bad value throws a ConfigError naming the variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): EnrichConfig {
  const config = readConfig(enrichEnv, source);
  if (config.ENRICH_MODE === 'join') {
    // Syntax now; the fields are checked against the registered schemas at start.
    if (config.JOIN_KEY_FIELD === undefined) throw new ConfigError('JOIN_KEY_FIELD is not set: ENRICH_MODE=join needs the input field looked up in the reference table (e.g. cardId)');
    if (config.JOIN_FIELDS === undefined) throw new ConfigError('JOIN_FIELDS is not set: ENRICH_MODE=join needs the reference fields to copy (e.g. homeLat,homeLon,creditLimit)');
    parseJoinFields(config.JOIN_FIELDS);
  }
  return config;
}
