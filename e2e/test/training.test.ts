import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { inspectOnnx } from '@tributary/score';
import { auc } from '../src/training/auc.js';
import { fitLogisticRegression, predict } from '../src/training/logistic-regression.js';
import { modelCard } from '../src/training/model-card.js';
import { RISK_FEATURES, trainRiskModel, type TrainingOptions } from '../src/training/risk-model.js';

/** A small fleet (30 units × 4 h) and a small check fleet: seconds, not the full run. */
const SMALL: TrainingOptions = {
  seed: 3,
  containers: 30,
  hours: 4,
  failingShare: 0.4,
  checkFleets: [{ name: 'small', fleet: { seed: 4, containers: 12, hours: 1, failingShare: 0.5, failsAtRange: [0.3, 1] } }],
};

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
  const rows = Array.from({ length: 400 }, (_, i) => [Math.sin(i) * 3, i % 7]);
  const labels = rows.map(([x]) => ((x as number) > 0.5 ? 1 : 0));

  it('recovers the direction of a separable signal and is deterministic', () => {
    const a = fitLogisticRegression(rows, labels, { l2: 1e-3 });
    const b = fitLogisticRegression(rows, labels, { l2: 1e-3 });
    expect(a).toEqual(b);
    expect(a.weights[0]).toBeGreaterThan(1);
    expect(Math.abs(a.weights[1] as number)).toBeLessThan(0.5);
    expect(auc(predict(a, rows), labels)).toBeGreaterThan(0.95);
  });

  it('stops at the minimum of the penalized loss: no small move of a parameter lowers it', () => {
    const noisy = labels.map((y, i) => (i % 5 === 0 ? 1 - y : y));
    const fit = fitLogisticRegression(rows, noisy, { l2: 1e-3 });
    expect(fit.iterations).toBeLessThan(50);
    const lossOf = (weights: number[], bias: number) => {
      const p = predict({ ...fit, weights, bias }, rows);
      let sum = 0;
      noisy.forEach((y, i) => (sum -= y === 1 ? Math.log(p[i] as number) : Math.log(1 - (p[i] as number))));
      return sum / rows.length + (1e-3 / 2) * weights.reduce((s, w) => s + w * w, 0);
    };
    expect(lossOf(fit.weights, fit.bias)).toBeCloseTo(fit.loss, 10);
    for (const delta of [-1e-3, 1e-3]) {
      expect(lossOf(fit.weights, fit.bias + delta)).toBeGreaterThan(fit.loss);
      fit.weights.forEach((_, j) => expect(lossOf(fit.weights.map((w, k) => (k === j ? w + delta : w)), fit.bias)).toBeGreaterThan(fit.loss));
    }
  });

  it('unweighted the mean risk is the share of positives; weighting the positives raises it (a score, no longer a probability)', () => {
    const noisy = labels.map((y, i) => (i % 5 === 0 ? 1 - y : y));
    const plain = predict(fitLogisticRegression(rows, noisy, { l2: 1e-3 }), rows);
    const weighted = predict(fitLogisticRegression(rows, noisy, { l2: 1e-3, positiveWeight: 5 }), rows);
    const mean = (v: Float64Array) => v.reduce((a, b) => a + b, 0) / v.length;
    // Unweighted, the mean predicted probability equals the share of positives (the intercept's first-order condition).
    expect(mean(plain)).toBeCloseTo(noisy.reduce((a, b) => a + b, 0) / noisy.length, 6);
    expect(mean(weighted)).toBeGreaterThan(mean(plain) + 0.1);
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
    expect(inspectOnnx(first.onnx).metadata).toMatchObject({ name: 'coldchain-risk', version: '2.0.0', horizonMinutes: '60' });
    expect(first.metadata.threshold).toBe(first.threshold);
    expect(first.checks.map((c) => c.figures.windows)).toEqual([12 * 60]);

    // The exported graph computes what the fitted parameters predict.
    const rows = [
      [0, 0, 0, 0, 0],
      [1.2, 0.2, 0.05, 3.1, 0.6],
      [-0.3, -0.4, 0.12, 4.5, 4.4],
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
