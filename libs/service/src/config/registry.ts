import { DEFAULT_REGISTRY_TIMEOUT_MS, RegistryClient } from '@tributary/avro';
import { ConfigError } from '@tributary/streams';
import { env } from './env-field.js';
import type { ConfigOf } from './read-config.js';

/** Schema registry variables: the Confluent-compatible API URL, optional basic auth, the request timeout. */
export const registryEnv = {
  SCHEMA_REGISTRY_URL: env.url({ default: 'http://127.0.0.1:8081/apis/ccompat/v7' }),
  SCHEMA_REGISTRY_USERNAME: env.string({ optional: true }),
  SCHEMA_REGISTRY_PASSWORD: env.string({ optional: true, secret: true }),
  /** Per-request timeout; a timed-out request is retried by the operator's retry policy. */
  SCHEMA_REGISTRY_TIMEOUT_MS: env.int({ default: DEFAULT_REGISTRY_TIMEOUT_MS, min: 1 }),
};

export type RegistryEnv = ConfigOf<typeof registryEnv>;

/** One registry client per process (it holds the schema caches). */
export function registryClient(config: RegistryEnv): RegistryClient {
  const { SCHEMA_REGISTRY_USERNAME: username, SCHEMA_REGISTRY_PASSWORD: password } = config;
  if ((username === undefined) !== (password === undefined)) {
    throw new ConfigError('SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD go together: expected both (basic auth) or neither');
  }
  return new RegistryClient({
    url: config.SCHEMA_REGISTRY_URL,
    timeoutMs: config.SCHEMA_REGISTRY_TIMEOUT_MS,
    ...(username !== undefined && password !== undefined ? { auth: { username, password } } : {}),
  });
}
