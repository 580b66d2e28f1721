import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { inspectOnnx, parseModelMetadata } from '@tributary/score';
import { DECLINE_THRESHOLD, FRAUD_FEATURES, fraudExtractor, REVIEW_THRESHOLD, trainFraudModel } from '../src/fraud/training/fraud-model.js';
import { FRAUD_TRAINING_DEFAULTS, fraudTrainingCommand, writeFraudModel } from '../src/fraud/training/write-model.js';
import { predict } from '../src/training/logistic-regression.js';

const MODEL_DIR = path.resolve(import.meta.dirname, '../../models/fraud-risk');
const SMALL = { seed: 5, cards: 400, days: 2, fraudShare: 0.15, check: { seed: 6, cards: 200, days: 1, fraudShare: 0.1 } };

describe('trainFraudModel', () => {
  it('is deterministic, beats chance on held-out cards, and onnxruntime scores as the fit does', async () => {
    const first = trainFraudModel(SMALL);
    const second = trainFraudModel(SMALL);
    expect(Buffer.from(second.onnx).equals(Buffer.from(first.onnx))).toBe(true);
    expect(second.metadata).toEqual(first.metadata);
    expect(first.heldOut.fraudPayments).toBeGreaterThan(0);
    expect(first.heldOut.auc).toBeGreaterThan(0.7);
    expect(first.metadata.features).toEqual(FRAUD_FEATURES.map((f) => f.name));
    expect(first.heldOut.thresholds.map((t) => t.threshold)).toEqual(expect.arrayContaining([REVIEW_THRESHOLD, DECLINE_THRESHOLD]));

    const rows = [
      [0, 0, 0, 0, 0, 0, 0, 0],
      [12.5, 1, 12.5, 4, 180, 4, 2.3, 3000],
      [1, 14, 18, 16, 60, 15, 0, 1500],
    ];
    const session = await InferenceSession.create(first.onnx);
    try {
      const out = await session.run({ features: new Tensor('float32', Float32Array.from(rows.flat()), [3, 8]) });
      const risk = out.risk?.data as Float32Array;
      predict(first.model, rows).forEach((p, i) => expect(risk[i]).toBeCloseTo(p, 5));
    } finally {
      await session.release();
    }
  });

  it('turns nulls into the null value, as FEATURE_NULL_VALUE does in the operator', () => {
    const row = fraudExtractor(0).extract({ amount: 5, count10m: 1, amountSum10m: 5, count24h: 1, amountSum24h: 5, merchants24h: 1, kmFromLast: null, creditLimit: null });
    expect(row).toEqual([5, 1, 5, 1, 5, 1, 0, 0]);
  });
});

describe('models/fraud-risk', () => {
  it('is what the training command writes with its defaults (regenerated here, byte for byte)', () => {
    const { files, result } = writeFraudModel(FRAUD_TRAINING_DEFAULTS, fraudTrainingCommand(FRAUD_TRAINING_DEFAULTS));
    expect(Buffer.from(files['model.onnx']).equals(readFileSync(path.join(MODEL_DIR, 'model.onnx')))).toBe(true);
    expect(files['model.json']).toBe(readFileSync(path.join(MODEL_DIR, 'model.json'), 'utf8'));
    expect(files['MODEL_CARD.md']).toBe(readFileSync(path.join(MODEL_DIR, 'MODEL_CARD.md'), 'utf8'));

    // What the card promises about the committed model.
    expect(result.heldOut.auc).toBeGreaterThan(0.9);
    const review = result.heldOut.thresholds.find((t) => t.threshold === REVIEW_THRESHOLD);
    expect(review?.precision).toBeGreaterThan(0.8);
    expect(review?.recall).toBeGreaterThan(0.6);
    expect(result.check.auc).toBeGreaterThan(0.9);
  }, 120_000);

  it('meets the score operator’s model contract: metadata, features as PaymentFeatures paths, graph description', () => {
    const metadata = parseModelMetadata(JSON.parse(readFileSync(path.join(MODEL_DIR, 'model.json'), 'utf8')), 'model.json');
    expect(metadata).toMatchObject({ name: 'fraud-risk', version: '1.0.0', threshold: REVIEW_THRESHOLD });
    expect(metadata.features).toEqual(['amount', 'count10m', 'amountSum10m', 'count24h', 'amountSum24h', 'merchants24h', 'kmFromLast', 'creditLimit']);
    expect(Object.values(metadata.featureExpressions ?? {})).toEqual(metadata.features);
    expect(Object.keys(metadata.featureDistribution ?? {})).toEqual(metadata.features);
    expect(inspectOnnx(readFileSync(path.join(MODEL_DIR, 'model.onnx'))).metadata).toMatchObject({ name: 'fraud-risk', version: '1.0.0' });
  });
});
