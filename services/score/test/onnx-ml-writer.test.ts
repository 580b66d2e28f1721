import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { inspectOnnx, withoutZipMap } from '../src/model/onnx-inspect.js';
import { writeLinearClassifierOnnx, writeTreeEnsembleClassifierOnnx } from '../src/model/onnx-ml-writer.js';
import { forestProbability, LINEAR, logistic, TREES } from './ml-models.js';

const rows = [
  [0, 0, 0],
  [1.5, -1, 2],
  [-2, 0.7, 0.5],
  [0.3, 1.2, -1],
  [3, 0.2, 1.5],
];

async function run(bytes: Uint8Array, fetch: string): Promise<Float32Array> {
  const session = await InferenceSession.create(bytes);
  try {
    const out = await session.run({ float_input: new Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 3]) }, [fetch]);
    expect(out[fetch]?.dims).toEqual([rows.length, 2]);
    return out[fetch]?.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('writeTreeEnsembleClassifierOnnx', () => {
  it('runs in onnxruntime-node: the class-1 column is the forest walked by hand, the class-0 column its complement', async () => {
    const p = await run(writeTreeEnsembleClassifierOnnx({ name: 'forest', version: '1', width: 3, trees: TREES, zipMap: false }), 'probabilities');
    rows.forEach((row, r) => {
      expect(p[r * 2 + 1]).toBeCloseTo(forestProbability(TREES, row), 6);
      expect(p[r * 2]).toBeCloseTo(1 - forestProbability(TREES, row), 6);
    });
    // The rows reach different leaves: the check is not one number five times.
    expect(new Set(rows.map((row) => forestProbability(TREES, row))).size).toBeGreaterThanOrEqual(4);
  });

  it('writes the TreeEnsembleClassifier and, by default, a ZipMap over its probabilities, as skl2onnx does', () => {
    const bytes = writeTreeEnsembleClassifierOnnx({ name: 'forest', version: '1', width: 3, trees: TREES, metadata: { b: '2', a: '1' } });
    const d = inspectOnnx(bytes);
    expect(d.inputs).toEqual([{ name: 'float_input', kind: 'tensor', elemType: 'float', dims: ['N', 3] }]);
    expect(d.outputs).toEqual([
      { name: 'output_label', kind: 'tensor', elemType: 'int64', dims: ['N'] },
      { name: 'output_probability', kind: 'sequence', dims: [] },
    ]);
    expect(d.zipMaps).toEqual([{ input: 'probabilities', output: 'output_probability', labels: [0, 1] }]);
    expect(d.classifierLabels).toEqual([[0, 1]]);
    expect(d.metadata).toEqual({ a: '1', b: '2' });
    expect(Buffer.from(writeTreeEnsembleClassifierOnnx({ name: 'forest', version: '1', width: 3, trees: TREES, metadata: { a: '1', b: '2' } })).equals(Buffer.from(bytes))).toBe(true);
  });

  it('refuses trees that do not fit the input or the classes', () => {
    expect(() => writeTreeEnsembleClassifierOnnx({ name: 'f', version: '1', width: 2, trees: TREES })).toThrow(/feature 2 is not a column of 2/);
    expect(() => writeTreeEnsembleClassifierOnnx({ name: 'f', version: '1', width: 3, trees: [{ leaf: [1] }] })).toThrow(/2 finite class weights/);
    expect(() => writeTreeEnsembleClassifierOnnx({ name: 'f', version: '1', width: 3, trees: [] })).toThrow(/at least one tree/);
  });
});

describe('writeLinearClassifierOnnx', () => {
  it('runs in onnxruntime-node: the class-1 column is the logistic computed by hand', async () => {
    const p = await run(writeLinearClassifierOnnx({ name: 'linear', version: '1', width: 3, ...LINEAR, zipMap: false }), 'probabilities');
    rows.forEach((row, r) => {
      expect(p[r * 2 + 1]).toBeCloseTo(logistic(row, LINEAR.weights, LINEAR.bias), 6);
      expect(p[r * 2]).toBeCloseTo(1 - logistic(row, LINEAR.weights, LINEAR.bias), 6);
    });
  });
});

describe('ZipMap in onnxruntime-node', () => {
  it('cannot be fetched (a sequence of maps); the graph without it gives the tensor the ZipMap was fed', async () => {
    const bytes = writeLinearClassifierOnnx({ name: 'linear', version: '1', width: 3, ...LINEAR });
    const session = await InferenceSession.create(bytes);
    try {
      const input = { float_input: new Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 3]) };
      await expect(session.run(input, ['output_probability'])).rejects.toThrow(/Non tensor type is temporarily not supported/);
    } finally {
      await session.release();
    }
    const zipMap = inspectOnnx(bytes).zipMaps[0];
    if (zipMap === undefined) throw new Error('no ZipMap written');
    const p = await run(withoutZipMap(bytes, zipMap), 'probabilities');
    rows.forEach((row, r) => expect(p[r * 2 + 1]).toBeCloseTo(logistic(row, LINEAR.weights, LINEAR.bias), 6));
  });
});
