import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { ConfigError } from '@tributary/streams';
import { env } from './env-field.js';
import type { ConfigOf } from './read-config.js';

/** PostgreSQL variables: connection URL and TLS. */
export const postgresEnv = {
  DATABASE_URL: env.string({ default: 'postgres://127.0.0.1:5432/test', secret: true, pattern: /^postgres(ql)?:\/\//, expected: 'a postgres:// URL' }),
  /** `disable`, `require` (encrypted, certificate not checked) or `verify-full` (checked against the CA). */
  DATABASE_SSL: env.oneOf(['disable', 'require', 'verify-full'], { default: 'disable' }),
  DATABASE_SSL_CA_FILE: env.string({ optional: true }),
};

export type PostgresEnv = ConfigOf<typeof postgresEnv>;

/** Connection settings for `pg` (`new pg.Pool(postgresConfig(config))`). */
export function postgresConfig(config: PostgresEnv): { connectionString: string; ssl?: ConnectionOptions | false } {
  if (config.DATABASE_SSL === 'disable') {
    if (config.DATABASE_SSL_CA_FILE !== undefined) throw new ConfigError('DATABASE_SSL_CA_FILE is set but DATABASE_SSL=disable: expected verify-full');
    return { connectionString: config.DATABASE_URL, ssl: false };
  }
  if (config.DATABASE_SSL === 'require') return { connectionString: config.DATABASE_URL, ssl: { rejectUnauthorized: false } };
  let ca: string | undefined;
  if (config.DATABASE_SSL_CA_FILE !== undefined) {
    try {
      ca = readFileSync(config.DATABASE_SSL_CA_FILE, 'utf8');
    } catch (error) {
      throw new ConfigError(`DATABASE_SSL_CA_FILE=${JSON.stringify(config.DATABASE_SSL_CA_FILE)} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}): expected a readable PEM file`);
    }
  }
  return { connectionString: config.DATABASE_URL, ssl: { rejectUnauthorized: true, ...(ca !== undefined ? { ca } : {}) } };
}

/** The URL without its password, safe to log. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
