import { fileURLToPath } from 'node:url';
import { env, httpEnv, kafkaEnv, readConfig, registryEnv, streamsEnv, type ConfigOf } from '@tributary/service';
import { ConfigError } from '@tributary/streams';
import { parseFeatures } from './features/feature-spec.js';

/** The model committed with the repository (`models/coldchain-risk/model.onnx`), found from this file in src/ or dist/. */
export const DEFAULT_MODEL_PATH = fileURLToPath(new URL('../../../models/coldchain-risk/model.onnx', import.meta.url));

/** Environment variables of the score service (see the README's config table). */
export const scoreEnv = {
  ...kafkaEnv,
  ...registryEnv,
  ...httpEnv,
  ...streamsEnv,
  /** Consumer group, transactional-id prefix and prefix of `<id>.dlq`. */
  /**
   * `windows` (default): WindowAggregate → RiskScore + Alert (cold chain). `records`: any record → the record registered under
   * `<SCORES_TOPIC>-value`, computed fields + fields copied from the input (README "Records mode"); no alerts topic.
   */
  SCORE_MODE: env.oneOf(['windows', 'records'], { default: 'windows' }),
  APPLICATION_ID: env.string({ default: 'coldchain-score', pattern: /^[a-zA-Z0-9._-]+$/, expected: "letters, digits, '.', '_' or '-'" }),
  INPUT_TOPIC: env.string({ default: 'coldchain.aggregates.1m' }),
  SCORES_TOPIC: env.string({ default: 'coldchain.scores' }),
  ALERTS_TOPIC: env.string({ default: 'coldchain.alerts' }),
  /** The ONNX model file. */
  MODEL_PATH: env.string({ default: DEFAULT_MODEL_PATH }),
  /** The model's sidecar; default `model.json` next to MODEL_PATH. */
  MODEL_METADATA_PATH: env.string({ optional: true }),
  /**
   * Remote models (README "Remote models"): the model server's URL. Set, the model runs there, not in-process: MODEL_PATH is
   * not read, and the model's metadata is MODEL_METADATA_PATH or, unset, what the server answers to a GET of this URL.
   */
  MODEL_ENDPOINT: env.url({ optional: true }),
  /** Requests to the model server in flight at most, for the whole instance. */
  REMOTE_CONCURRENCY: env.int({ default: 4, min: 1 }),
  /** A batch is sent as requests of at most this many rows. */
  REMOTE_BATCH_ROWS: env.int({ default: 256, min: 1 }),
  /** One request, from sending to the whole answer read. */
  REMOTE_TIMEOUT_MS: env.int({ default: 2000, min: 1 }),
  /** Retries of a request after a transient failure (connection error, timeout, 429, 5xx). */
  REMOTE_MAX_RETRIES: env.int({ default: 5, min: 0 }),
  /** A batch's requests end (retries included) within this long; below the transaction timeout (30 s) and the consumer session timeout (10 s). */
  REMOTE_DEADLINE_MS: env.int({ default: 8000, min: 1, max: 25_000 }),
  /** `name=expr,…` (expr: a dotted path or `path-path`); default: the model's own featureExpressions from model.json. */
  FEATURES: env.list({ optional: true }),
  /** Value of a feature whose input is null, missing or not finite. */
  FEATURE_NULL_VALUE: env.number({ default: 0 }),
  /** Alert when risk ≥ this; the default is the committed model's `threshold` (models/coldchain-risk/model.json, see its card). */
  ALERT_THRESHOLD: env.number({ default: 0.5, min: 0, max: 1 }),
  CRITICAL_THRESHOLD: env.number({ default: 0.9, min: 0, max: 1 }),
  ALERT_MAX_REASONS: env.int({ default: 3, min: 0 }),
  /** Register the output schemas on first use; set false in production (schemas registered by the schema gate). */
  SCHEMA_AUTO_REGISTER: env.boolean({ default: true }),
  /** Drift metrics: PSI of each feature over the last this many scored windows against the training distribution; 0 disables them. */
  DRIFT_WINDOW_ROWS: env.int({ default: 1000, min: 0 }),
  /** Hot reload: the compacted topic models are published to (`npm run model -- publish`); unset: the model file only. */
  MODELS_TOPIC: env.string({ optional: true }),
  /** The model (key on MODELS_TOPIC) to follow; default: the name of the model file's model. */
  MODEL_NAME: env.string({ optional: true }),
  /** Shadow scoring: another key on MODELS_TOPIC whose latest publication scores every batch beside the live model (needs MODELS_TOPIC). */
  SHADOW_MODEL_NAME: env.string({ optional: true }),
  /** Where the shadow RiskScores go; default `<SCORES_TOPIC>.shadow` (created like the scores topic when missing). */
  SHADOW_SCORES_TOPIC: env.string({ optional: true }),
};

export type ScoreConfig = ConfigOf<typeof scoreEnv>;

/**
 * Reads and validates the configuration; a bad value throws a ConfigError
 * naming the variable. FEATURES is checked for syntax here; against the
 * model and the input schema when the model is loaded.
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): ScoreConfig {
  const config = readConfig(scoreEnv, source);
  if (config.FEATURES !== undefined) parseFeatures(config.FEATURES);
  if (config.SHADOW_MODEL_NAME !== undefined && config.MODELS_TOPIC === undefined) {
    throw new ConfigError(`SHADOW_MODEL_NAME=${config.SHADOW_MODEL_NAME} needs MODELS_TOPIC: the shadow model is published there`);
  }
  // Records mode decides APPROVE / REVIEW (≥ ALERT_THRESHOLD) / DECLINE (≥ CRITICAL_THRESHOLD): the second must not be below the first.
  if (config.SCORE_MODE === 'records' && config.CRITICAL_THRESHOLD < config.ALERT_THRESHOLD) {
    throw new ConfigError(
      `CRITICAL_THRESHOLD=${config.CRITICAL_THRESHOLD} is below ALERT_THRESHOLD=${config.ALERT_THRESHOLD}: with SCORE_MODE=records, DECLINE (risk ≥ CRITICAL_THRESHOLD) must imply REVIEW's threshold`,
    );
  }
  return config;
}
