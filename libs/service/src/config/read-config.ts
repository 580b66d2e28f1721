import { ConfigError } from '@tributary/streams';
import type { EnvField } from './env-field.js';

/** A configuration spec: environment variable name → field. */
export type ConfigSpec = Record<string, EnvField<unknown>>;

/** The typed configuration a spec describes. */
export type ConfigOf<S extends ConfigSpec> = { readonly [K in keyof S]: S[K] extends EnvField<infer T> ? T : never };

const mask = (raw: string): string => (raw.length === 0 ? '""' : `"${'*'.repeat(Math.min(raw.length, 8))}" (secret, masked)`);

/**
 * Reads and validates every variable of `spec` from `source`. Fails on the
 * first invalid or missing variable with a `ConfigError` naming it, its value
 * and what is expected. Empty values count as unset.
 */
export function readConfig<S extends ConfigSpec>(spec: S, source: NodeJS.ProcessEnv = process.env): ConfigOf<S> {
  const result: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(spec)) {
    const raw = source[name];
    if (raw === undefined || raw.trim() === '') {
      if (f.fallback === undefined) throw new ConfigError(`${name} is not set: expected ${f.expected}`);
      result[name] = f.fallback();
      continue;
    }
    const value = f.parse(raw);
    if (value === undefined) {
      throw new ConfigError(`${name}=${f.secret ? mask(raw) : JSON.stringify(raw)} is invalid: expected ${f.expected}`);
    }
    result[name] = value;
  }
  return result as ConfigOf<S>;
}

/** Names of the secret variables of a spec (for log redaction and docs). */
export function secretNames(spec: ConfigSpec): string[] {
  return Object.entries(spec)
    .filter(([, f]) => f.secret)
    .map(([name]) => name);
}

/** The configuration with secrets replaced by `"***"`, safe to log. */
export function redactedConfig<S extends ConfigSpec>(spec: S, config: ConfigOf<S>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(spec)) {
    const value = (config as Record<string, unknown>)[name];
    out[name] = f.secret && value !== undefined ? '***' : value;
  }
  return out;
}
