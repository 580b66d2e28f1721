/**
 * loadModel refuses, with a message naming the mismatch, every model the
 * operator could not score correctly — and returns the refusal rather than
 * throwing, so a hot reload can keep the model it has.
 */
import { WindowAggregateSchema } from '@tributary/schemas';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { numericPaths } from '../src/features/numeric-paths.js';
import { loadModel, type ModelLoad } from '../src/model/model-loader.js';
import type { ModelMetadata } from '../src/model/model-metadata.js';
import { writeLinearClassifierOnnx, writeTreeEnsembleClassifierOnnx } from '../src/model/onnx-ml-writer.js';
import { TEST_METADATA, testModelBytes } from './fixtures.js';
import { classifierMetadata, LINEAR, TREES } from './ml-models.js';

const { onnx } = onnxProto;

const FEATURES = { items: undefined, nullValue: 0, numericPaths: numericPaths(WindowAggregateSchema.schema) };

/** The refusal's message; fails the test if the model was accepted (and releases it). */
async function refusal(load: Promise<ModelLoad>): Promise<string> {
  const result = await load;
  if (result.ok) {
    await result.model.release();
    throw new Error('the model was accepted');
  }
  return result.refusal.message;
}

/** The model with its graph edited. */
function edited(bytes: Uint8Array, edit: (graph: onnxProto.onnx.GraphProto) => void): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  if (!model.graph) throw new Error('no graph');
  // decode() builds GraphProto instances; the generated type only promises the interface.
  edit(model.graph as onnxProto.onnx.GraphProto);
  return onnx.ModelProto.encode(model).finish();
}

const forest = (zipMap = true, metadata?: Record<string, string>) =>
  writeTreeEnsembleClassifierOnnx({ name: 'forest', version: TEST_METADATA.version, width: 3, trees: TREES, zipMap, ...(metadata ? { metadata } : {}) });

describe('loadModel', () => {
  it('accepts a model that matches, and its scorer scores', async () => {
    const result = await loadModel(forest(), classifierMetadata('forest'), FEATURES);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.model.scorer.contract).toMatchObject({ inputName: 'float_input', probabilityOutput: 'probabilities', columns: 2, column: 1, reads: 'output_probability (ZipMap) [label 1]' });
    expect(result.model.features.names).toEqual(TEST_METADATA.features);
    const { risk } = await result.model.scorer.score(new Float32Array(6), 2);
    expect(risk).toHaveLength(2);
    await result.model.release();
  });

  it('refuses a graph with another input count, width or element type', async () => {
    const twoInputs = edited(testModelBytes(), (g) => {
      g.input.push(onnx.ValueInfoProto.create({ name: 'extra', type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 1 }] } } } }));
    });
    expect(await refusal(loadModel(twoInputs, TEST_METADATA, FEATURES))).toMatch(/the graph takes 2 inputs \(features tensor\(float\) \[N, 3\], extra tensor\(float\) \[1\]\); the operator feeds exactly one, float32 \[N, 3\]/);
    const narrow = { ...TEST_METADATA, features: ['tempAboveSetpointC', 'doorOpenSeconds'] };
    expect(await refusal(loadModel(testModelBytes(), narrow, FEATURES))).toMatch(/input "features" has shape \[N, 3\]; expected \[N, 2\] for features tempAboveSetpointC, doorOpenSeconds/);
    const doubles = edited(forest(), (g) => {
      const type = g.input[0]?.type?.tensorType;
      if (type) type.elemType = onnx.TensorProto.DataType.DOUBLE;
    });
    expect(await refusal(loadModel(doubles, classifierMetadata('forest'), FEATURES))).toMatch(/input float_input tensor\(double\) \[N, 3\] is not a float32 tensor/);
  });

  it('refuses a graph without a probability output, or with an output of another kind', async () => {
    const labelOnly = edited(forest(), (g) => {
      g.output = g.output.filter((o) => o.name === 'output_label');
    });
    expect(await refusal(loadModel(labelOnly, classifierMetadata('forest'), FEATURES))).toMatch(
      /no probability output: outputs are output_label tensor\(int64\) \[N\]; expected one float32 output, or one named probabilities or output_probability, or set outputName/,
    );
    expect(await refusal(loadModel(forest(), classifierMetadata('forest', { outputName: 'output_label' }), FEATURES))).toMatch(/probability output output_label tensor\(int64\) \[N\] is not a float32 tensor or a ZipMap/);
    expect(await refusal(loadModel(forest(), classifierMetadata('forest', { outputName: 'risk' }), FEATURES))).toMatch(/no graph output "risk" \(outputs: output_label tensor\(int64\) \[N\], output_probability sequence\)/);
    expect(await refusal(loadModel(testModelBytes(), { ...TEST_METADATA, contributionsName: 'why' }, FEATURES))).toMatch(/no graph output "why"/);
  });

  it('refuses a positive class that is not among the class labels', async () => {
    const metadata = classifierMetadata('linear', { positiveClass: 7 });
    for (const zipMap of [true, false]) {
      const bytes = writeLinearClassifierOnnx({ name: 'linear', version: metadata.version, width: 3, ...LINEAR, zipMap });
      expect(await refusal(loadModel(bytes, metadata, FEATURES))).toMatch(/the positive class 7 is not among the class labels \[0, 1\] of .*; set positiveClass/);
    }
  });

  it('refuses feature names the operator cannot compute', async () => {
    const unknown = { ...TEST_METADATA, features: ['tempAboveSetpointC', 'coolingPowerSlopeKwPerMin', 'vibration'], featureExpressions: undefined };
    const { featureExpressions: _e, ...withoutExpressions } = unknown;
    expect(await refusal(loadModel(testModelBytes(), withoutExpressions, FEATURES))).toMatch(/FEATURES is not set and model test-risk 0.0.1 declares no featureExpressions/);
    const items = ['tempAboveSetpointC=temperatureC.mean-setpointC', 'coolingPowerSlopeKwPerMin=coolingPowerSlopeKwPerMin', 'doorOpenSeconds=doorOpenSeconds'];
    expect(await refusal(loadModel(testModelBytes(), withoutExpressions, { ...FEATURES, items }))).toMatch(/FEATURES does not match model test-risk 0.0.1: .*; missing: vibration; unknown to the model: doorOpenSeconds/);
    // In embedded metadata, a standardization of a feature the model does not take is refused when parsed.
    const bad = { ...classifierMetadata('forest'), standardization: { vibration: { mean: 0, std: 1 } } };
    expect(await refusal(loadModel(forest(true, { 'tributary.model': JSON.stringify(bad) }), undefined, FEATURES))).toMatch(/"standardization" names features the model does not take: vibration/);
  });

  it('refuses corrupt bytes: not ONNX, or a truncated model', async () => {
    expect(await refusal(loadModel(Buffer.from('not a model at all'), TEST_METADATA, FEATURES))).toMatch(/model is not an ONNX model/);
    const bytes = testModelBytes();
    expect(await refusal(loadModel(bytes.subarray(0, Math.floor(bytes.length / 2)), TEST_METADATA, FEATURES))).toMatch(/is not an ONNX model|onnxruntime cannot load/);
  });

  it('refuses a model without metadata, and model.json and embedded metadata that disagree', async () => {
    expect(await refusal(loadModel(forest(), undefined, FEATURES))).toMatch(/model has no metadata: no model.json was given and its metadata_props hold no "tributary.model"/);
    const embedded = forest(true, { 'tributary.model': JSON.stringify(classifierMetadata('forest')) });
    expect(await refusal(loadModel(embedded, classifierMetadata('forest', { horizonMinutes: 30, positiveClass: 0 }), FEATURES))).toMatch(
      /model.json and the embedded "tributary.model" metadata differ in horizonMinutes, positiveClass/,
    );
    // The same metadata in both places (key order aside) is fine.
    const reordered = Object.fromEntries(Object.entries(classifierMetadata('forest')).reverse()) as unknown as ModelMetadata;
    const same = await loadModel(embedded, reordered, FEATURES);
    expect(same.ok).toBe(true);
    if (same.ok) await same.model.release();
  });
});
