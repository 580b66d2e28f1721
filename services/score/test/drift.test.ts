import { describe, expect, it } from 'vitest';
import { driftFor, FeatureDrift } from '../src/drift/feature-drift.js';
import { binIndex, populationStabilityIndex, PSI_EPSILON, quantileBins } from '../src/drift/psi.js';
import { parseModelMetadata } from '../src/model/model-metadata.js';
import { TEST_METADATA } from './fixtures.js';

describe('populationStabilityIndex', () => {
  it('matches a hand-computed value', () => {
    // (0.5 − 0.4)·ln(0.5/0.4) + (0.3 − 0.4)·ln(0.3/0.4) + 0 = 0.1·ln 1.25 + 0.1·ln(4/3)
    expect(populationStabilityIndex([0.5, 0.3, 0.2], [0.4, 0.4, 0.2])).toBeCloseTo(0.051082562376599, 12);
  });

  it('is 0 for identical distributions, empty bins included', () => {
    expect(populationStabilityIndex([0.1, 0.2, 0.7], [0.1, 0.2, 0.7])).toBe(0);
    expect(populationStabilityIndex([0, 0.5, 0.5], [0, 0.5, 0.5])).toBe(0);
  });

  it('counts an empty bin as holding epsilon, so the index stays finite', () => {
    // (1e-4 − 0.2)·ln(1e-4 / 0.2) + 2 · 0.1·ln(0.5 / 0.4)
    expect(PSI_EPSILON).toBe(1e-4);
    expect(populationStabilityIndex([0, 0.5, 0.5], [0.2, 0.4, 0.4])).toBeCloseTo(1.5640491119253, 10);
    // And symmetrically for a bin training left empty.
    expect(populationStabilityIndex([0.2, 0.4, 0.4], [0, 0.5, 0.5])).toBeCloseTo(1.5640491119253, 10);
    expect(populationStabilityIndex([0, 1], [0.5, 0.5], 0.01)).toBeCloseTo((0.01 - 0.5) * Math.log(0.01 / 0.5) + 0.5 * Math.log(2), 12);
  });

  it('rejects distributions over different bins', () => {
    expect(() => populationStabilityIndex([1], [0.5, 0.5])).toThrow(RangeError);
  });
});

describe('binIndex', () => {
  it('puts a value in the bin whose upper edge it does not exceed; the outer bins are open-ended', () => {
    const edges = [0, 1, 2];
    expect([-1e9, -1, 0, 0.5, 1, 1.5, 2, 2.000001, 1e9].map((x) => binIndex(edges, x))).toEqual([0, 0, 0, 1, 1, 2, 2, 3, 3]);
    expect(binIndex([], 42)).toBe(0);
  });
});

describe('quantileBins', () => {
  it('cuts at the deciles and counts the share per bin', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, order does not matter
    const bins = quantileBins(values);
    expect(bins.edges).toEqual([11, 21, 31, 41, 51, 61, 71, 81, 91]);
    expect(bins.proportions).toEqual([0.11, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.09]);
  });

  it('merges edges a repeated value fills', () => {
    const values = [...Array.from({ length: 50 }, () => 0), ...Array.from({ length: 50 }, (_, i) => i + 1)];
    const bins = quantileBins(values);
    expect(bins.edges).toEqual([0, 1, 11, 21, 31, 41]);
    expect(bins.proportions).toEqual([0.5, 0.01, 0.1, 0.1, 0.1, 0.1, 0.09]);
  });
});

describe('FeatureDrift', () => {
  const halves = { edges: [0], proportions: [0.5, 0.5] };
  const bins = [halves, { edges: [10, 20], proportions: [0.25, 0.5, 0.25] }];

  it('keeps the last windowRows rows: the oldest row leaves when a new one comes', () => {
    const drift = new FeatureDrift(['a', 'b'], bins, 3);
    expect(drift.psi()).toBeUndefined();
    drift.add([-1, 5]);
    drift.add([-1, 15]);
    drift.add([1, 15]);
    expect(drift.rows).toBe(3);
    expect(drift.proportions(0)).toEqual([2 / 3, 1 / 3]);
    expect(drift.proportions(1)).toEqual([1 / 3, 2 / 3, 0]);
    drift.add([1, 25]); // [-1, 5] leaves
    expect(drift.rows).toBe(3);
    expect(drift.proportions(0)).toEqual([1 / 3, 2 / 3]);
    expect(drift.proportions(1)).toEqual([0, 2 / 3, 1 / 3]);
    drift.add([1, 25]);
    drift.add([1, 25]);
    expect(drift.proportions(0)).toEqual([0, 1]);
    expect(drift.proportions(1)).toEqual([0, 0, 1]);
    expect(drift.psi()).toEqual([populationStabilityIndex([0, 1], [0.5, 0.5]), populationStabilityIndex([0, 0, 1], [0.25, 0.5, 0.25])]);
  });

  it('reads 0 when the window matches the training shares exactly', () => {
    const drift = new FeatureDrift(['a', 'b'], bins, 4);
    for (const row of [[-1, 5], [-1, 15], [1, 15], [1, 25]]) drift.add(row);
    expect(drift.psi()).toEqual([0, 0]);
  });

  it('comes from the model metadata, or not at all without a training distribution', () => {
    expect(FeatureDrift.forModel(TEST_METADATA, 10)).toBeUndefined();
    const featureDistribution = Object.fromEntries(TEST_METADATA.features.map((f) => [f, halves]));
    const drift = FeatureDrift.forModel({ ...TEST_METADATA, featureDistribution }, 10);
    expect(drift?.features).toEqual(TEST_METADATA.features);
    expect(drift?.windowRows).toBe(10);
  });

  it('is set up unless DRIFT_WINDOW_ROWS is 0 or the model has no training distribution, saying why', () => {
    const featureDistribution = Object.fromEntries(TEST_METADATA.features.map((f) => [f, halves]));
    expect(driftFor({ ...TEST_METADATA, featureDistribution }, 5).drift?.windowRows).toBe(5);
    expect(driftFor({ ...TEST_METADATA, featureDistribution }, 0)).toEqual({ drift: undefined, reason: 'DRIFT_WINDOW_ROWS is 0' });
    expect(driftFor(TEST_METADATA, 5).reason).toMatch(/model.json of test-risk 0.0.1 has no featureDistribution/);
  });

  it('rejects an empty window', () => {
    expect(() => new FeatureDrift(['a'], [halves], 0)).toThrow(RangeError);
  });
});

describe('model.json featureDistribution', () => {
  const base = { ...TEST_METADATA };
  const valid = { edges: [0, 1], proportions: [0.25, 0.5, 0.25] };
  const withDistribution = (d: Record<string, unknown>) => ({ ...base, featureDistribution: d });
  const all = (d: unknown) => Object.fromEntries(TEST_METADATA.features.map((f) => [f, d]));

  it('is parsed with the training range and the held-out figures', () => {
    const json = {
      ...withDistribution(all(valid)),
      trainingData: { from: '2025-01-06T00:00:00.000Z', to: '2025-01-07T00:00:00.000Z', rows: 10 },
      evaluation: { heldOutRows: 5, heldOutPositives: 1, heldOutAuc: 0.9, trainAuc: 0.95 },
    };
    const parsed = parseModelMetadata(json, 'm.json');
    expect(parsed.featureDistribution).toEqual(all(valid));
    expect(parsed.trainingData?.rows).toBe(10);
    expect(parsed.evaluation?.heldOutAuc).toBe(0.9);
  });

  it('must cover every feature, with increasing edges and one proportion per bin summing to 1', () => {
    const [first, ...rest] = TEST_METADATA.features as [string, ...string[]];
    expect(() => parseModelMetadata(withDistribution(Object.fromEntries(rest.map((f) => [f, valid]))), 'm.json')).toThrow(`"featureDistribution.${first}" is missing`);
    expect(() => parseModelMetadata(withDistribution({ ...all(valid), other: valid }), 'm.json')).toThrow(/does not take: other/);
    expect(() => parseModelMetadata(withDistribution(all({ edges: [1, 1], proportions: [0.25, 0.5, 0.25] })), 'm.json')).toThrow(/strictly increasing/);
    expect(() => parseModelMetadata(withDistribution(all({ edges: [0, 1], proportions: [0.5, 0.5] })), 'm.json')).toThrow(/must be 3 numbers/);
    expect(() => parseModelMetadata(withDistribution(all({ edges: [0, 1], proportions: [0.5, 0.5, 0.5] })), 'm.json')).toThrow(/sum to 1.5/);
  });
});
