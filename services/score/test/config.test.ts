import { ConfigError } from '@tributary/streams';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_PATH, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      APPLICATION_ID: 'coldchain-score',
      INPUT_TOPIC: 'coldchain.aggregates.1m',
      SCORES_TOPIC: 'coldchain.scores',
      ALERTS_TOPIC: 'coldchain.alerts',
      MODEL_PATH: DEFAULT_MODEL_PATH,
      FEATURE_NULL_VALUE: 0,
      ALERT_THRESHOLD: 0.5,
      CRITICAL_THRESHOLD: 0.9,
      ALERT_MAX_REASONS: 3,
      DRIFT_WINDOW_ROWS: 1000,
    });
    expect(config.FEATURES).toBeUndefined();
    expect(config.MODEL_METADATA_PATH).toBeUndefined();
    expect(DEFAULT_MODEL_PATH).toMatch(/models\/coldchain-risk\/model\.onnx$/);
  });

  it('reads FEATURES as a list and checks its syntax at start', () => {
    expect(loadConfig({ FEATURES: 'a=doorOpenSeconds, b=temperatureC.mean-setpointC' }).FEATURES).toEqual(['a=doorOpenSeconds', 'b=temperatureC.mean-setpointC']);
    expect(() => loadConfig({ FEATURES: 'a=doorOpenSeconds,b' })).toThrow(ConfigError);
    expect(() => loadConfig({ FEATURES: 'a=doorOpenSeconds,b' })).toThrow(/FEATURES item "b" is invalid/);
  });

  it('names the variable of an invalid threshold', () => {
    expect(() => loadConfig({ ALERT_THRESHOLD: '1.5' })).toThrow(/ALERT_THRESHOLD="1.5" is invalid: expected a number between 0 and 1/);
    expect(() => loadConfig({ FEATURE_NULL_VALUE: 'none' })).toThrow(/FEATURE_NULL_VALUE="none" is invalid/);
  });

  it('takes DRIFT_WINDOW_ROWS 0 (drift metrics off) and rejects a negative or fractional window', () => {
    expect(loadConfig({ DRIFT_WINDOW_ROWS: '0' }).DRIFT_WINDOW_ROWS).toBe(0);
    expect(() => loadConfig({ DRIFT_WINDOW_ROWS: '-1' })).toThrow(/DRIFT_WINDOW_ROWS="-1" is invalid/);
    expect(() => loadConfig({ DRIFT_WINDOW_ROWS: '2.5' })).toThrow(/DRIFT_WINDOW_ROWS="2.5" is invalid/);
  });
});
