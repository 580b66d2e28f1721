/**
 * `model.json`, the sidecar next to `model.onnx`: what the operator needs to
 * know about a model that the ONNX graph does not say — its feature names
 * in input order, how to compute them, its prediction horizon.
 *
 * ```json
 * {
 *   "name": "coldchain-risk", "version": "1.0.0",
 *   "inputName": "features", "outputName": "risk", "contributionsName": "contributions",
 *   "features": ["tempAboveSetpointC", "coolingPowerKw"],
 *   "featureExpressions": { "tempAboveSetpointC": "temperatureC.mean-setpointC", "coolingPowerKw": "coolingPowerKw.mean" },
 *   "horizonMinutes": 120,
 *   "threshold": 0.8
 * }
 * ```
 */
import { ModelError } from '../errors.js';

export interface ModelMetadata {
  readonly name: string;
  readonly version: string;
  /** Name of the float32 [N, F] input. */
  readonly inputName: string;
  /** Name of the [N, 1] probability output. */
  readonly outputName: string;
  /** Optional [N, F] output: each feature's additive share of the logit, used to name an alert's reasons. */
  readonly contributionsName?: string;
  /** Feature names in input column order. */
  readonly features: readonly string[];
  /** How each feature is computed (FEATURES syntax without the name); the default FEATURES. */
  readonly featureExpressions?: Readonly<Record<string, string>>;
  /** The model predicts failure within this many minutes. */
  readonly horizonMinutes: number;
  /** Alert threshold the model's card suggests (informational: ALERT_THRESHOLD decides). */
  readonly threshold?: number;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Validates parsed `model.json` content; `source` names the file in errors. */
export function parseModelMetadata(json: unknown, source: string): ModelMetadata {
  const fail = (what: string): never => {
    throw new ModelError(`${source}: ${what}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('expected a JSON object');
  const m = json as Record<string, unknown>;
  for (const key of ['name', 'version', 'inputName', 'outputName'] as const) if (!isString(m[key])) fail(`"${key}" must be a non-empty string`);
  if (m.contributionsName !== undefined && !isString(m.contributionsName)) fail('"contributionsName" must be a non-empty string when present');
  if (!Array.isArray(m.features) || m.features.length === 0 || !m.features.every(isString)) fail('"features" must be a non-empty array of names');
  const features = m.features as string[];
  if (new Set(features).size !== features.length) fail('"features" names a feature twice');
  if (m.featureExpressions !== undefined) {
    const e = m.featureExpressions;
    if (typeof e !== 'object' || e === null || Array.isArray(e) || !Object.values(e).every(isString)) fail('"featureExpressions" must map feature names to expressions');
    const missing = features.filter((f) => !isString((e as Record<string, unknown>)[f]));
    if (missing.length > 0) fail(`"featureExpressions" has no expression for ${missing.join(', ')}`);
  }
  if (typeof m.horizonMinutes !== 'number' || !Number.isInteger(m.horizonMinutes) || m.horizonMinutes <= 0) fail('"horizonMinutes" must be a positive integer');
  if (m.threshold !== undefined && !(typeof m.threshold === 'number' && m.threshold >= 0 && m.threshold <= 1)) fail('"threshold" must be a number between 0 and 1');
  return {
    name: m.name as string,
    version: m.version as string,
    inputName: m.inputName as string,
    outputName: m.outputName as string,
    ...(m.contributionsName === undefined ? {} : { contributionsName: m.contributionsName as string }),
    features,
    ...(m.featureExpressions === undefined ? {} : { featureExpressions: m.featureExpressions as Record<string, string> }),
    horizonMinutes: m.horizonMinutes as number,
    ...(m.threshold === undefined ? {} : { threshold: m.threshold as number }),
  };
}

/** The model's own feature mapping in FEATURES syntax (`name=expr` items), or undefined when it declares none. */
export function defaultFeatureItems(metadata: ModelMetadata): string[] | undefined {
  const expressions = metadata.featureExpressions;
  return expressions === undefined ? undefined : metadata.features.map((name) => `${name}=${expressions[name] ?? ''}`);
}
