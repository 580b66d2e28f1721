/**
 * Trains the cold-chain compressor-failure risk model: labelled simulated
 * history → logistic regression → ONNX + model.json, with held-out figures
 * for the model card. Deterministic: the same options give byte-identical
 * model files.
 */
import { FeatureExtractor, parseFeatures, writeLogisticRegressionOnnx, type ModelMetadata } from '@tributary/score';
import { auc } from './auc.js';
import { heldOutContainers, labelledHistory, type LabelledWindow } from './dataset.js';
import { fitLogisticRegression, predict, type FittedModel } from './logistic-regression.js';

/** A feature of the model: how the score operator computes it, and its unit. */
export interface FeatureDefinition {
  readonly name: string;
  readonly expression: string;
  readonly unit: string;
  readonly meaning: string;
}

/**
 * The features: the return-air temperature relative to the setpoint (a
 * worn unit's icing evaporator runs warm, and a weak compressor cannot pull
 * the air down to the bottom of its band), its trend, the power trend, and
 * door time, which explains warm air away when the door was open. Absolute
 * power and humidity are left out on purpose: they mostly say which cargo a
 * box carries (a frozen unit draws more), so with a few dozen failing units
 * they teach the model the cargo mix of the failures, and the held-out AUC
 * drops.
 */
export const RISK_FEATURES: readonly FeatureDefinition[] = [
  { name: 'tempAboveSetpointC', expression: 'temperatureC.mean-setpointC', unit: '°C', meaning: 'mean return-air temperature minus the setpoint' },
  { name: 'tempMinAboveSetpointC', expression: 'temperatureC.min-setpointC', unit: '°C', meaning: 'lowest return-air temperature of the window minus the setpoint' },
  { name: 'temperatureSlopeCPerMin', expression: 'temperatureSlopeCPerMin', unit: '°C/min', meaning: 'least-squares temperature trend within the window' },
  { name: 'coolingPowerSlopeKwPerMin', expression: 'coolingPowerSlopeKwPerMin', unit: 'kW/min', meaning: 'least-squares cooling-unit power trend within the window' },
  { name: 'doorOpenSeconds', expression: 'doorOpenSeconds', unit: 's', meaning: 'seconds the door was open within the window' },
];

export interface TrainingOptions {
  readonly seed: number;
  readonly containers: number;
  readonly hours: number;
  readonly failingShare: number;
  /** Share of containers held out for evaluation (default 0.3). */
  readonly heldOutShare?: number;
  readonly horizonMinutes?: number;
  readonly iterations?: number;
  readonly learningRate?: number;
  readonly l2?: number;
  readonly name?: string;
  readonly version?: string;
  /** First simulated reading (default 2025-01-06T00:00Z, a Monday). */
  readonly startTime?: number;
  /** Value of a null feature, as FEATURE_NULL_VALUE in the operator (default 0). */
  readonly nullValue?: number;
}

export interface ThresholdFigures {
  readonly threshold: number;
  readonly precision: number | null;
  readonly recall: number;
  readonly alerts: number;
}

export interface TrainingResult {
  readonly onnx: Uint8Array;
  readonly metadata: ModelMetadata;
  readonly model: FittedModel;
  readonly options: Required<Omit<TrainingOptions, 'startTime'>> & { readonly startTime: number };
  readonly data: {
    readonly windows: number;
    readonly positives: number;
    readonly excludedAfterFailure: number;
    readonly failingContainers: number;
    readonly train: { readonly containers: number; readonly windows: number; readonly positives: number };
    readonly heldOut: { readonly containers: number; readonly windows: number; readonly positives: number; readonly failingContainers: number };
  };
  readonly trainAuc: number;
  readonly heldOutAuc: number;
  /** Held-out precision and recall at a few thresholds, the suggested one included. */
  readonly thresholds: ThresholdFigures[];
  /** Threshold with the best F1 on the training windows. */
  readonly suggestedThreshold: number;
}

function figuresAt(threshold: number, risk: ArrayLike<number>, labels: readonly number[]): ThresholdFigures {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  labels.forEach((label, i) => {
    const alert = (risk[i] as number) >= threshold;
    if (alert && label === 1) tp++;
    else if (alert) fp++;
    else if (label === 1) fn++;
  });
  return { threshold, precision: tp + fp === 0 ? null : tp / (tp + fp), recall: tp / Math.max(1, tp + fn), alerts: tp + fp };
}

/** The threshold (a multiple of 0.05) with the best F1 on `risk`; ties go to the higher threshold. */
function bestF1Threshold(risk: ArrayLike<number>, labels: readonly number[]): number {
  let best = { threshold: 0.5, f1: -1 };
  for (let k = 19; k >= 1; k--) {
    const threshold = k / 20;
    const { precision, recall } = figuresAt(threshold, risk, labels);
    const f1 = precision === null || precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    if (f1 > best.f1) best = { threshold, f1 };
  }
  return best.threshold;
}

const countPositives = (windows: readonly LabelledWindow[]): number => windows.reduce((n, w) => n + w.label, 0);

export function trainRiskModel(options: TrainingOptions): TrainingResult {
  const resolved = {
    heldOutShare: 0.3,
    horizonMinutes: 120,
    iterations: 1000,
    learningRate: 0.5,
    l2: 0.01,
    name: 'coldchain-risk',
    version: '1.0.0',
    startTime: Date.UTC(2025, 0, 6),
    nullValue: 0,
    ...options,
  };
  const extractor = new FeatureExtractor(
    parseFeatures(RISK_FEATURES.map((f) => `${f.name}=${f.expression}`)),
    resolved.nullValue,
  );
  const history = labelledHistory(
    { seed: resolved.seed, containers: resolved.containers, durationMs: resolved.hours * 3_600_000, failingShare: resolved.failingShare, startTime: resolved.startTime },
    extractor,
    resolved.horizonMinutes * 60_000,
  );
  const held = heldOutContainers(history.containers, resolved.heldOutShare, resolved.seed);
  const train = history.windows.filter((w) => !held.has(w.containerId));
  const test = history.windows.filter((w) => held.has(w.containerId));
  const model = fitLogisticRegression(
    train.map((w) => w.features),
    train.map((w) => w.label),
    { seed: resolved.seed, iterations: resolved.iterations, learningRate: resolved.learningRate, l2: resolved.l2 },
  );
  const trainLabels = train.map((w) => w.label);
  const testLabels = test.map((w) => w.label);
  const trainRisk = predict(model, train.map((w) => w.features));
  const testRisk = predict(model, test.map((w) => w.features));
  const suggestedThreshold = bestF1Threshold(trainRisk, trainLabels);
  const thresholds = [...new Set([0.5, suggestedThreshold, 0.8, 0.9])].sort((a, b) => a - b).map((t) => figuresAt(t, testRisk, testLabels));

  const metadata: ModelMetadata = {
    name: resolved.name,
    version: resolved.version,
    inputName: 'features',
    outputName: 'risk',
    contributionsName: 'contributions',
    features: RISK_FEATURES.map((f) => f.name),
    featureExpressions: Object.fromEntries(RISK_FEATURES.map((f) => [f.name, f.expression])),
    horizonMinutes: resolved.horizonMinutes,
    threshold: suggestedThreshold,
  };
  const onnx = writeLogisticRegressionOnnx({
    name: metadata.name,
    version: metadata.version,
    features: metadata.features,
    mean: model.mean,
    std: model.std,
    weights: model.weights,
    bias: model.bias,
    metadata: { horizonMinutes: String(metadata.horizonMinutes) },
  });
  const failing = history.containers.filter((c) => c.failsAt !== null);
  return {
    onnx,
    metadata,
    model,
    options: resolved,
    data: {
      windows: history.windows.length,
      positives: countPositives(history.windows),
      excludedAfterFailure: history.excludedAfterFailure,
      failingContainers: failing.length,
      train: { containers: history.containers.length - held.size, windows: train.length, positives: countPositives(train) },
      heldOut: { containers: held.size, windows: test.length, positives: countPositives(test), failingContainers: failing.filter((c) => held.has(c.containerId)).length },
    },
    trainAuc: auc(trainRisk, trainLabels),
    heldOutAuc: auc(testRisk, testLabels),
    thresholds,
    suggestedThreshold,
  };
}
