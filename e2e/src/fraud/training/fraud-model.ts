/**
 * Trains the card-fraud risk model: simulated labelled payments → their
 * look-back features as the oracle computes them (what the aggregate
 * writes to fraud.payment-features) → logistic regression → ONNX +
 * model.json, with held-out and fresh-population figures for the model
 * card. Deterministic: the same options give byte-identical model files.
 */
import type { PaymentFeatures } from '@tributary/schemas';
import { FeatureExtractor, parseFeatures, quantileBins, writeLogisticRegressionOnnx, type ModelMetadata } from '@tributary/score';
import { mixSeed, Random } from '../../simulator/random.js';
import { auc } from '../../training/auc.js';
import { fitLogisticRegression, predict, type FittedModel } from '../../training/logistic-regression.js';
import { expectedFeatures } from '../oracle.js';
import { simulatePayments } from '../simulator.js';
import { DECLINE_THRESHOLD, REVIEW_THRESHOLD } from '../thresholds.js';
import { FRAUD_PATTERNS, type FraudPattern, type SimulatedPayments } from '../types.js';

export { DECLINE_THRESHOLD, REVIEW_THRESHOLD };

/** A feature of the model: its FEATURES expression (a path into PaymentFeatures), unit and meaning. */
export interface FraudFeature {
  readonly name: string;
  readonly expression: string;
  readonly unit: string;
  readonly meaning: string;
}

/**
 * The features, each a field of PaymentFeatures (the score operator reads
 * them by path; a null — no previous located payment, an unknown card —
 * becomes FEATURE_NULL_VALUE, 0, here as there).
 */
export const FRAUD_FEATURES: readonly FraudFeature[] = [
  { name: 'amount', expression: 'amount', unit: 'card currency', meaning: 'the payment’s amount' },
  { name: 'count10m', expression: 'count10m', unit: 'payments', meaning: 'payments of the card in the 10 minutes up to this one, itself included' },
  { name: 'amountSum10m', expression: 'amountSum10m', unit: 'card currency', meaning: 'their total amount' },
  { name: 'count24h', expression: 'count24h', unit: 'payments', meaning: 'payments of the card in the 24 hours up to this one' },
  { name: 'amountSum24h', expression: 'amountSum24h', unit: 'card currency', meaning: 'their total amount' },
  { name: 'merchants24h', expression: 'merchants24h', unit: 'merchants', meaning: 'distinct merchants among them' },
  { name: 'kmFromLast', expression: 'kmFromLast', unit: 'km', meaning: 'great-circle distance from the card’s previous located payment (0 when null)' },
  { name: 'creditLimit', expression: 'creditLimit', unit: 'card currency', meaning: 'the card’s credit limit (0 for an unknown card)' },
];

/** Deciles of each feature's training distribution in model.json: what the operator's drift metrics compare with. */
export const DRIFT_QUANTILES = 10;
/**
 * The model contract requires a positive horizonMinutes; a payment's label
 * is about the payment itself (decided at authorisation), so the value
 * carries no meaning for this model. 1 is the smallest allowed.
 */
export const FRAUD_HORIZON_MINUTES = 1;

const DAY = 86_400_000;

export interface FraudTrainingOptions {
  readonly seed: number;
  readonly cards: number;
  readonly days: number;
  /** Share of cards with a fraud episode in the training population. */
  readonly fraudShare: number;
  /** Share of cards held out for evaluation (default 0.3). */
  readonly heldOutShare?: number;
  /** L2 penalty on the standardized weights (default 1e-4). */
  readonly l2?: number;
  readonly name?: string;
  readonly version?: string;
  /** First payment, epoch ms (default 2025-01-06T00:00Z, a Monday). */
  readonly startTime?: number;
  /** Value of a null feature, as FEATURE_NULL_VALUE in the operator (default 0). */
  readonly nullValue?: number;
  /** A fresh population (another seed, the simulator's default fraud share) the model is checked on (default: seed + 1000, cards, days). */
  readonly check?: { readonly seed: number; readonly cards: number; readonly days: number; readonly fraudShare: number };
}

/** Precision and recall over payments at one threshold (flagged: risk ≥ threshold). */
export interface ThresholdFigures {
  readonly threshold: number;
  readonly flagged: number;
  readonly precision: number | null;
  readonly recall: number;
  /** Share of the legitimate payments flagged. */
  readonly falsePositiveRate: number;
}

/** Per fraud pattern: payments and episodes (cards) caught at a threshold. */
export interface PatternFigures {
  readonly pattern: FraudPattern;
  readonly payments: number;
  readonly paymentsFlagged: number;
  readonly episodes: number;
  /** Episodes with at least one payment flagged. */
  readonly episodesFlagged: number;
}

export interface EvaluationFigures {
  readonly cards: number;
  readonly payments: number;
  readonly fraudPayments: number;
  readonly auc: number;
  readonly thresholds: ThresholdFigures[];
  /** At the REVIEW threshold. */
  readonly patterns: PatternFigures[];
}

export interface FraudTrainingResult {
  readonly onnx: Uint8Array;
  readonly metadata: ModelMetadata;
  readonly model: FittedModel;
  readonly options: Required<Omit<FraudTrainingOptions, 'check'>> & { readonly check: NonNullable<FraudTrainingOptions['check']> };
  readonly train: { readonly cards: number; readonly payments: number; readonly fraudPayments: number; readonly auc: number };
  readonly heldOut: EvaluationFigures;
  /** The fresh population. */
  readonly check: EvaluationFigures;
}

/** A population's payments as rows: features (as the operator extracts them) and labels, with their cards and patterns. */
export interface FraudDataset {
  readonly sim: SimulatedPayments;
  readonly features: PaymentFeatures[];
  readonly rows: number[][];
  readonly labels: (0 | 1)[];
}

/** The FeatureExtractor of the score operator over FRAUD_FEATURES. */
export function fraudExtractor(nullValue = 0): FeatureExtractor {
  return new FeatureExtractor(parseFeatures(FRAUD_FEATURES.map((f) => `${f.name}=${f.expression}`)), nullValue);
}

/** Simulates a population and computes each payment's features with the oracle. */
export function fraudDataset(options: { seed: number; cards: number; days: number; fraudShare: number; startTime: number }, extractor: FeatureExtractor): FraudDataset {
  const sim = simulatePayments({ seed: options.seed, cards: options.cards, startTime: options.startTime, durationMs: options.days * DAY, fraudShare: options.fraudShare });
  const features = expectedFeatures(sim.payments.map((p) => p.payment), sim.cardholders);
  return { sim, features, rows: features.map((f) => extractor.extract(f)), labels: sim.payments.map((p) => (p.fraud ? 1 : 0)) };
}

/** Cards held out, chosen by a seeded shuffle within fraud and clean cards separately (both sides get their share of fraud). */
export function heldOutCards(sim: SimulatedPayments, share: number, seed: number): Set<string> {
  const random = new Random(mixSeed(seed, 0x4e1d));
  const held = new Set<string>();
  for (const group of [sim.cards.filter((c) => c.fraud !== null), sim.cards.filter((c) => c.fraud === null)]) {
    const ids = group.map((c) => c.cardId);
    for (let i = ids.length - 1; i > 0; i--) {
      const j = random.int(0, i);
      [ids[i], ids[j]] = [ids[j] as string, ids[i] as string];
    }
    for (const id of ids.slice(0, Math.round(ids.length * share))) held.add(id);
  }
  return held;
}

function thresholdFigures(threshold: number, risk: ArrayLike<number>, labels: readonly number[]): ThresholdFigures {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let negatives = 0;
  labels.forEach((label, i) => {
    const flagged = (risk[i] as number) >= threshold;
    if (label === 0) negatives++;
    if (flagged && label === 1) tp++;
    else if (flagged) fp++;
    else if (label === 1) fn++;
  });
  return { threshold, flagged: tp + fp, precision: tp + fp === 0 ? null : tp / (tp + fp), recall: tp / Math.max(1, tp + fn), falsePositiveRate: fp / Math.max(1, negatives) };
}

/** The thresholds every evaluation reports (REVIEW and DECLINE among them). */
export const REPORTED_THRESHOLDS: readonly number[] = [0.1, 0.3, REVIEW_THRESHOLD, 0.7, DECLINE_THRESHOLD];

/** Figures of a model on some payments of a population (`include`: which indices). */
function evaluate(model: FittedModel, data: FraudDataset, include: (i: number) => boolean): EvaluationFigures {
  const index = data.rows.map((_, i) => i).filter(include);
  const risk = predict(model, index.map((i) => data.rows[i] as number[]));
  const labels = index.map((i) => data.labels[i] as number);
  const cards = new Set(index.map((i) => data.sim.payments[i]?.payment.cardId));
  const patterns = FRAUD_PATTERNS.map((pattern): PatternFigures => {
    let payments = 0;
    let paymentsFlagged = 0;
    const episodes = new Set<string>();
    const episodesFlagged = new Set<string>();
    index.forEach((i, k) => {
      const p = data.sim.payments[i];
      if (p?.pattern !== pattern) return;
      payments++;
      episodes.add(p.payment.cardId);
      if ((risk[k] as number) >= REVIEW_THRESHOLD) {
        paymentsFlagged++;
        episodesFlagged.add(p.payment.cardId);
      }
    });
    return { pattern, payments, paymentsFlagged, episodes: episodes.size, episodesFlagged: episodesFlagged.size };
  });
  return {
    cards: cards.size,
    payments: index.length,
    fraudPayments: labels.reduce((n, l) => n + l, 0),
    auc: auc(risk, labels),
    thresholds: REPORTED_THRESHOLDS.map((t) => thresholdFigures(t, risk, labels)),
    patterns,
  };
}

const round4 = (x: number) => Number(x.toFixed(4));

export function trainFraudModel(options: FraudTrainingOptions): FraudTrainingResult {
  const resolved = {
    heldOutShare: 0.3,
    l2: 1e-4,
    name: 'fraud-risk',
    version: '1.0.0',
    startTime: Date.UTC(2025, 0, 6),
    nullValue: 0,
    check: { seed: options.seed + 1000, cards: options.cards, days: options.days, fraudShare: 0.05 },
    ...options,
  };
  const extractor = fraudExtractor(resolved.nullValue);
  const data = fraudDataset(resolved, extractor);
  const held = heldOutCards(data.sim, resolved.heldOutShare, resolved.seed);
  const isHeld = (i: number) => held.has(data.sim.payments[i]?.payment.cardId ?? '');
  const trainIndex = data.rows.map((_, i) => i).filter((i) => !isHeld(i));
  const trainRows = trainIndex.map((i) => data.rows[i] as number[]);
  const trainLabels = trainIndex.map((i) => data.labels[i] as number);
  const model = fitLogisticRegression(trainRows, trainLabels, { l2: resolved.l2 });
  const trainAuc = auc(predict(model, trainRows), trainLabels);
  const heldOut = evaluate(model, data, isHeld);
  const check = evaluate(model, fraudDataset({ ...resolved.check, startTime: resolved.startTime }, extractor), () => true);

  const names = FRAUD_FEATURES.map((f) => f.name);
  const review = heldOut.thresholds.find((t) => t.threshold === REVIEW_THRESHOLD) as ThresholdFigures;
  const times = trainIndex.map((i) => data.features[i]?.eventTime.getTime() as number);
  const metadata: ModelMetadata = {
    name: resolved.name,
    version: resolved.version,
    inputName: 'features',
    outputName: 'risk',
    contributionsName: 'contributions',
    features: names,
    featureExpressions: Object.fromEntries(FRAUD_FEATURES.map((f) => [f.name, f.expression])),
    horizonMinutes: FRAUD_HORIZON_MINUTES,
    threshold: REVIEW_THRESHOLD,
    trainingData: { from: new Date(Math.min(...times)).toISOString(), to: new Date(Math.max(...times)).toISOString(), rows: trainRows.length },
    evaluation: {
      heldOutRows: heldOut.payments,
      heldOutPositives: heldOut.fraudPayments,
      heldOutAuc: round4(heldOut.auc),
      trainAuc: round4(trainAuc),
      ...(review.precision === null ? {} : { heldOutPrecision: round4(review.precision) }),
      heldOutRecall: round4(review.recall),
    },
    // The rows the model was fitted on, after the null rule, as the operator sees them.
    featureDistribution: Object.fromEntries(names.map((name, j) => [name, quantileBins(trainRows.map((row) => row[j] as number), DRIFT_QUANTILES)])),
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
  return {
    onnx,
    metadata,
    model,
    options: resolved,
    train: { cards: data.sim.cards.length - held.size, payments: trainRows.length, fraudPayments: trainLabels.reduce((n, l) => n + l, 0), auc: trainAuc },
    heldOut,
    check,
  };
}
