/**
 * Bring your own model: the score topology (TopologyTestDriver, real tasks)
 * scores windows with a logistic regression, a tree ensemble and a
 * LinearClassifier, each through loadModel, and every risk equals an
 * independent computation here (the logistic by hand, the trees walked in
 * plain TypeScript), standardization included.
 */
import { string } from '@tributary/streams';
import { AlertSchema, RiskScoreSchema, WindowAggregateSchema, type RiskScore, type WindowAggregate } from '@tributary/schemas';
import { TopologyTestDriver } from '@tributary/testing';
import { describe, expect, it } from 'vitest';
import { numericPaths } from '../src/features/numeric-paths.js';
import { loadModel, type LoadedModel } from '../src/model/model-loader.js';
import type { ModelMetadata } from '../src/model/model-metadata.js';
import { writeLinearClassifierOnnx, writeTreeEnsembleClassifierOnnx } from '../src/model/onnx-ml-writer.js';
import { writeLogisticRegressionOnnx } from '../src/model/onnx-writer.js';
import { buildTopology } from '../src/topology.js';
import { avroBinarySerde } from './avro-binary-serde.js';
import { aggregate, TEST_METADATA } from './fixtures.js';
import { classifierMetadata, forestProbability, LINEAR, logistic, standardize, TREES } from './ml-models.js';

const serdes = {
  aggregate: avroBinarySerde(WindowAggregateSchema),
  score: avroBinarySerde(RiskScoreSchema),
  alert: avroBinarySerde(AlertSchema),
};

/** Windows whose features (tempAboveSetpointC, coolingPowerSlopeKwPerMin, doorOpenSeconds) spread over the trees' leaves. */
const WINDOWS: WindowAggregate[] = [
  [4, 0.1, 0],
  [7.5, -0.5, 45],
  [6.5, 0.9, 5],
  [3, 0.35, 120],
  [9, 0.05, 0],
].map(([mean, slope, door], i) =>
  aggregate({
    containerId: `TEST000000${i}`,
    temperatureC: { mean: mean as number, min: (mean as number) - 0.5, max: (mean as number) + 0.5, stddev: 0.2 },
    setpointC: 4,
    coolingPowerSlopeKwPerMin: slope as number,
    doorOpenSeconds: door as number,
  }),
);

/** The raw features of a window, as the operator computes them from the model's featureExpressions. */
const rawFeatures = (w: WindowAggregate): number[] => [w.temperatureC.mean - (w.setpointC as number), w.coolingPowerSlopeKwPerMin, w.doorOpenSeconds];

async function load(bytes: Uint8Array, metadata: ModelMetadata | undefined): Promise<LoadedModel> {
  const result = await loadModel(bytes, metadata, { items: undefined, nullValue: 0, numericPaths: numericPaths(WindowAggregateSchema.schema) });
  if (!result.ok) throw new Error(`refused: ${result.refusal.message}`);
  return result.model;
}

/** Pipes every window through the score topology with `model`; the scores, in input order. */
async function scoreWindows(model: LoadedModel): Promise<RiskScore[]> {
  const d = new TopologyTestDriver(buildTopology({ serdes, scorer: model.scorer, features: model.features, policy: { threshold: 0.5, criticalThreshold: 0.9, maxReasons: 3 } }), {
    applicationId: 'coldchain-score',
  });
  try {
    const input = d.createInputTopic<string, WindowAggregate>('coldchain.aggregates.1m', { key: string(), value: serdes.aggregate });
    const scores = d.createOutputTopic<string, RiskScore>('coldchain.scores', { key: string(), value: serdes.score });
    for (const w of WINDOWS) await input.pipeInput(w.containerId, w);
    return scores.readValuesToList();
  } finally {
    d.close();
    await model.release();
  }
}

function expectRisks(scores: readonly RiskScore[], expected: (raw: number[]) => number): number[] {
  expect(scores.map((s) => s.containerId)).toEqual(WINDOWS.map((w) => w.containerId));
  const risks = WINDOWS.map((w) => expected(rawFeatures(w)));
  scores.forEach((s, i) => {
    expect(s.risk).toBeCloseTo(risks[i] as number, 6);
    // RiskScore.features are the raw values, in each feature's unit, not the standardized ones the model saw.
    expect(Object.values(s.features)).toEqual(rawFeatures(WINDOWS[i] as WindowAggregate));
  });
  return risks;
}

describe('bring your own model: the score topology', () => {
  it('(a) a logistic regression standardizing in its graph: risks are the logistic computed by hand', async () => {
    const mean = [0.5, 0.1, 10];
    const std = [2, 0.4, 20];
    const weights = [1.2, -0.8, 0.6];
    const bias = -0.4;
    const bytes = writeLogisticRegressionOnnx({ name: TEST_METADATA.name, version: TEST_METADATA.version, features: TEST_METADATA.features, mean, std, weights, bias });
    const scores = await scoreWindows(await load(bytes, TEST_METADATA));
    const risks = expectRisks(scores, (raw) => logistic(raw.map((x, i) => (x - (mean[i] as number)) / (std[i] as number)), weights, bias));
    expect(Math.min(...risks)).toBeLessThan(0.3);
    expect(Math.max(...risks)).toBeGreaterThan(0.7);
  });

  for (const zipMap of [true, false]) {
    const output = zipMap ? 'a ZipMap (skl2onnx default)' : 'a [N, 2] tensor (zipmap False)';
    it(`(b) a TreeEnsembleClassifier with ${output}, standardized by the operator: risks are the trees walked by hand`, async () => {
      const metadata = classifierMetadata('forest');
      const bytes = writeTreeEnsembleClassifierOnnx({ name: 'forest', version: metadata.version, width: 3, trees: TREES, zipMap });
      const risks = expectRisks(await scoreWindows(await load(bytes, metadata)), (raw) => forestProbability(TREES, standardize(metadata, raw)));
      // Five windows, at least four leaves combinations: the standardization decides which leaf each reaches.
      expect(new Set(risks).size).toBeGreaterThanOrEqual(4);
      // Without standardization the same windows would reach other leaves: the test can tell.
      expect(WINDOWS.map((w) => forestProbability(TREES, rawFeatures(w)))).not.toEqual(risks);
    });

    it(`(c) a LinearClassifier with ${output}, standardized by the operator: risks are the logistic computed by hand`, async () => {
      const metadata = classifierMetadata('linear');
      const bytes = writeLinearClassifierOnnx({ name: 'linear', version: metadata.version, width: 3, ...LINEAR, zipMap });
      expectRisks(await scoreWindows(await load(bytes, metadata)), (raw) => logistic(standardize(metadata, raw), LINEAR.weights, LINEAR.bias));
    });
  }

  it('reads the column of positiveClass: with positiveClass 0 the risk is the complement', async () => {
    const metadata = classifierMetadata('linear', { positiveClass: 0 });
    const bytes = writeLinearClassifierOnnx({ name: 'linear', version: metadata.version, width: 3, ...LINEAR });
    expectRisks(await scoreWindows(await load(bytes, metadata)), (raw) => 1 - logistic(standardize(metadata, raw), LINEAR.weights, LINEAR.bias));
  });

  it('loads a single .onnx whose metadata is embedded (metadata_props "tributary.model"), with no model.json', async () => {
    const metadata = classifierMetadata('forest');
    const bytes = writeTreeEnsembleClassifierOnnx({ name: 'forest', version: metadata.version, width: 3, trees: TREES, metadata: { 'tributary.model': JSON.stringify(metadata) } });
    expectRisks(await scoreWindows(await load(bytes, undefined)), (raw) => forestProbability(TREES, standardize(metadata, raw)));
  });
});
