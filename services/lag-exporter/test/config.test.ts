import { describe, expect, it } from 'vitest';
import { ConfigError } from '@tributary/streams';
import { loadConfig } from '../src/config.js';

describe('lag exporter configuration', () => {
  it('watches every group by default, polls every 10 s, and takes a comma list of groups', () => {
    const defaults = loadConfig({});
    expect(defaults.GROUPS).toBeUndefined();
    expect(defaults.POLL_INTERVAL_MS).toBe(10_000);
    expect(loadConfig({ GROUPS: '' }).GROUPS).toBeUndefined();
    expect(loadConfig({ GROUPS: ' coldchain-sink , coldchain-score ,', POLL_INTERVAL_MS: '500' })).toMatchObject({
      GROUPS: ['coldchain-sink', 'coldchain-score'],
      POLL_INTERVAL_MS: 500,
    });
  });

  it('refuses an interval below 100 ms, naming the variable', () => {
    expect(() => loadConfig({ POLL_INTERVAL_MS: '10' })).toThrow(ConfigError);
    expect(() => loadConfig({ POLL_INTERVAL_MS: '10' })).toThrow(/POLL_INTERVAL_MS/);
  });
});
