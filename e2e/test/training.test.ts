import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { inspectOnnx } from '@tributary/score';
import { auc } from '../src/training/auc.js';
import { fitLogisticRegression, predict } from '../src/training/logistic-regression.js';
import { modelCard } from '../src/training/model-card.js';
import { RISK_FEATURES, trainRiskModel, type TrainingOptions } from '../src/training/risk-model.js';

/** A small fleet (30 units × 4 h): seconds, not the full run. */
const SMALL: TrainingOptions = { seed: 3, containers: 30, hours: 4, failingShare: 0.4, iterations: 300 };

describe('auc', () => {
  it('is the Mann–Whitney statistic, ties counting one half', () => {
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(auc([1, 2, 3], [0, 1, 1])).toBe(1);
    expect(auc([3, 2, 1], [0, 1, 1])).toBe(0);
    expect(auc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
    expect(() => auc([1, 2], [1, 1])).toThrow(/both classes/);
  });
});

describe('fitLogisticRegression', () => {
  it('recovers the direction of a separable signal and is deterministic', () => {
    const rows = Array.from({ length: 400 }, (_, i) => [Math.sin(i) * 3, i % 7]);
    const labels = rows.map(([x]) => ((x as number) > 0.5 ? 1 : 0));
    const a = fitLogisticRegression(rows, labels, { seed: 1, iterations: 300 });
    const b = fitLogisticRegression(rows, labels, { seed: 1, iterations: 300 });
    expect(a).toEqual(b);
    expect(a.weights[0]).toBeGreaterThan(1);
    expect(Math.abs(a.weights[1] as number)).toBeLessThan(0.5);
    expect(auc(predict(a, rows), labels)).toBeGreaterThan(0.95);
  });
});

describe('trainRiskModel', () => {
  it('writes byte-identical models from the same options, better than chance on held-out units, that onnxruntime scores as the fit does', async () => {
    const first = trainRiskModel(SMALL);
    const second = trainRiskModel(SMALL);
    expect(Buffer.from(second.onnx).equals(Buffer.from(first.onnx))).toBe(true);
    expect(second.metadata).toEqual(first.metadata);
    expect(modelCard(second, 'cmd')).toBe(modelCard(first, 'cmd'));

    expect(first.data.heldOut.positives).toBeGreaterThan(0);
    expect(first.heldOutAuc).toBeGreaterThan(0.5);
    expect(first.metadata.features).toEqual(RISK_FEATURES.map((f) => f.name));
    expect(inspectOnnx(first.onnx).metadata).toMatchObject({ name: 'coldchain-risk', version: '1.0.0', horizonMinutes: '120' });

    // The exported graph computes what the fitted parameters predict.
    const rows = [
      [0, 0, 0, 0, 0],
      [1.2, 0.4, 0.05, -0.2, 30],
      [-0.3, -0.6, -0.02, 0.1, 0],
    ];
    const session = await InferenceSession.create(first.onnx);
    try {
      const out = await session.run({ features: new Tensor('float32', Float32Array.from(rows.flat()), [3, 5]) });
      const risk = out.risk?.data as Float32Array;
      predict(first.model, rows).forEach((p, i) => expect(risk[i]).toBeCloseTo(p, 5));
    } finally {
      await session.release();
    }
  });
});
