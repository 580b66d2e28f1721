import { ConfigError } from '@tributary/streams';
import { WindowAggregateSchema } from '@tributary/schemas';
import { describe, expect, it } from 'vitest';
import { FeatureExtractor, formatFeatures, parseFeatures } from '../src/features/feature-spec.js';
import { featuresForModel } from '../src/features/model-features.js';
import { numericPaths } from '../src/features/numeric-paths.js';
import { aggregate, TEST_METADATA } from './fixtures.js';

const paths = numericPaths(WindowAggregateSchema.schema);

describe('parseFeatures', () => {
  it('reads paths and differences', () => {
    const specs = parseFeatures(['t=temperatureC.mean', ' excess = temperatureC.mean - setpointC ', 'door=doorOpenSeconds']);
    expect(specs).toEqual([
      { name: 't', expression: 'temperatureC.mean', path: ['temperatureC', 'mean'] },
      { name: 'excess', expression: 'temperatureC.mean-setpointC', path: ['temperatureC', 'mean'], minus: ['setpointC'] },
      { name: 'door', expression: 'doorOpenSeconds', path: ['doorOpenSeconds'] },
    ]);
    expect(formatFeatures(specs)).toBe('t=temperatureC.mean,excess=temperatureC.mean-setpointC,door=doorOpenSeconds');
  });

  it.each([['temperatureC.mean'], ['=doorOpenSeconds'], ['x=a-b-c'], ['x=a..b'], ['x=1abc'], ['my feature=doorOpenSeconds'], ['x=']])(
    'refuses %j naming FEATURES and the item',
    (item) => {
      expect(() => parseFeatures([item])).toThrow(ConfigError);
      expect(() => parseFeatures([item])).toThrow(new RegExp(`FEATURES item ${JSON.stringify(item).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is invalid`));
    },
  );

  it('refuses a name given twice', () => {
    expect(() => parseFeatures(['a=doorOpenSeconds', 'a=maxGForce'])).toThrow(/names feature "a" twice/);
  });
});

describe('numericPaths of WindowAggregate', () => {
  it('lists nested stats, slopes, nullable setpoint and timestamps, not strings or enums', () => {
    for (const p of ['temperatureC.mean', 'humidityPct.stddev', 'coolingPowerKw.max', 'coolingPowerSlopeKwPerMin', 'doorOpenSeconds', 'setpointC', 'readingCount', 'windowStart']) {
      expect(paths.has(p), p).toBe(true);
    }
    expect(paths.has('containerId')).toBe(false);
    expect(paths.has('cargoClass')).toBe(false);
    expect(paths.has('temperatureC')).toBe(false);
  });
});

describe('FeatureExtractor', () => {
  const extractor = new FeatureExtractor(parseFeatures(['t=temperatureC.mean', 'excess=temperatureC.mean-setpointC', 'slope=coolingPowerSlopeKwPerMin', 'door=doorOpenSeconds']), -1);

  it('reads dotted paths and differences', () => {
    expect(extractor.extract(aggregate({ doorOpenSeconds: 12 }))).toEqual([5.5, 1.5, 0.2, 12]);
  });

  it('uses the null value for a null operand, a missing path and a non-finite value', () => {
    expect(extractor.extract(aggregate({ setpointC: null }))).toEqual([5.5, -1, 0.2, 0]);
    expect(extractor.extract({ temperatureC: { mean: Number.NaN }, setpointC: 4 })).toEqual([-1, -1, -1, -1]);
    expect(extractor.extract({})).toEqual([-1, -1, -1, -1]);
  });

  it('reads timestamps as epoch milliseconds', () => {
    const start = new FeatureExtractor(parseFeatures(['start=windowStart']));
    expect(start.extract(aggregate())).toEqual([Date.UTC(2025, 0, 1, 12, 0)]);
  });
});

describe('featuresForModel', () => {
  const options = { nullValue: 0, numericPaths: paths };

  it('defaults to the model card features, in the model order', () => {
    const extractor = featuresForModel(TEST_METADATA, { ...options, items: undefined });
    expect(extractor.names).toEqual(TEST_METADATA.features);
    expect(extractor.extract(aggregate({ doorOpenSeconds: 30 }))).toEqual([1.5, 0.2, 30]);
  });

  it('reorders configured features to the model order', () => {
    const extractor = featuresForModel(TEST_METADATA, {
      ...options,
      items: ['doorOpenSeconds=doorOpenSeconds', 'tempAboveSetpointC=temperatureC.max-setpointC', 'coolingPowerSlopeKwPerMin=coolingPowerSlopeKwPerMin'],
    });
    expect(extractor.names).toEqual(TEST_METADATA.features);
    expect(extractor.extract(aggregate())).toEqual([2.5, 0.2, 0]);
  });

  it('names both lists when FEATURES does not match the model', () => {
    const run = () => featuresForModel(TEST_METADATA, { ...options, items: ['tempAboveSetpointC=temperatureC.mean-setpointC', 'gForce=maxGForce'] });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(
      'FEATURES does not match model test-risk 0.0.1: FEATURES names [tempAboveSetpointC, gForce], the model takes [tempAboveSetpointC, coolingPowerSlopeKwPerMin, doorOpenSeconds]; missing: coolingPowerSlopeKwPerMin, doorOpenSeconds; unknown to the model: gForce',
    );
  });

  it('refuses a path the input record does not have, listing the numeric ones', () => {
    expect(() => featuresForModel(TEST_METADATA, { ...options, items: ['tempAboveSetpointC=temperatureC.median-setpointC', 'coolingPowerSlopeKwPerMin=coolingPowerSlopeKwPerMin', 'doorOpenSeconds=doorOpenSeconds'] })).toThrow(
      /feature "tempAboveSetpointC" reads "temperatureC.median", which is not a numeric field of the input record \(numeric fields: .*temperatureC.mean/,
    );
  });

  it('asks for FEATURES when the model declares no expressions', () => {
    const { featureExpressions: _ignored, ...bare } = TEST_METADATA;
    expect(() => featuresForModel(bare, { ...options, items: undefined })).toThrow(/FEATURES is not set and model test-risk 0.0.1 declares no featureExpressions/);
  });
});
