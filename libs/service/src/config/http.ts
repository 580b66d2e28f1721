import { env } from './env-field.js';
import type { ConfigOf } from './read-config.js';

/** The operator's own HTTP server, logging and shutdown bound. */
export const httpEnv = {
  /** Loopback by default; containers set 0.0.0.0. */
  HTTP_HOST: env.string({ default: '127.0.0.1' }),
  /** 0 picks a free port (tests). */
  HTTP_PORT: env.int({ default: 8080, min: 0, max: 65535 }),
  /** URL other instances and clients use to reach this one (interactive query routing); default http://HTTP_HOST:port. */
  ADVERTISED_URL: env.url({ optional: true }),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  /** SIGTERM: how long the operator may take to finish its open work before the process exits anyway (with 1). */
  SHUTDOWN_TIMEOUT_MS: env.int({ default: 30_000, min: 1 }),
};

export type HttpEnv = ConfigOf<typeof httpEnv>;
