/** The model committed in models/coldchain-risk loads as the service loads it, and scores. */
import { ConfigError } from '@tributary/streams';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_PATH } from '../src/config.js';
import { DEFAULT_ALERT_POLICY } from '../src/scoring/alerts.js';
import { scoreBatch } from '../src/scoring/score-batch.js';
import { loadScoringModel } from '../src/scoring-model.js';
import { aggregate } from './fixtures.js';

describe('models/coldchain-risk', () => {
  it('loads with its model.json and default features, and scores a batch', async () => {
    const { scorer, features } = await loadScoringModel({ modelPath: DEFAULT_MODEL_PATH });
    try {
      expect(scorer.metadata).toMatchObject({ name: 'coldchain-risk', horizonMinutes: 60, inputName: 'features', outputName: 'risk', contributionsName: 'contributions' });
      expect(features.names).toEqual(scorer.metadata.features);
      const calm = aggregate({ temperatureC: { mean: 4, min: 3.8, max: 4.2, stddev: 0.1 }, setpointC: 4 });
      const warm = aggregate({ temperatureC: { mean: 6.5, min: 6.3, max: 6.7, stddev: 0.1 }, setpointC: 4, temperatureSlopeCPerMin: 0.3 });
      const [a, b] = await scoreBatch(scorer, [calm, warm].map((w) => ({ aggregate: w, features: features.extract(w) })), DEFAULT_ALERT_POLICY, new Date(0));
      expect(a?.score.risk).toBeGreaterThan(0);
      expect(b?.score.risk).toBeLessThan(1);
      // Warmer than the setpoint and warming: a higher risk.
      expect(b?.score.risk).toBeGreaterThan(a?.score.risk as number);
    } finally {
      await scorer.release();
    }
  });

  it('refuses FEATURES that do not name the model features', async () => {
    await expect(loadScoringModel({ modelPath: DEFAULT_MODEL_PATH, features: ['doorOpenSeconds=doorOpenSeconds'] })).rejects.toThrow(ConfigError);
    await expect(loadScoringModel({ modelPath: DEFAULT_MODEL_PATH, features: ['doorOpenSeconds=doorOpenSeconds'] })).rejects.toThrow(/FEATURES does not match model coldchain-risk 2.0.0: FEATURES names \[doorOpenSeconds\], the model takes \[tempMinAboveSetpointC, /);
  });

  it('names a missing model file', async () => {
    await expect(loadScoringModel({ modelPath: '/nonexistent/model.onnx' })).rejects.toThrow(/cannot read the model file \/nonexistent\/model.onnx/);
  });
});
