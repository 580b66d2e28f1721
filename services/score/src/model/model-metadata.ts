/**
 * A model's metadata: what the operator needs to know that the ONNX graph
 * does not say — its feature names in input order, how to compute and
 * standardize them, where the probability is, its prediction horizon, and
 * what training recorded. It is `model.json` beside `model.onnx` and/or the
 * same JSON in the file's metadata_props under `tributary.model` (see
 * model-loader.ts); the README's "Model contract" lists every field.
 *
 * ```json
 * {
 *   "name": "coldchain-risk", "version": "1.0.0",
 *   "inputName": "features", "outputName": "risk", "contributionsName": "contributions",
 *   "features": ["tempAboveSetpointC", "coolingPowerKw"],
 *   "featureExpressions": { "tempAboveSetpointC": "temperatureC.mean-setpointC", "coolingPowerKw": "coolingPowerKw.mean" },
 *   "horizonMinutes": 120,
 *   "threshold": 0.8,
 *   "trainingData": { "from": "2025-01-06T00:00:00.000Z", "to": "2025-01-07T00:00:00.000Z", "rows": 95389 },
 *   "evaluation": { "heldOutRows": 41358, "heldOutPositives": 300, "heldOutAuc": 0.9609, "trainAuc": 0.95 },
 *   "featureDistribution": { "tempAboveSetpointC": { "edges": [-0.5, 0, 0.4], "proportions": [0.2, 0.3, 0.3, 0.2] }, "…": "…" }
 * }
 * ```
 */
import { ModelError } from '../errors.js';
import type { BinnedDistribution } from '../drift/psi.js';

/** Which rows the model was fitted on (informational). */
export interface TrainingData {
  /** Event time of the first training window's start (ISO 8601). */
  readonly from: string;
  /** Event time of the last training window's end (ISO 8601). */
  readonly to: string;
  /** Training rows (windows). */
  readonly rows: number;
}

/** The training run's held-out figures (informational). */
export interface ModelEvaluation {
  readonly heldOutRows: number;
  readonly heldOutPositives: number;
  readonly heldOutAuc: number;
  readonly trainAuc: number;
  /** Held-out precision of the windows at or above `threshold` (absent when none is). */
  readonly heldOutPrecision?: number;
  /** Held-out recall at `threshold`: the share of positive windows at or above it. */
  readonly heldOutRecall?: number;
}

/** `(x − mean) / std`, applied by the operator to a feature before the model sees it. */
export interface Standardization {
  readonly mean: number;
  readonly std: number;
}

/** The metadata_props key under which an ONNX file carries its own model.json (as JSON text): one self-describing file. */
export const EMBEDDED_METADATA_KEY = 'tributary.model';

export interface ModelMetadata {
  readonly name: string;
  readonly version: string;
  /** Name of the float32 [N, F] input; absent: the graph's only input. */
  readonly inputName?: string;
  /**
   * The output holding the positive class's probability: a float tensor [N] or [N, 1], a tensor [N, C] of
   * class probabilities, or a ZipMap (sequence of maps label → probability). Absent: the graph's only
   * float output, else `probabilities` or `output_probability` (see the README's model contract).
   */
  readonly outputName?: string;
  /** The label of the positive class, for an output with a column (or map entry) per class (default 1). */
  readonly positiveClass?: number | string;
  /** Optional [N, F] output: each feature's additive share of the logit, used to name an alert's reasons. */
  readonly contributionsName?: string;
  /** Feature names in input column order: feature i is column i of the input tensor. */
  readonly features: readonly string[];
  /**
   * Features the operator standardizes before the model sees them, for a model trained on standardized
   * inputs without the scaler in its graph (e.g. a scikit-learn pipeline exported without its StandardScaler).
   */
  readonly standardization?: Readonly<Record<string, Standardization>>;
  /** How each feature is computed (FEATURES syntax without the name); the default FEATURES. */
  readonly featureExpressions?: Readonly<Record<string, string>>;
  /** The model predicts failure within this many minutes. */
  readonly horizonMinutes: number;
  /** Alert threshold the model's card suggests (informational: ALERT_THRESHOLD decides). */
  readonly threshold?: number;
  readonly trainingData?: TrainingData;
  readonly evaluation?: ModelEvaluation;
  /**
   * Each feature's distribution over the training rows (quantile bins, see
   * drift/psi.ts), for every feature: what the drift metrics compare the
   * operator's recent inputs with. Absent: no drift metrics.
   */
  readonly featureDistribution?: Readonly<Record<string, BinnedDistribution>>;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Validates parsed `model.json` content; `source` names the file in errors. */
export function parseModelMetadata(json: unknown, source: string): ModelMetadata {
  const fail = (what: string): never => {
    throw new ModelError(`${source}: ${what}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('expected a JSON object');
  const m = json as Record<string, unknown>;
  for (const key of ['name', 'version'] as const) if (!isString(m[key])) fail(`"${key}" must be a non-empty string`);
  for (const key of ['inputName', 'outputName', 'contributionsName'] as const) {
    if (m[key] !== undefined && !isString(m[key])) fail(`"${key}" must be a non-empty string when present`);
  }
  const positive = m.positiveClass;
  if (positive !== undefined && !(isString(positive) || (typeof positive === 'number' && Number.isInteger(positive)))) fail('"positiveClass" must be an integer or a non-empty string label');
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
  const trainingData = m.trainingData === undefined ? undefined : parseTrainingData(m.trainingData, fail);
  const evaluation = m.evaluation === undefined ? undefined : parseEvaluation(m.evaluation, fail);
  const featureDistribution = m.featureDistribution === undefined ? undefined : parseDistribution(m.featureDistribution, features, fail);
  const standardization = m.standardization === undefined ? undefined : parseStandardization(m.standardization, features, fail);
  return {
    name: m.name as string,
    version: m.version as string,
    ...(m.inputName === undefined ? {} : { inputName: m.inputName as string }),
    ...(m.outputName === undefined ? {} : { outputName: m.outputName as string }),
    ...(positive === undefined ? {} : { positiveClass: positive as number | string }),
    ...(m.contributionsName === undefined ? {} : { contributionsName: m.contributionsName as string }),
    features,
    ...(standardization === undefined ? {} : { standardization }),
    ...(m.featureExpressions === undefined ? {} : { featureExpressions: m.featureExpressions as Record<string, string> }),
    horizonMinutes: m.horizonMinutes as number,
    ...(m.threshold === undefined ? {} : { threshold: m.threshold as number }),
    ...(trainingData === undefined ? {} : { trainingData }),
    ...(evaluation === undefined ? {} : { evaluation }),
    ...(featureDistribution === undefined ? {} : { featureDistribution }),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function parseTrainingData(v: unknown, fail: (what: string) => never): TrainingData {
  if (!isObject(v)) return fail('"trainingData" must be an object');
  for (const key of ['from', 'to'] as const) {
    const t = v[key];
    if (!isString(t) || Number.isNaN(Date.parse(t))) fail(`"trainingData.${key}" must be an ISO 8601 time`);
  }
  if (!isCount(v.rows)) fail('"trainingData.rows" must be a non-negative integer');
  return { from: v.from as string, to: v.to as string, rows: v.rows };
}

function parseEvaluation(v: unknown, fail: (what: string) => never): ModelEvaluation {
  if (!isObject(v)) return fail('"evaluation" must be an object');
  for (const key of ['heldOutRows', 'heldOutPositives'] as const) if (!isCount(v[key])) fail(`"evaluation.${key}" must be a non-negative integer`);
  for (const key of ['heldOutAuc', 'trainAuc'] as const) {
    const auc = v[key];
    if (!(typeof auc === 'number' && auc >= 0 && auc <= 1)) fail(`"evaluation.${key}" must be a number between 0 and 1`);
  }
  for (const key of ['heldOutPrecision', 'heldOutRecall'] as const) {
    const share = v[key];
    if (share !== undefined && !(typeof share === 'number' && share >= 0 && share <= 1)) fail(`"evaluation.${key}" must be a number between 0 and 1 when present`);
  }
  return {
    heldOutRows: v.heldOutRows as number,
    heldOutPositives: v.heldOutPositives as number,
    heldOutAuc: v.heldOutAuc as number,
    trainAuc: v.trainAuc as number,
    ...(v.heldOutPrecision === undefined ? {} : { heldOutPrecision: v.heldOutPrecision as number }),
    ...(v.heldOutRecall === undefined ? {} : { heldOutRecall: v.heldOutRecall as number }),
  };
}

/** Every named feature must be one of the model's, with a finite mean and a positive finite std. */
function parseStandardization(v: unknown, features: readonly string[], fail: (what: string) => never): Record<string, Standardization> {
  if (!isObject(v)) return fail('"standardization" must map feature names to { mean, std }');
  const unknown = Object.keys(v).filter((name) => !features.includes(name));
  if (unknown.length > 0) fail(`"standardization" names features the model does not take: ${unknown.join(', ')}`);
  const result: Record<string, Standardization> = {};
  for (const [name, entry] of Object.entries(v)) {
    const { mean, std } = isObject(entry) ? entry : {};
    if (!Number.isFinite(mean) || !(Number.isFinite(std) && (std as number) > 0)) fail(`"standardization.${name}" must be { mean: a finite number, std: a positive finite number }`);
    result[name] = { mean: mean as number, std: std as number };
  }
  return result;
}

/** Checks every feature has a distribution (and nothing else does): strictly increasing finite edges, one proportion per bin, summing to 1. */
function parseDistribution(v: unknown, features: readonly string[], fail: (what: string) => never): Record<string, BinnedDistribution> {
  if (!isObject(v)) return fail('"featureDistribution" must map feature names to { edges, proportions }');
  const extra = Object.keys(v).filter((name) => !features.includes(name));
  if (extra.length > 0) fail(`"featureDistribution" names features the model does not take: ${extra.join(', ')}`);
  const result: Record<string, BinnedDistribution> = {};
  for (const name of features) {
    const d = v[name];
    const where = `"featureDistribution.${name}"`;
    if (!isObject(d)) return fail(`${where} is missing (a distribution must cover every feature)`);
    const { edges, proportions } = d;
    if (!Array.isArray(edges) || !edges.every((e, i) => Number.isFinite(e) && (i === 0 || (e as number) > (edges[i - 1] as number)))) {
      fail(`${where}.edges must be strictly increasing finite numbers`);
    }
    const bins = (edges as number[]).length + 1;
    if (!Array.isArray(proportions) || proportions.length !== bins || !proportions.every((p) => typeof p === 'number' && p >= 0 && p <= 1)) {
      fail(`${where}.proportions must be ${bins} numbers between 0 and 1 (one per bin: edges + 1)`);
    }
    const sum = (proportions as number[]).reduce((s, p) => s + p, 0);
    if (Math.abs(sum - 1) > 1e-3) fail(`${where}.proportions sum to ${sum}, not 1`);
    result[name] = { edges: edges as number[], proportions: proportions as number[] };
  }
  return result;
}

/** The model's own feature mapping in FEATURES syntax (`name=expr` items), or undefined when it declares none. */
export function defaultFeatureItems(metadata: ModelMetadata): string[] | undefined {
  const expressions = metadata.featureExpressions;
  return expressions === undefined ? undefined : metadata.features.map((name) => `${name}=${expressions[name] ?? ''}`);
}
