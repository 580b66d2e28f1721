import type { WindowAggregate } from '@tributary/schemas';
import type { ModelMetadata } from '../src/model/model-metadata.js';
import { OnnxScorer } from '../src/model/onnx-scorer.js';
import { writeLogisticRegressionOnnx } from '../src/model/onnx-writer.js';

const stats = (mean: number) => ({ mean, min: mean - 1, max: mean + 1, stddev: 0.5 });

/** A window aggregate with plausible values; override what a test is about. */
export function aggregate(overrides: Partial<WindowAggregate> = {}): WindowAggregate {
  return {
    containerId: 'MSCU1234565',
    windowStart: new Date(Date.UTC(2025, 0, 1, 12, 0)),
    windowEnd: new Date(Date.UTC(2025, 0, 1, 12, 1)),
    readingCount: 60,
    temperatureC: stats(5.5),
    humidityPct: stats(85),
    coolingPowerKw: stats(2.5),
    temperatureSlopeCPerMin: 0.01,
    coolingPowerSlopeKwPerMin: 0.2,
    maxGForce: 1.1,
    doorOpenSeconds: 0,
    cargoClass: 'CHILLED',
    setpointC: 4,
    ...overrides,
  };
}

/**
 * A model with round parameters: mean 0, std 1, so
 * logit = 2·tempAboveSetpointC + 1·coolingPowerSlopeKwPerMin + 0.01·doorOpenSeconds − 3.
 */
export const TEST_METADATA: ModelMetadata = {
  name: 'test-risk',
  version: '0.0.1',
  inputName: 'features',
  outputName: 'risk',
  contributionsName: 'contributions',
  features: ['tempAboveSetpointC', 'coolingPowerSlopeKwPerMin', 'doorOpenSeconds'],
  featureExpressions: {
    tempAboveSetpointC: 'temperatureC.mean-setpointC',
    coolingPowerSlopeKwPerMin: 'coolingPowerSlopeKwPerMin',
    doorOpenSeconds: 'doorOpenSeconds',
  },
  horizonMinutes: 120,
  threshold: 0.8,
};

export const TEST_WEIGHTS = [2, 1, 0.01];
export const TEST_BIAS = -3;

export function testModelBytes(metadata: ModelMetadata = TEST_METADATA): Uint8Array {
  return writeLogisticRegressionOnnx({
    name: metadata.name,
    version: metadata.version,
    features: metadata.features,
    mean: metadata.features.map(() => 0),
    std: metadata.features.map(() => 1),
    weights: TEST_WEIGHTS,
    bias: TEST_BIAS,
  });
}

export async function testScorer(): Promise<OnnxScorer> {
  return await OnnxScorer.fromBytes(testModelBytes(), TEST_METADATA, 'test model');
}

/** The test model's risk, computed by hand. */
export function expectedRisk(features: readonly number[]): number {
  const logit = features.reduce((s, x, i) => s + x * (TEST_WEIGHTS[i] as number), TEST_BIAS);
  return 1 / (1 + Math.exp(-logit));
}
