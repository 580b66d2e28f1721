/**
 * A fraud model and PaymentFeatures records for records-mode tests: a
 * logistic regression over the fraud pipeline's eight features, written with
 * the operator's own ONNX writer, and its risk computed in TypeScript (the
 * independent computation the tests compare the operator with).
 */
import type { Decision, PaymentFeatures } from '@tributary/schemas';
import type { ModelMetadata } from '../src/model/model-metadata.js';
import { writeLogisticRegressionOnnx } from '../src/model/onnx-writer.js';

export const FRAUD_FEATURES = ['amount', 'count10m', 'amountSum10m', 'count24h', 'amountSum24h', 'merchants24h', 'kmFromLast', 'creditLimit'] as const;

export const FRAUD_METADATA: ModelMetadata = {
  name: 'fraud-test',
  version: '1.0.0',
  inputName: 'features',
  outputName: 'risk',
  contributionsName: 'contributions',
  features: [...FRAUD_FEATURES],
  // FEATURES-style expressions: each feature is the PaymentFeatures field of its name.
  featureExpressions: Object.fromEntries(FRAUD_FEATURES.map((f) => [f, f])),
  horizonMinutes: 1,
  threshold: 0.5,
};

/** Standardisation and weights chosen so that ordinary payments score low and bursts, far jumps and big amounts high. */
export const FRAUD_PARAMS = {
  mean: [50, 1, 60, 4, 200, 3, 5, 3000],
  std: [100, 1, 150, 4, 300, 3, 50, 2000],
  weights: [0.8, 0.9, 0.3, 0.2, 0.2, 0.5, 0.7, -0.3],
  bias: -3,
};

export function fraudModelBytes(metadata: ModelMetadata = FRAUD_METADATA, params = FRAUD_PARAMS): Uint8Array {
  return writeLogisticRegressionOnnx({ name: metadata.name, version: metadata.version, features: metadata.features, ...params });
}

/** The feature row of a record as the operator computes it: the field's value, a null one as `nullValue`. */
export function fraudRow(p: PaymentFeatures, nullValue = 0): number[] {
  return FRAUD_FEATURES.map((f) => {
    const v = p[f];
    return v === null ? nullValue : Number(v);
  });
}

/** The model's risk, computed in TypeScript (double precision; the ONNX graph runs in float32). */
export function fraudRisk(row: readonly number[], params = FRAUD_PARAMS): number {
  const logit = row.reduce((s, x, i) => s + (((x - (params.mean[i] as number)) / (params.std[i] as number)) * (params.weights[i] as number)), params.bias);
  return 1 / (1 + Math.exp(-logit));
}

/** APPROVE / REVIEW / DECLINE by the thresholds, computed independently of src/records/decision.ts. */
export function expectedDecision(risk: number, threshold: number, critical: number): Decision['decision'] {
  if (risk >= critical) return 'DECLINE';
  if (risk >= threshold) return 'REVIEW';
  return 'APPROVE';
}

/**
 * Payment `i` of a deterministic stream: card `i % cards`; every 7th payment
 * of a card a burst (many payments, many merchants, far away), every 11th a
 * big amount, every 13th a middling one (a few payments, a larger amount:
 * REVIEW at the usual thresholds); card 3 unknown to the cardholders (nulls).
 */
export function payment(i: number, startTime: number, cards = 10): PaymentFeatures {
  const card = i % cards;
  const n = Math.floor(i / cards);
  const burst = n % 7 === 3;
  const big = n % 11 === 5;
  const middling = !burst && !big && n % 13 === 7;
  const matched = card !== 3;
  const amount = big ? 2500 + card * 10 : middling ? 280 + card * 4 : 5 + ((i * 37) % 120) + (burst ? 1 : 0) * 0.99;
  return {
    paymentId: `pay-${String(i).padStart(6, '0')}`,
    cardId: `card-${String(card).padStart(3, '0')}`,
    merchantId: `m-${(i * 13) % 50}`,
    amount,
    currency: 'EUR',
    lat: n % 5 === 0 ? null : 48 + card * 0.1,
    lon: n % 5 === 0 ? null : 2 + (burst ? 40 : 0),
    eventTime: new Date(startTime + i * 1000),
    channel: n % 5 === 0 ? 'ONLINE' : 'POS',
    matched,
    homeLat: matched ? 48 + card * 0.1 : null,
    homeLon: matched ? 2 : null,
    creditLimit: matched ? 1000 + card * 500 : null,
    riskSegment: matched ? 'LOW' : null,
    count10m: burst ? 9 : middling ? 3 : 1 + (n % 2),
    amountSum10m: burst ? amount * 9 : amount,
    count24h: burst ? 20 : 3 + (n % 4),
    amountSum24h: burst ? 900 : 150 + amount,
    merchants24h: burst ? 12 : 2,
    kmFromLast: n === 0 || n % 5 === 0 ? null : burst ? 2900 : n % 3,
  };
}
