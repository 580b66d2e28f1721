import { env, httpEnv, kafkaEnv, readConfig, type ConfigOf } from '@tributary/service';

/** Environment variables of the lag exporter (see the README's config table). */
export const lagExporterEnv = {
  ...kafkaEnv,
  ...httpEnv,
  /** Consumer groups to watch, comma-separated; unset or empty: every group the broker lists except internal ones (`_…`). */
  GROUPS: env.list({ optional: true }),
  /** Time between the end of one poll and the start of the next. */
  POLL_INTERVAL_MS: env.int({ default: 10_000, min: 100 }),
};

export type LagExporterConfig = ConfigOf<typeof lagExporterEnv>;

/** Reads and validates the configuration; a bad value throws a ConfigError naming the variable, its value and what is expected. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): LagExporterConfig {
  return readConfig(lagExporterEnv, source);
}
