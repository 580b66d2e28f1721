/**
 * Trains the cold-chain compressor-failure risk model: labelled simulated
 * history → logistic regression → ONNX + model.json, with held-out figures
 * for the model card. Deterministic: the same options give byte-identical
 * model files.
 */
import { FeatureExtractor, parseFeatures, quantileBins, writeLogisticRegressionOnnx, type ModelMetadata } from '@tributary/score';
import { alertFigures, checkFleet, DEFAULT_CHECK_FLEET, type AlertFigures, type CheckFleetOptions } from './alert-check.js';
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
 * The features, all from the one window the operator sees (its aggregate):
 *
 * - the temperature relative to the setpoint and its trend: a unit that
 *   cannot keep up stays above its band and warms (its return air also runs
 *   warm: an icing evaporator moves less air);
 * - the temperature's spread within the minute: a healthy unit pulling the
 *   air down (after a door opening, say) cools fast, which explains a warm
 *   box away;
 * - the mean and the lowest cooling power: a short-cycling compressor is
 *   called all the time (a high mean) but trips to the fans again and again
 *   (a low minimum), while a healthy one pulling down runs steadily (its
 *   minimum is its full draw).
 *
 * Door time is left out: with the spread and the minimum power, its weight
 * came out near zero (they already tell a door opening from wear). Power is
 * in absolute kW, so a frozen unit (which draws more) reads higher; the
 * minimum's large negative weight keeps that from reading as wear (see the
 * model card, which also lists the other features tried).
 */
export const RISK_FEATURES: readonly FeatureDefinition[] = [
  { name: 'tempMinAboveSetpointC', expression: 'temperatureC.min-setpointC', unit: '°C', meaning: 'lowest return-air temperature of the window minus the setpoint' },
  { name: 'temperatureSlopeCPerMin', expression: 'temperatureSlopeCPerMin', unit: '°C/min', meaning: 'least-squares temperature trend within the window' },
  { name: 'temperatureStddevC', expression: 'temperatureC.stddev', unit: '°C', meaning: 'spread of the temperature within the window' },
  { name: 'coolingPowerMeanKw', expression: 'coolingPowerKw.mean', unit: 'kW', meaning: 'mean electrical draw of the cooling unit' },
  { name: 'coolingPowerMinKw', expression: 'coolingPowerKw.min', unit: 'kW', meaning: 'lowest electrical draw of the window (the fans alone when the compressor stopped)' },
];

/** Quantile bins of each feature's training distribution in model.json (deciles): what the score operator's drift metrics compare with. */
export const DRIFT_QUANTILES = 10;

/** A fleet the trained model is checked on the way the product uses it (see alert-check.ts). */
export interface NamedCheckFleet {
  readonly name: string;
  readonly fleet: CheckFleetOptions;
}

/**
 * The fleets every training run checks its model on: fresh seeds, failures
 * inside the run. Three hours of 40 units (the check the tests repeat with
 * onnxruntime on the committed model), and a whole day, so every hour of the
 * day-night cycle on every lane is seen once.
 */
export const DEFAULT_CHECK_FLEETS: readonly NamedCheckFleet[] = [
  { name: '40 units × 3 h', fleet: DEFAULT_CHECK_FLEET },
  { name: '40 units × 24 h', fleet: { seed: 2027, containers: 40, hours: 24, failingShare: 0.25, failsAtRange: [0.1, 0.95] } },
];

export interface TrainingOptions {
  readonly seed: number;
  readonly containers: number;
  readonly hours: number;
  readonly failingShare: number;
  /** Share of containers held out for evaluation (default 0.3). */
  readonly heldOutShare?: number;
  /** Label horizon (default 60: the last hour before failure is what one-minute windows can see). */
  readonly horizonMinutes?: number;
  /** L2 penalty on the standardized weights (default 1e-5: barely more than what keeps the fit well-posed). */
  readonly l2?: number;
  /** Weight of a positive window in the loss (default 1: no reweighting, the output stays a probability). */
  readonly positiveWeight?: number;
  readonly name?: string;
  readonly version?: string;
  /** First simulated reading (default 2025-01-06T00:00Z, a Monday). */
  readonly startTime?: number;
  /** Value of a null feature, as FEATURE_NULL_VALUE in the operator (default 0). */
  readonly nullValue?: number;
  /** Fleets to check the model on after the fit (default DEFAULT_CHECK_FLEETS). */
  readonly checkFleets?: readonly NamedCheckFleet[];
}

export interface ThresholdFigures {
  readonly threshold: number;
  readonly precision: number | null;
  readonly recall: number;
  readonly alerts: number;
}

export interface CheckResult {
  readonly name: string;
  readonly fleet: Required<CheckFleetOptions>;
  /** At the alert threshold. */
  readonly figures: AlertFigures;
  /** At the best-F1 threshold, for comparison. */
  readonly atBestF1: AlertFigures;
}

export interface TrainingResult {
  readonly onnx: Uint8Array;
  readonly metadata: ModelMetadata;
  readonly model: FittedModel;
  readonly options: Required<Omit<TrainingOptions, 'startTime' | 'checkFleets'>> & { readonly startTime: number };
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
  /** Held-out precision and recall at a few thresholds, the alert threshold and the best-F1 one included. */
  readonly thresholds: ThresholdFigures[];
  /** The alert threshold (ALERT_THRESHOLD_POLICY): model.json's `threshold`, the operator's default ALERT_THRESHOLD. */
  readonly threshold: number;
  /** The threshold (a multiple of 0.05) with the best F1 on the training windows, for comparison. */
  readonly bestF1Threshold: number;
  /** What the threshold does on fresh fleets, per unit (risks from the fitted parameters in float64). */
  readonly checks: CheckResult[];
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

/**
 * The alert threshold: alert when failure within the horizon is more likely
 * than not. The risk is an (unweighted) probability, so 0.5 means what it
 * says; the best-F1 threshold on the training windows (0.2 for 2.0.0)
 * catches the same failing units earlier but raises about four times the
 * false alerts on healthy units (the model card compares them).
 */
export const ALERT_THRESHOLD_POLICY = 0.5;

const countPositives = (windows: readonly LabelledWindow[]): number => windows.reduce((n, w) => n + w.label, 0);

export function trainRiskModel(options: TrainingOptions): TrainingResult {
  const { checkFleets = DEFAULT_CHECK_FLEETS, ...rest } = options;
  const resolved = {
    heldOutShare: 0.3,
    horizonMinutes: 60,
    l2: 1e-5,
    positiveWeight: 1,
    name: 'coldchain-risk',
    version: '2.0.0',
    startTime: Date.UTC(2025, 0, 6),
    nullValue: 0,
    ...rest,
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
    { l2: resolved.l2, positiveWeight: resolved.positiveWeight },
  );
  const trainLabels = train.map((w) => w.label);
  const testLabels = test.map((w) => w.label);
  const trainRisk = predict(model, train.map((w) => w.features));
  const testRisk = predict(model, test.map((w) => w.features));
  const threshold = ALERT_THRESHOLD_POLICY;
  const bestF1 = bestF1Threshold(trainRisk, trainLabels);
  const thresholds = [...new Set([bestF1, 0.3, threshold, 0.8, 0.9])].sort((a, b) => a - b).map((t) => figuresAt(t, testRisk, testLabels));
  const checks = checkFleets.map(({ name, fleet: fleetOptions }): CheckResult => {
    const fleet = checkFleet(fleetOptions);
    const risks = predict(model, fleet.aggregates.map((a) => extractor.extract(a)));
    return {
      name,
      fleet: fleet.options,
      figures: alertFigures(fleet, risks, threshold, resolved.horizonMinutes),
      atBestF1: alertFigures(fleet, risks, bestF1, resolved.horizonMinutes),
    };
  });

  const names = RISK_FEATURES.map((f) => f.name);
  const heldOutAuc = auc(testRisk, testLabels);
  const trainAuc = auc(trainRisk, trainLabels);
  const atThreshold = figuresAt(threshold, testRisk, testLabels);
  const metadata: ModelMetadata = {
    name: resolved.name,
    version: resolved.version,
    inputName: 'features',
    outputName: 'risk',
    contributionsName: 'contributions',
    features: names,
    featureExpressions: Object.fromEntries(RISK_FEATURES.map((f) => [f.name, f.expression])),
    horizonMinutes: resolved.horizonMinutes,
    threshold,
    trainingData: {
      from: new Date(train.reduce((t, w) => Math.min(t, w.windowStart), Infinity)).toISOString(),
      to: new Date(train.reduce((t, w) => Math.max(t, w.windowEnd), -Infinity)).toISOString(),
      rows: train.length,
    },
    evaluation: {
      heldOutRows: test.length,
      heldOutPositives: countPositives(test),
      heldOutAuc: Number(heldOutAuc.toFixed(4)),
      trainAuc: Number(trainAuc.toFixed(4)),
      ...(atThreshold.precision === null ? {} : { heldOutPrecision: Number(atThreshold.precision.toFixed(4)) }),
      heldOutRecall: Number(atThreshold.recall.toFixed(4)),
    },
    // The rows the model was fitted on (the held-out units left out), after the null rule, as the operator sees them.
    featureDistribution: Object.fromEntries(names.map((name, i) => [name, quantileBins(train.map((w) => w.features[i] as number), DRIFT_QUANTILES)])),
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
    trainAuc,
    heldOutAuc,
    thresholds,
    threshold,
    bestF1Threshold: bestF1,
    checks,
  };
}
