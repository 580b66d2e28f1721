/**
 * kafkajs log lines through the service's logger (JSON, one line each),
 * from WARN up.
 */
import type { logCreator } from 'kafkajs';
import { kafkajs } from '@tributary/streams';
import type { IngestLog } from './record-producer.js';

export function kafkaLogCreator(log: IngestLog): logCreator {
  const { logLevel } = kafkajs();
  return () =>
    ({ namespace, level, log: entry }) => {
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = entry as { message: string; timestamp?: unknown; logger?: unknown };
      // Deliberate: sends are bounded so a request can get 503, and a failed send's producer is replaced (record-producer.ts).
      if (message.startsWith('Limiting retries for the idempotent producer')) return;
      const method = level <= logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : level === logLevel.INFO ? 'info' : 'debug';
      log[method]({ kafkajs: namespace, ...fields }, message);
    };
}
