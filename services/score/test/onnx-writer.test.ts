import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { inspectOnnx } from '../src/model/onnx-inspect.js';
import { writeLogisticRegressionOnnx, type LogisticRegressionModel } from '../src/model/onnx-writer.js';

const model: LogisticRegressionModel = {
  name: 'test-model',
  version: '3.1.4',
  features: ['a', 'b', 'c'],
  mean: [1, -2, 0.5],
  std: [2, 0.5, 4],
  weights: [0.8, -1.2, 0.3],
  bias: -0.7,
  metadata: { horizonMinutes: '120' },
};

/** The same model computed by hand, in float64. */
function byHand(row: readonly number[]): { risk: number; contributions: number[] } {
  const contributions = row.map((x, i) => ((x - (model.mean[i] as number)) / (model.std[i] as number)) * (model.weights[i] as number));
  const logit = contributions.reduce((s, c) => s + c, model.bias);
  return { risk: 1 / (1 + Math.exp(-logit)), contributions };
}

describe('writeLogisticRegressionOnnx', () => {
  it('runs in onnxruntime-node and matches a hand computation, row by row, in one batch tensor', async () => {
    const rows = [
      [1, -2, 0.5],
      [3, -1, 8],
      [-4, 0, -3],
      [10, -5, 2],
    ];
    const session = await InferenceSession.create(writeLogisticRegressionOnnx(model));
    try {
      expect(session.inputNames).toEqual(['features']);
      expect(session.outputNames).toEqual(['risk', 'contributions']);
      const input = new Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 3]);
      const out = await session.run({ features: input });
      expect(out.risk?.dims).toEqual([4, 1]);
      expect(out.contributions?.dims).toEqual([4, 3]);
      const risk = out.risk?.data as Float32Array;
      const contributions = out.contributions?.data as Float32Array;
      rows.forEach((row, r) => {
        const expected = byHand(row);
        expect(risk[r]).toBeCloseTo(expected.risk, 5);
        expected.contributions.forEach((c, i) => expect(contributions[r * 3 + i]).toBeCloseTo(c, 5));
      });
      // The first row sits at the mean: the risk is sigmoid(bias).
      expect(risk[0]).toBeCloseTo(1 / (1 + Math.exp(0.7)), 6);
    } finally {
      await session.release();
    }
  });

  it('writes name, version, features and extra metadata_props, opset 13 and IR 8, deterministically', () => {
    const bytes = writeLogisticRegressionOnnx(model);
    const inspected = inspectOnnx(bytes);
    expect(inspected.metadata).toEqual({ name: 'test-model', version: '3.1.4', features: 'a,b,c', horizonMinutes: '120' });
    expect(inspected.irVersion).toBe(8);
    expect(inspected.opsetVersion).toBe(13);
    expect(inspected.inputs).toEqual([{ name: 'features', kind: 'tensor', elemType: 'float', dims: ['N', 3] }]);
    expect(inspected.outputs).toEqual([
      { name: 'risk', kind: 'tensor', elemType: 'float', dims: ['N', 1] },
      { name: 'contributions', kind: 'tensor', elemType: 'float', dims: ['N', 3] },
    ]);
    expect(Buffer.from(writeLogisticRegressionOnnx({ ...model })).equals(Buffer.from(bytes))).toBe(true);
  });

  it('refuses parameters that do not fit the features', () => {
    expect(() => writeLogisticRegressionOnnx({ ...model, weights: [1, 2] })).toThrow(/weights has 2 values for 3 features/);
    expect(() => writeLogisticRegressionOnnx({ ...model, std: [1, 0, 1] })).toThrow(/zero/);
    expect(() => writeLogisticRegressionOnnx({ ...model, mean: [1, Number.NaN, 1] })).toThrow(/non-finite/);
  });
});
