import { describe, expect, it } from 'vitest';
import { ConfigError } from '@tributary/streams';
import { loadConfig } from '../src/index.js';

describe('enrich config', () => {
  it('defaults to the cold-chain topics, app id coldchain-enrich and UNMATCHED=pass', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      APPLICATION_ID: 'coldchain-enrich',
      INPUT_TOPIC: 'coldchain.readings',
      REFERENCE_TOPIC: 'coldchain.containers',
      OUTPUT_TOPIC: 'coldchain.readings.enriched',
      UNMATCHED: 'pass',
      SCHEMA_AUTO_REGISTER: true,
      PROCESSING_GUARANTEE: 'exactly_once',
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      HTTP_PORT: 8080,
    });
  });

  it('reads every setting from the environment', () => {
    const config = loadConfig({
      APPLICATION_ID: 'fraud-enrich',
      INPUT_TOPIC: 'payments',
      REFERENCE_TOPIC: 'cards',
      OUTPUT_TOPIC: 'payments.enriched',
      UNMATCHED: 'dlq',
      SCHEMA_AUTO_REGISTER: 'false',
    });
    expect(config).toMatchObject({
      APPLICATION_ID: 'fraud-enrich',
      INPUT_TOPIC: 'payments',
      REFERENCE_TOPIC: 'cards',
      OUTPUT_TOPIC: 'payments.enriched',
      UNMATCHED: 'dlq',
      SCHEMA_AUTO_REGISTER: false,
    });
  });

  it('names the variable, its value and what is expected when a value is wrong', () => {
    expect(() => loadConfig({ UNMATCHED: 'drop' })).toThrow(new ConfigError('UNMATCHED="drop" is invalid: expected one of "pass", "dlq"'));
    expect(() => loadConfig({ APPLICATION_ID: 'cold chain' })).toThrow(/APPLICATION_ID="cold chain" is invalid/);
  });
});
