import { describe, expect, it } from 'vitest';
import { ConfigError } from '@tributary/streams';
import { loadConfig } from '../src/index.js';

describe('aggregate config', () => {
  it('defaults: app id coldchain-aggregate, the cold-chain topics, 60 s windows, 30 s grace, no idle advance', () => {
    expect(loadConfig({})).toMatchObject({
      APPLICATION_ID: 'coldchain-aggregate',
      INPUT_TOPIC: 'coldchain.readings.enriched',
      OUTPUT_TOPIC: 'coldchain.aggregates.1m',
      WINDOW_MS: 60_000,
      GRACE_MS: 30_000,
      IDLE_ADVANCE_MS: undefined,
      SCHEMA_AUTO_REGISTER: true,
      PROCESSING_GUARANTEE: 'exactly_once',
    });
  });

  it('reads every setting from the environment', () => {
    expect(
      loadConfig({ APPLICATION_ID: 'fraud-aggregate', INPUT_TOPIC: 'in', OUTPUT_TOPIC: 'out', WINDOW_MS: '300000', GRACE_MS: '0', IDLE_ADVANCE_MS: '30000' }),
    ).toMatchObject({ APPLICATION_ID: 'fraud-aggregate', INPUT_TOPIC: 'in', OUTPUT_TOPIC: 'out', WINDOW_MS: 300_000, GRACE_MS: 0, IDLE_ADVANCE_MS: 30_000 });
  });

  it('names the variable, its value and what is expected when a value is wrong', () => {
    expect(() => loadConfig({ GRACE_MS: '-1' })).toThrow(new ConfigError('GRACE_MS="-1" is invalid: expected an integer ≥ 0'));
    expect(() => loadConfig({ WINDOW_MS: '1m' })).toThrow(new ConfigError('WINDOW_MS="1m" is invalid: expected an integer ≥ 1'));
  });
});
