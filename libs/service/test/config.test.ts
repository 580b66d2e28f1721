import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '@tributary/streams';
import { env, httpEnv, kafkaConfig, kafkaEnv, postgresConfig, postgresEnv, readConfig, redactedConfig, registryClient, registryEnv, streamsEnv, streamsSettings } from '../src/index.js';

const errorOf = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

describe('readConfig', () => {
  it('applies defaults and parses each kind', () => {
    const config = readConfig(
      {
        PORT: env.int({ default: 8080, min: 1, max: 65535 }),
        RATIO: env.number({ min: 0, max: 1 }),
        ON: env.boolean({ default: false }),
        MODE: env.oneOf(['pass', 'dlq'], { default: 'pass' }),
        LIST: env.list(),
        MAYBE: env.string({ optional: true }),
        URL: env.url(),
      },
      { RATIO: '0.25', ON: 'yes', MODE: 'dlq', LIST: ' a, b ,,c ', URL: 'http://x:1/api/' },
    );
    expect(config).toEqual({ PORT: 8080, RATIO: 0.25, ON: true, MODE: 'dlq', LIST: ['a', 'b', 'c'], MAYBE: undefined, URL: 'http://x:1/api' });
  });

  it('names the variable, its value and what is expected', () => {
    expect(errorOf(() => readConfig({ HTTP_PORT: env.int({ min: 0, max: 65535 }) }, { HTTP_PORT: 'eighty' })).message).toBe(
      'HTTP_PORT="eighty" is invalid: expected an integer between 0 and 65535',
    );
    expect(errorOf(() => readConfig({ HTTP_PORT: env.int({ min: 0, max: 65535 }) }, { HTTP_PORT: '70000' })).message).toContain('HTTP_PORT="70000"');
    expect(errorOf(() => readConfig({ UNMATCHED: env.oneOf(['pass', 'dlq']) }, { UNMATCHED: 'drop' })).message).toBe(
      'UNMATCHED="drop" is invalid: expected one of "pass", "dlq"',
    );
    expect(errorOf(() => readConfig({ INPUT_TOPIC: env.string() }, {})).message).toBe('INPUT_TOPIC is not set: expected text');
    const error = errorOf(() => readConfig({ RATIO: env.number({ min: 0, max: 1 }) }, { RATIO: '1.5' }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe('CONFIG');
  });

  it('masks secret values in errors and in the redacted config', () => {
    const spec = { TOKEN: env.int({ secret: true }) };
    const message = errorOf(() => readConfig(spec, { TOKEN: 'hunter2-secret' })).message;
    expect(message).not.toContain('hunter2');
    expect(message).toContain('TOKEN=');
    const config = readConfig({ ...kafkaEnv, ...httpEnv }, { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p4ss' });
    expect(JSON.stringify(redactedConfig({ ...kafkaEnv, ...httpEnv }, config))).not.toContain('p4ss');
  });
});

describe('kafkaConfig', () => {
  const read = (vars: Record<string, string>) => kafkaConfig(readConfig(kafkaEnv, vars), 'svc');

  it('defaults to the local broker, no TLS, no SASL', () => {
    expect(read({})).toEqual({ brokers: ['127.0.0.1:9092'], connectionTimeout: 3000, clientId: 'svc' });
  });

  it('builds SASL settings for each mechanism and insists on credentials', () => {
    for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512']) {
      expect(read({ KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'alice', KAFKA_SASL_PASSWORD: 'pw' }).sasl).toEqual({
        mechanism,
        username: 'alice',
        password: 'pw',
      });
    }
    expect(errorOf(() => read({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'alice' })).message).toBe(
      'KAFKA_SASL_PASSWORD is not set: expected a password with KAFKA_SASL_MECHANISM=scram-sha-512',
    );
    expect(errorOf(() => read({ KAFKA_SASL_USERNAME: 'alice', KAFKA_SASL_PASSWORD: 'pw' })).message).toContain('KAFKA_SASL_MECHANISM=none');
  });

  it('reads TLS files and refuses half settings', () => {
    const ssl = read({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: new URL('./fixtures/ca.pem', import.meta.url).pathname }).ssl as { rejectUnauthorized: boolean; ca: string[] };
    expect(ssl.rejectUnauthorized).toBe(true);
    expect(ssl.ca[0]).toContain('BEGIN CERTIFICATE');
    expect(errorOf(() => read({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem' })).message).toMatch(
      /^KAFKA_SSL_CA_FILE="\/nonexistent\/ca.pem" cannot be read \(ENOENT\)/,
    );
    expect(errorOf(() => read({ KAFKA_SSL_CA_FILE: '/x.pem' })).message).toContain('KAFKA_SSL=true');
    expect(errorOf(() => read({ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: '/x.pem' })).message).toContain('go together');
    expect(errorOf(() => read({ KAFKA_BROKERS: 'localhost' })).message).toContain('host:port');
  });
});

describe('registry and PostgreSQL settings', () => {
  it('registry basic auth needs both parts', () => {
    expect(registryClient(readConfig(registryEnv, { SCHEMA_REGISTRY_USERNAME: 'u', SCHEMA_REGISTRY_PASSWORD: 'p' })).url).toBe(
      'http://127.0.0.1:8081/apis/ccompat/v7',
    );
    expect(errorOf(() => registryClient(readConfig(registryEnv, { SCHEMA_REGISTRY_USERNAME: 'u' }))).message).toContain('go together');
    expect(readConfig(registryEnv, {}).SCHEMA_REGISTRY_TIMEOUT_MS).toBe(30_000);
    expect(readConfig(registryEnv, { SCHEMA_REGISTRY_TIMEOUT_MS: '5000' }).SCHEMA_REGISTRY_TIMEOUT_MS).toBe(5000);
    expect(errorOf(() => readConfig(registryEnv, { SCHEMA_REGISTRY_TIMEOUT_MS: '0' })).message).toContain('SCHEMA_REGISTRY_TIMEOUT_MS');
    expect(errorOf(() => readConfig(registryEnv, { SCHEMA_REGISTRY_URL: 'ftp://x' })).message).toBe(
      'SCHEMA_REGISTRY_URL="ftp://x" is invalid: expected an http:// or https:// URL',
    );
  });

  it('PostgreSQL TLS modes', () => {
    const read = (vars: Record<string, string>) => postgresConfig(readConfig(postgresEnv, vars));
    expect(read({}).ssl).toBe(false);
    expect(read({ DATABASE_SSL: 'require' }).ssl).toEqual({ rejectUnauthorized: false });
    const verified = read({ DATABASE_SSL: 'verify-full', DATABASE_SSL_CA_FILE: new URL('./fixtures/ca.pem', import.meta.url).pathname }).ssl as { rejectUnauthorized: boolean; ca: string };
    expect(verified.rejectUnauthorized).toBe(true);
    expect(verified.ca).toContain('BEGIN CERTIFICATE');
    const message = errorOf(() => readConfig(postgresEnv, { DATABASE_URL: 'mysql://u:secretpw@h/db' })).message;
    expect(message).not.toContain('secretpw');
    expect(message).toContain('expected a postgres:// URL');
  });
});

describe('stream operator settings', () => {
  it('default to exactly-once, a 100 ms commit interval and no compression, and reach the StreamsConfig', () => {
    expect(streamsSettings(readConfig(streamsEnv, {}))).toEqual({ processingGuarantee: 'exactly_once', commitIntervalMs: 100, compression: 'none' });
    const settings = streamsSettings(readConfig(streamsEnv, { PROCESSING_GUARANTEE: 'at_least_once', COMMIT_INTERVAL_MS: '20', KAFKA_COMPRESSION: 'gzip' }));
    expect(resolveConfig({ applicationId: 'a', kafka: { brokers: ['b:9092'] }, ...settings })).toMatchObject({
      processingGuarantee: 'at_least_once',
      commitIntervalMs: 20,
      compression: 'gzip',
    });
  });

  it('refuses a codec the runtime cannot write, naming the ones it can', () => {
    expect(errorOf(() => readConfig(streamsEnv, { KAFKA_COMPRESSION: 'lz4' })).message).toBe('KAFKA_COMPRESSION="lz4" is invalid: expected one of "none", "gzip"');
    expect(errorOf(() => resolveConfig({ applicationId: 'a', kafka: { brokers: ['b:9092'] }, compression: 'zstd' as never })).message).toBe(
      'compression="zstd" is invalid: expected "none" or "gzip"',
    );
  });
});
