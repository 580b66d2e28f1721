import { ConfigError } from '@tributary/streams';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { remoteScoringModel } from '../src/remote/remote-model.js';
import { Registry } from 'prom-client';

describe('remote model configuration', () => {
  it('is off by default, with the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      MODEL_ENDPOINT: undefined,
      REMOTE_CONCURRENCY: 4,
      REMOTE_BATCH_ROWS: 256,
      REMOTE_TIMEOUT_MS: 2000,
      REMOTE_MAX_RETRIES: 5,
      REMOTE_DEADLINE_MS: 8000,
    });
  });

  it('takes an http(s) URL and refuses anything else, or a deadline at the transaction timeout', () => {
    expect(loadConfig({ MODEL_ENDPOINT: 'http://models:8500/models/coldchain-risk/' }).MODEL_ENDPOINT).toBe('http://models:8500/models/coldchain-risk');
    expect(() => loadConfig({ MODEL_ENDPOINT: 'models:8500' })).toThrow(/MODEL_ENDPOINT/);
    expect(() => loadConfig({ REMOTE_DEADLINE_MS: '30000' })).toThrow(/REMOTE_DEADLINE_MS/);
    expect(() => loadConfig({ REMOTE_CONCURRENCY: '0' })).toThrow(/REMOTE_CONCURRENCY/);
  });

  it('refuses MODELS_TOPIC with MODEL_ENDPOINT (the server owns the model)', async () => {
    const config = loadConfig({ MODEL_ENDPOINT: 'http://127.0.0.1:1/models/m', MODELS_TOPIC: 'models' });
    await expect(remoteScoringModel({ ...config, MODEL_ENDPOINT: 'http://127.0.0.1:1/models/m' }, new Registry())).rejects.toThrow(ConfigError);
  });
});
