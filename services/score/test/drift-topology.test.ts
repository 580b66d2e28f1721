/**
 * The drift gauges through the score topology in the TopologyTestDriver
 * (one commit, so one PSI update, per input record), read from the metrics
 * registry. Inputs come from a seeded generator whose "training" sample
 * gives the model's featureDistribution, as training does with quantileBins.
 */
import { string } from '@tributary/streams';
import { AlertSchema, RiskScoreSchema, WindowAggregateSchema, type WindowAggregate } from '@tributary/schemas';
import { TopologyTestDriver } from '@tributary/testing';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeatureDrift } from '../src/drift/feature-drift.js';
import { quantileBins } from '../src/drift/psi.js';
import { featuresForModel } from '../src/features/model-features.js';
import { numericPaths } from '../src/features/numeric-paths.js';
import type { ModelMetadata } from '../src/model/model-metadata.js';
import type { OnnxScorer } from '../src/model/onnx-scorer.js';
import { scoreMetrics } from '../src/metrics.js';
import { buildTopology } from '../src/topology.js';
import { avroBinarySerde } from './avro-binary-serde.js';
import { aggregate, TEST_METADATA, testScorer } from './fixtures.js';

const serdes = { aggregate: avroBinarySerde(WindowAggregateSchema), score: avroBinarySerde(RiskScoreSchema), alert: avroBinarySerde(AlertSchema) };

/** mulberry32: a small seeded generator, uniform in [0, 1). */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Windows of a population like the test model's training data: the mean
 * temperature ~N(4.5, 0.5) against a 4 °C setpoint, the power slope
 * ~N(0, 0.3), the door closed in 70 % of the windows, else open 1–60 s.
 */
function windows(seed: number, count: number): WindowAggregate[] {
  const next = uniform(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return Array.from({ length: count }, (_, i) => {
    const mean = 4.5 + 0.5 * normal();
    const door = next() < 0.7 ? 0 : 1 + Math.floor(next() * 60);
    return aggregate({
      containerId: `MSCU${String(i % 50).padStart(7, '0')}`,
      temperatureC: { mean, min: mean - 0.3, max: mean + 0.3, stddev: 0.1 },
      coolingPowerSlopeKwPerMin: 0.3 * normal(),
      doorOpenSeconds: door,
    });
  });
}

const warmer = (a: WindowAggregate, celsius: number): WindowAggregate => ({
  ...a,
  temperatureC: { ...a.temperatureC, mean: a.temperatureC.mean + celsius, min: a.temperatureC.min + celsius, max: a.temperatureC.max + celsius },
});

describe('drift metrics in the score topology', () => {
  let scorer: OnnxScorer;
  let metadata: ModelMetadata;
  beforeAll(async () => {
    scorer = await testScorer();
    const features = featuresForModel(scorer.metadata, { items: undefined, nullValue: 0, numericPaths: numericPaths(WindowAggregateSchema.schema) });
    const training = windows(1, 20_000).map((w) => features.extract(w));
    metadata = {
      ...TEST_METADATA,
      featureDistribution: Object.fromEntries(TEST_METADATA.features.map((name, f) => [name, quantileBins(training.map((row) => row[f] as number))])),
    };
  });
  afterAll(async () => {
    await scorer.release();
  });

  /** Pipes `input` through a fresh topology whose metrics carry drift of `model` over `windowRows`; returns the registry. */
  async function run(model: ModelMetadata, input: readonly WindowAggregate[], windowRows = 1000): Promise<Registry> {
    const registry = new Registry();
    const features = featuresForModel(model, { items: undefined, nullValue: 0, numericPaths: numericPaths(WindowAggregateSchema.schema) });
    const observer = scoreMetrics(registry, model, { drift: FeatureDrift.forModel(model, windowRows) });
    const d = new TopologyTestDriver(buildTopology({ serdes, scorer, features, observer }), { applicationId: 'coldchain-score' });
    const topic = d.createInputTopic<string, WindowAggregate>('coldchain.aggregates.1m', { key: string(), value: serdes.aggregate });
    for (const w of input) await topic.pipeInput(w.containerId, w);
    d.close();
    return registry;
  }

  async function psiByFeature(registry: Registry): Promise<Record<string, number>> {
    const values = (await registry.getSingleMetric('tributary_score_feature_psi')?.get())?.values ?? [];
    for (const v of values) expect(v.labels.model).toBe('test-risk');
    return Object.fromEntries(values.map((v) => [String(v.labels.feature), v.value]));
  }

  async function windowRows(registry: Registry): Promise<number | undefined> {
    return (await registry.getSingleMetric('tributary_score_drift_window_rows')?.get())?.values.find((v) => v.labels.model === 'test-risk')?.value;
  }

  it('stays below 0.1 for every feature while the inputs follow the training distribution', async () => {
    const registry = await run(metadata, windows(2, 1000));
    const psi = await psiByFeature(registry);
    expect(Object.keys(psi).sort()).toEqual([...TEST_METADATA.features].sort());
    for (const value of Object.values(psi)) expect(value).toBeLessThan(0.1);
    expect(await windowRows(registry)).toBe(1000);
  });

  it('goes above 0.25 for the shifted feature only when the mean temperature is 5 °C higher', async () => {
    const psi = await psiByFeature(await run(metadata, windows(2, 1000).map((w) => warmer(w, 5))));
    expect(psi.tempAboveSetpointC).toBeGreaterThan(0.25);
    expect(psi.coolingPowerSlopeKwPerMin).toBeLessThan(0.1);
    expect(psi.doorOpenSeconds).toBeLessThan(0.1);
  });

  it('measures the last windowRows inputs only: a shift that has passed no longer shows', async () => {
    const registry = await run(metadata, [...windows(3, 200).map((w) => warmer(w, 5)), ...windows(4, 500)], 500);
    expect(await windowRows(registry)).toBe(500);
    expect((await psiByFeature(registry)).tempAboveSetpointC).toBeLessThan(0.1);
  });

  it('exports the PSI once the window is full, and the rows gauge from the first batch', async () => {
    const registry = await run(metadata, windows(2, 999));
    expect(await windowRows(registry)).toBe(999);
    expect(await psiByFeature(registry)).toEqual({});
  });

  it('exports no drift series for a model without a training distribution', async () => {
    const registry = await run(TEST_METADATA, windows(2, 10));
    expect(FeatureDrift.forModel(TEST_METADATA, 1000)).toBeUndefined();
    expect(registry.getSingleMetric('tributary_score_feature_psi')).toBeUndefined();
    expect(registry.getSingleMetric('tributary_score_drift_window_rows')).toBeUndefined();
    expect(registry.getSingleMetric('tributary_score_scores_total')).toBeDefined();
  });
});
