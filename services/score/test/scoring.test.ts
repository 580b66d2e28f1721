import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../src/errors.js';
import { OnnxScorer } from '../src/model/onnx-scorer.js';
import { DEFAULT_ALERT_POLICY } from '../src/scoring/alerts.js';
import { scoreBatch } from '../src/scoring/score-batch.js';
import { aggregate, expectedRisk, TEST_METADATA, testModelBytes, testScorer } from './fixtures.js';

let scorer: OnnxScorer;
beforeAll(async () => {
  scorer = await testScorer();
});
afterAll(async () => {
  await scorer.release();
});

describe('scoreBatch', () => {
  it('scores a batch with one model call and builds scores and alerts', async () => {
    const calls: number[] = [];
    const counting = { metadata: scorer.metadata, score: async (rows: Float32Array, n: number) => (calls.push(n), await scorer.score(rows, n)), release: async () => undefined };
    const windows = [
      { aggregate: aggregate({ containerId: 'A' }), features: [0, 0, 0] }, // logit −3
      { aggregate: aggregate({ containerId: 'B' }), features: [2, 0.5, 0] }, // logit 1.5 → 0.818 WARNING
      { aggregate: aggregate({ containerId: 'C' }), features: [2.5, 1, 50] }, // logit 3.5 → 0.971 CRITICAL
    ];
    const scoredAt = new Date(Date.UTC(2025, 0, 1, 13));
    const results = await scoreBatch(counting, windows, DEFAULT_ALERT_POLICY, scoredAt);
    expect(calls).toEqual([3]);
    results.forEach(({ score }, i) => {
      const { features } = windows[i] as (typeof windows)[number];
      expect(score.risk).toBeCloseTo(expectedRisk(features), 6);
      expect(score).toMatchObject({ containerId: ['A', 'B', 'C'][i], horizonMinutes: 120, modelName: 'test-risk', modelVersion: '0.0.1', scoredAt });
      expect(score.features).toEqual({ tempAboveSetpointC: features[0], coolingPowerSlopeKwPerMin: features[1], doorOpenSeconds: features[2] });
    });
    expect(results[0]?.alert).toBeUndefined();
    expect(results[1]?.alert).toMatchObject({ severity: 'WARNING', message: 'compressor failure risk 0.82 (threshold 0.8)', reasons: ['tempAboveSetpointC=2', 'coolingPowerSlopeKwPerMin=0.5'] });
    // Contributions 2·2.5 = 5, 1·1 = 1, 0.01·50 = 0.5.
    expect(results[2]?.alert).toMatchObject({ severity: 'CRITICAL', reasons: ['tempAboveSetpointC=2.5', 'coolingPowerSlopeKwPerMin=1', 'doorOpenSeconds=50'] });
  });

  it('does not call the model for an empty batch and refuses rows of the wrong width', async () => {
    await expect(scoreBatch(scorer, [], DEFAULT_ALERT_POLICY, new Date(0))).resolves.toEqual([]);
    await expect(scoreBatch(scorer, [{ aggregate: aggregate(), features: [1, 2] }], DEFAULT_ALERT_POLICY, new Date(0))).rejects.toThrow(/has 2 features; model test-risk takes 3/);
  });

  it('scores a large batch as one tensor, equal to scoring row by row', async () => {
    const windows = Array.from({ length: 2000 }, (_, i) => ({ aggregate: aggregate(), features: [Math.sin(i), Math.cos(i), i % 300] }));
    const batch = await scoreBatch(scorer, windows, DEFAULT_ALERT_POLICY, new Date(0));
    for (const i of [0, 1, 777, 1999]) {
      const single = await scoreBatch(scorer, [windows[i] as (typeof windows)[number]], DEFAULT_ALERT_POLICY, new Date(0));
      expect(batch[i]?.score.risk).toBe(single[0]?.score.risk);
    }
  });
});

describe('OnnxScorer.fromBytes', () => {
  it('refuses a model.json that does not describe the graph, naming what differs', async () => {
    const bytes = testModelBytes();
    await expect(OnnxScorer.fromBytes(bytes, { ...TEST_METADATA, version: '9.9.9' })).rejects.toThrow(/the ONNX metadata says version "0.0.1", the model metadata says "9.9.9"/);
    await expect(OnnxScorer.fromBytes(bytes, { ...TEST_METADATA, inputName: 'x' })).rejects.toThrow(/no graph input "x" \(inputs: features\)/);
    await expect(OnnxScorer.fromBytes(bytes, { ...TEST_METADATA, outputName: 'p' })).rejects.toThrow(/no graph output "p" \(outputs: risk tensor\(float\) \[N, 1\], contributions tensor\(float\) \[N, 3\]\)/);
    await expect(OnnxScorer.fromBytes(bytes, { ...TEST_METADATA, features: ['a', 'b'] })).rejects.toThrow(/has shape \[N, 3\]; expected \[N, 2\]/);
    await expect(OnnxScorer.fromBytes(Buffer.from('not a model'), TEST_METADATA)).rejects.toThrow(ModelError);
  });
});
