/**
 * Test models of the kinds scikit-learn exports (through skl2onnx), and the
 * same models computed independently in plain TypeScript: walking the trees,
 * the logistic by hand.
 */
import type { ModelMetadata } from '../src/model/model-metadata.js';
import type { TreeNode } from '../src/model/onnx-ml-writer.js';
import { TEST_METADATA } from './fixtures.js';

/** Standardization of the test features, as a scikit-learn StandardScaler fitted before the classifier would give it. */
export const STANDARDIZATION = {
  tempAboveSetpointC: { mean: 0.5, std: 2 },
  coolingPowerSlopeKwPerMin: { mean: 0.1, std: 0.4 },
  doorOpenSeconds: { mean: 10, std: 20 },
} as const;

/** Metadata of a classifier exported from scikit-learn: no input or output names (the defaults find them), standardization by the operator. */
export function classifierMetadata(name: string, overrides: Partial<ModelMetadata> = {}): ModelMetadata {
  const { inputName: _input, outputName: _output, contributionsName: _contributions, ...rest } = TEST_METADATA;
  return { ...rest, name, standardization: STANDARDIZATION, ...overrides };
}

/** (x − mean) / std per feature, in the metadata's feature order. */
export function standardize(metadata: ModelMetadata, row: readonly number[]): number[] {
  return row.map((x, i) => {
    const s = metadata.standardization?.[metadata.features[i] as string];
    return s === undefined ? x : (x - s.mean) / s.std;
  });
}

/**
 * Two trees over standardized features, their leaves holding class
 * proportions divided by the number of trees (a random forest's
 * averaging), so the class-1 column is the forest's probability.
 */
export const TREES: readonly TreeNode[] = [
  {
    feature: 0,
    threshold: 0.25,
    left: { feature: 2, threshold: 1, left: { leaf: [0.45, 0.05] }, right: { leaf: [0.3, 0.2] } },
    right: { feature: 1, threshold: 0.5, left: { leaf: [0.25, 0.25] }, right: { leaf: [0.05, 0.45] } },
  },
  {
    feature: 1,
    threshold: -0.5,
    left: { leaf: [0.5, 0] },
    right: { feature: 0, threshold: 1, left: { leaf: [0.35, 0.15] }, right: { leaf: [0.1, 0.4] } },
  },
];

/** The forest's class-1 probability for one (standardized) row, walking each tree: `x[feature] <= threshold` goes left. */
export function forestProbability(trees: readonly TreeNode[], x: readonly number[]): number {
  let sum = 0;
  for (const tree of trees) {
    let node = tree;
    while (!('leaf' in node)) node = (x[node.feature] as number) <= node.threshold ? node.left : node.right;
    sum += node.leaf[1] as number;
  }
  return sum;
}

/** Weights and bias of the LinearClassifier, on standardized features. */
export const LINEAR = { weights: [1.5, 2, 0.5], bias: -1 } as const;

export const logistic = (x: readonly number[], weights: readonly number[], bias: number): number =>
  1 / (1 + Math.exp(-x.reduce((s, v, i) => s + v * (weights[i] as number), bias)));
