import { readFileSync } from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { ConfigError } from '@tributary/streams';
import { env } from './env-field.js';
import type { ConfigOf } from './read-config.js';

/** Kafka connection variables shared by every operator: brokers, TLS, SASL. */
export const kafkaEnv = {
  KAFKA_BROKERS: env.list({ default: ['127.0.0.1:9092'] }),
  KAFKA_CLIENT_ID: env.string({ optional: true }),
  KAFKA_SSL: env.boolean({ default: false }),
  /** PEM file of the CA that signed the brokers' certificates (default: the system CAs). */
  KAFKA_SSL_CA_FILE: env.string({ optional: true }),
  /** Client certificate and key (PEM) for mutual TLS. */
  KAFKA_SSL_CERT_FILE: env.string({ optional: true }),
  KAFKA_SSL_KEY_FILE: env.string({ optional: true }),
  KAFKA_SSL_REJECT_UNAUTHORIZED: env.boolean({ default: true }),
  KAFKA_SASL_MECHANISM: env.oneOf(['none', 'plain', 'scram-sha-256', 'scram-sha-512'], { default: 'none' }),
  KAFKA_SASL_USERNAME: env.string({ optional: true }),
  KAFKA_SASL_PASSWORD: env.string({ optional: true, secret: true }),
  KAFKA_CONNECTION_TIMEOUT_MS: env.int({ default: 3000, min: 1 }),
};

export type KafkaEnv = ConfigOf<typeof kafkaEnv>;

const readPem = (variable: string, path: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${variable}=${JSON.stringify(path)} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}): expected a readable PEM file`);
  }
};

/** kafkajs client settings from the Kafka variables; checks that SASL settings come together. */
export function kafkaConfig(config: KafkaEnv, clientId?: string): KafkaConfig {
  const brokers = config.KAFKA_BROKERS;
  for (const broker of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(broker)) throw new ConfigError(`KAFKA_BROKERS contains ${JSON.stringify(broker)}: expected host:port items`);
  }
  let ssl: KafkaConfig['ssl'] = config.KAFKA_SSL;
  const files = [config.KAFKA_SSL_CA_FILE, config.KAFKA_SSL_CERT_FILE, config.KAFKA_SSL_KEY_FILE];
  if (!config.KAFKA_SSL && files.some((f) => f !== undefined)) {
    throw new ConfigError('KAFKA_SSL_*_FILE is set but KAFKA_SSL=false: expected KAFKA_SSL=true to use TLS');
  }
  if (config.KAFKA_SSL) {
    if ((config.KAFKA_SSL_CERT_FILE === undefined) !== (config.KAFKA_SSL_KEY_FILE === undefined)) {
      throw new ConfigError('KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together: expected both or neither');
    }
    ssl = {
      rejectUnauthorized: config.KAFKA_SSL_REJECT_UNAUTHORIZED,
      ...(config.KAFKA_SSL_CA_FILE !== undefined ? { ca: [readPem('KAFKA_SSL_CA_FILE', config.KAFKA_SSL_CA_FILE)] } : {}),
      ...(config.KAFKA_SSL_CERT_FILE !== undefined ? { cert: readPem('KAFKA_SSL_CERT_FILE', config.KAFKA_SSL_CERT_FILE) } : {}),
      ...(config.KAFKA_SSL_KEY_FILE !== undefined ? { key: readPem('KAFKA_SSL_KEY_FILE', config.KAFKA_SSL_KEY_FILE) } : {}),
    };
  }
  let sasl: SASLOptions | undefined;
  if (config.KAFKA_SASL_MECHANISM !== 'none') {
    const username = config.KAFKA_SASL_USERNAME;
    const password = config.KAFKA_SASL_PASSWORD;
    if (username === undefined) throw new ConfigError(`KAFKA_SASL_USERNAME is not set: expected a user name with KAFKA_SASL_MECHANISM=${config.KAFKA_SASL_MECHANISM}`);
    if (password === undefined) throw new ConfigError(`KAFKA_SASL_PASSWORD is not set: expected a password with KAFKA_SASL_MECHANISM=${config.KAFKA_SASL_MECHANISM}`);
    sasl = { mechanism: config.KAFKA_SASL_MECHANISM, username, password };
  } else if (config.KAFKA_SASL_USERNAME !== undefined || config.KAFKA_SASL_PASSWORD !== undefined) {
    throw new ConfigError('KAFKA_SASL_USERNAME/PASSWORD are set but KAFKA_SASL_MECHANISM=none: expected plain, scram-sha-256 or scram-sha-512');
  }
  const id = config.KAFKA_CLIENT_ID ?? clientId;
  return {
    brokers,
    connectionTimeout: config.KAFKA_CONNECTION_TIMEOUT_MS,
    ...(id !== undefined ? { clientId: id } : {}),
    ...(ssl !== false ? { ssl } : {}),
    ...(sasl !== undefined ? { sasl } : {}),
  };
}
