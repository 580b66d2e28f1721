import { describe, expect, it } from 'vitest';
import { ConfigError } from '@tributary/streams';
import { deadLetterTopic, loadConfig, schemaVersion } from '../src/config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      INGEST_TOPIC: 'coldchain.readings',
      KEY_FIELD: 'containerId',
      SCHEMA_VERSION: 'latest',
      ALLOW_UNKNOWN_FIELDS: false,
      MAX_BODY_BYTES: 10 * 1024 * 1024,
      MAX_RECORDS: 10_000,
      MAX_RECORD_BYTES: 1_000_000,
      MAX_BUFFERED_RECORDS: 50_000,
      LINGER_MS: 5,
      BATCH_MAX_RECORDS: 1_000,
      BATCH_MAX_BYTES: 512 * 1024,
      SEND_RETRIES: 5,
      ACK_TIMEOUT_MS: 30_000,
      KAFKA_COMPRESSION: 'none',
      DLQ_TOPIC: 'coldchain-ingest.dlq',
      DLQ_MAX_VALUE_BYTES: 65_536,
    });
    expect(deadLetterTopic(config)).toBe('coldchain-ingest.dlq');
    expect(config.INGEST_TOKEN).toBeUndefined();
    expect(config.SCHEMA_SUBJECT).toBeUndefined();
    expect(schemaVersion(config)).toBe('latest');
  });

  it('reads the variables', () => {
    const config = loadConfig({ INGEST_TOPIC: 'payments', KEY_FIELD: 'accountId', SCHEMA_VERSION: '3', INGEST_TOKEN: 't0k', MAX_RECORDS: '100', MAX_BUFFERED_RECORDS: '1000' });
    expect(config).toMatchObject({ INGEST_TOPIC: 'payments', KEY_FIELD: 'accountId', INGEST_TOKEN: 't0k', MAX_RECORDS: 100 });
    expect(schemaVersion(config)).toBe(3);
  });

  it('names the variable, its value and what is expected; masks the token', () => {
    expect(() => loadConfig({ LINGER_MS: '-1' })).toThrow('LINGER_MS="-1" is invalid: expected an integer ≥ 0');
    expect(() => loadConfig({ SCHEMA_VERSION: 'newest' })).toThrow('SCHEMA_VERSION="newest" is invalid: expected "latest" or a version number');
    expect(() => loadConfig({ SEND_RETRIES: '0' })).toThrow('SEND_RETRIES="0" is invalid');
  });

  it('DLQ_TOPIC=none writes no dead letters; the topic itself is refused as its own dead-letter topic', () => {
    expect(deadLetterTopic(loadConfig({ DLQ_TOPIC: 'none' }))).toBeUndefined();
    expect(deadLetterTopic(loadConfig({ DLQ_TOPIC: 'readings.refused' }))).toBe('readings.refused');
    expect(() => loadConfig({ DLQ_TOPIC: 'coldchain.readings' })).toThrow('DLQ_TOPIC="coldchain.readings" is the topic ingest writes to');
    expect(() => loadConfig({ DLQ_TOPIC: 'a b' })).toThrow('DLQ_TOPIC="a b" is invalid: expected a Kafka topic name, or none');
  });

  it('refuses limits that could never be met together', () => {
    expect(() => loadConfig({ MAX_RECORDS: '2000', MAX_BUFFERED_RECORDS: '1000' })).toThrow(ConfigError);
    expect(() => loadConfig({ MAX_RECORDS: '2000', MAX_BUFFERED_RECORDS: '1000' })).toThrow('MAX_RECORDS=2000 is larger than MAX_BUFFERED_RECORDS=1000');
    expect(() => loadConfig({ SCHEMA_FILE: 'x.avsc', SCHEMA_VERSION: '2' })).toThrow('SCHEMA_FILE and SCHEMA_VERSION are both set');
  });
});
