import { pino, type Logger } from 'pino';

/** Paths pino replaces with "***" wherever they appear in a log line. */
const REDACT = [
  'password',
  '*.password',
  '*.*.password',
  'sasl.password',
  '*.sasl.password',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'headers.authorization',
  'KAFKA_SASL_PASSWORD',
  '*.KAFKA_SASL_PASSWORD',
  'SCHEMA_REGISTRY_PASSWORD',
  '*.SCHEMA_REGISTRY_PASSWORD',
  'DATABASE_URL',
  '*.DATABASE_URL',
];

/** JSON logs on stdout (one object per line), secrets redacted. */
export function createLogger(name: string, level: string): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: '***' }, base: { service: name } });
}
