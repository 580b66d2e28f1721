/**
 * Shadow scoring in the TopologyTestDriver: the candidate scores the same
 * batches as the live model (to `<scores>.shadow`, no alerts, in the same
 * commit), nothing is written before a shadow model is loaded, a failing
 * shadow leaves the live scores alone, and the metrics compare the two.
 */
import { string } from '@tributary/streams';
import { AlertSchema, RiskScoreSchema, WindowAggregateSchema, type Alert, type RiskScore, type WindowAggregate } from '@tributary/schemas';
import { TopologyTestDriver } from '@tributary/testing';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { shadowMetrics } from '../src/metrics.js';
import { numericPaths } from '../src/features/numeric-paths.js';
import type { ModelMetadata } from '../src/model/model-metadata.js';
import { loadModel, type LoadedModel } from '../src/model/model-loader.js';
import { writeLogisticRegressionOnnx } from '../src/model/onnx-writer.js';
import { ModelHolder } from '../src/registry/model-holder.js';
import { buildTopology } from '../src/topology.js';
import { avroBinarySerde } from './avro-binary-serde.js';
import { aggregate, expectedRisk, TEST_METADATA, testModelBytes } from './fixtures.js';

const serdes = { aggregate: avroBinarySerde(WindowAggregateSchema), score: avroBinarySerde(RiskScoreSchema), alert: avroBinarySerde(AlertSchema) };
const featureOptions = { items: undefined, nullValue: 0, numericPaths: numericPaths(WindowAggregateSchema.schema) };
const CANDIDATE: ModelMetadata = { ...TEST_METADATA, version: '0.1.0-candidate' };
// The candidate: weights doubled, no bias. For the fixture's window (features 1.5, 0.2, 0) v1 gives 0.55 and the candidate 0.998.
const candidateBytes = () => writeLogisticRegressionOnnx({ name: CANDIDATE.name, version: CANDIDATE.version, features: CANDIDATE.features, mean: [0, 0, 0], std: [1, 1, 1], weights: [4, 2, 0.02], bias: 0 });
const candidateRisk = (f: readonly number[]) => 1 / (1 + Math.exp(-(4 * (f[0] as number) + 2 * (f[1] as number) + 0.02 * (f[2] as number))));

async function load(bytes: Uint8Array, metadata: ModelMetadata): Promise<LoadedModel> {
  const result = await loadModel(bytes, metadata, featureOptions, metadata.version);
  if (!result.ok) throw result.refusal.error;
  return result.model;
}

async function setup(threshold: number) {
  const live = new ModelHolder(await load(testModelBytes(), TEST_METADATA));
  const shadow = new ModelHolder(undefined);
  const registry = new Registry();
  const d = new TopologyTestDriver(buildTopology({ serdes, model: live, shadow, observer: shadowMetrics(registry, threshold), policy: { threshold, criticalThreshold: 0.99, maxReasons: 3 } }), {
    applicationId: 'coldchain-score',
  });
  return {
    d,
    live,
    shadow,
    registry,
    input: d.createInputTopic<string, WindowAggregate>('coldchain.aggregates.1m', { key: string(), value: serdes.aggregate }),
    scores: d.createOutputTopic<string, RiskScore>('coldchain.scores', { key: string(), value: serdes.score }),
    shadowScores: d.createOutputTopic<string, RiskScore>('coldchain.scores.shadow', { key: string(), value: serdes.score }),
    alerts: d.createOutputTopic<string, Alert>('coldchain.alerts', { key: string(), value: serdes.alert }),
  };
}

const w = (i: number, excess = 1.5) =>
  aggregate({ containerId: `CONT${i}`, windowStart: new Date(Date.UTC(2025, 0, 1, 12, i)), windowEnd: new Date(Date.UTC(2025, 0, 1, 12, i + 1)), temperatureC: { mean: 4 + excess, min: 4 + excess, max: 4 + excess, stddev: 0.1 } });

describe('shadow scoring', () => {
  it('writes nothing to the shadow topic until a shadow model is loaded, then a shadow score per window, without alerts', async () => {
    const { d, live, shadow, input, scores, shadowScores, alerts } = await setup(0.9);
    await input.pipeInput('CONT0', w(0), 1);
    expect(shadowScores.readValuesToList()).toEqual([]);
    shadow.swap(await load(candidateBytes(), CANDIDATE));
    await input.pipeInput('CONT1', w(1), 2);
    await input.pipeInput('CONT2', w(2), 3);
    const liveOut = scores.readRecordsToList();
    const shadowOut = shadowScores.readRecordsToList();
    expect(liveOut.map((r) => r.value.modelVersion)).toEqual(['0.0.1', '0.0.1', '0.0.1']);
    expect(shadowOut.map((r) => [r.key, r.timestamp, r.value.modelVersion])).toEqual([
      ['CONT1', 2, '0.1.0-candidate'],
      ['CONT2', 3, '0.1.0-candidate'],
    ]);
    expect(shadowOut[0]?.value.windowStart).toEqual(w(1).windowStart);
    expect(shadowOut[0]?.value.risk).toBeCloseTo(candidateRisk([1.5, 0.2, 0]), 6);
    expect(liveOut[1]?.value.risk).toBeCloseTo(expectedRisk([1.5, 0.2, 0]), 6);
    // The candidate's 0.998 is above 0.9: it would alert, but shadow scores raise no alerts (the live 0.55 does not).
    expect(alerts.readValuesToList()).toEqual([]);
    d.close();
    await live.close();
    await shadow.close();
  });

  it('compares the two: agreement on the side of the threshold and |live − shadow|', async () => {
    const { d, live, shadow, input, registry } = await setup(0.9);
    shadow.swap(await load(candidateBytes(), CANDIDATE));
    // excess 1.5: live 0.55 vs candidate 0.998 (disagree); excess −2: both near 0 (agree).
    await input.pipeInput('CONT0', w(0, 1.5), 1);
    await input.pipeInput('CONT1', w(1, -2), 2);
    await input.pipeInput('CONT2', w(2, -2), 3);
    const text = await registry.metrics();
    const ratio = /tributary_score_shadow_agreement_ratio\{model="test-risk",version="0.0.1",shadow_model="test-risk",shadow_version="0.1.0-candidate"\} ([0-9.]+)/.exec(text)?.[1];
    expect(Number(ratio)).toBeCloseTo(2 / 3, 6);
    expect(text).toContain('tributary_score_shadow_delta_count 3');
    const sum = Number(/tributary_score_shadow_delta_sum ([0-9.e-]+)/.exec(text)?.[1]);
    const expected = [1.5, -2, -2].reduce((s, x) => s + Math.abs(expectedRisk([x, 0.2, 0]) - candidateRisk([x, 0.2, 0])), 0);
    expect(sum).toBeCloseTo(expected, 5);
    d.close();
    await live.close();
    await shadow.close();
  });

  it('a shadow model that fails on a batch leaves the live scores as they are and counts the failure', async () => {
    const { d, live, shadow, input, scores, shadowScores, registry } = await setup(0.9);
    const real = await load(candidateBytes(), CANDIDATE);
    shadow.swap({ ...real, scorer: { metadata: real.scorer.metadata, score: () => Promise.reject(new Error('boom')), release: () => real.release() } });
    await input.pipeInput('CONT0', w(0), 1);
    expect(scores.readValuesToList().map((s) => s.modelVersion)).toEqual(['0.0.1']);
    expect(shadowScores.readValuesToList()).toEqual([]);
    expect(await registry.metrics()).toContain('tributary_score_shadow_failures_total{shadow_model="test-risk",shadow_version="0.1.0-candidate"} 1');
    d.close();
    await live.close();
    await shadow.close();
  });
});

describe('SHADOW_MODEL_NAME', () => {
  it('needs MODELS_TOPIC, where the shadow model is published', async () => {
    const { loadConfig } = await import('../src/config.js');
    expect(() => loadConfig({ SHADOW_MODEL_NAME: 'candidate' })).toThrow(/SHADOW_MODEL_NAME=candidate needs MODELS_TOPIC/);
    expect(loadConfig({ SHADOW_MODEL_NAME: 'candidate', MODELS_TOPIC: 'models' })).toMatchObject({ SHADOW_MODEL_NAME: 'candidate', MODELS_TOPIC: 'models' });
  });
});
