import { errorClass, errorMessage } from '../errors.js';
import type { ConsumedMessage, OutputMessage } from './output-message.js';

/** Header names on dead-letter records. */
export const DLQ_HEADERS = {
  topic: 'tributary.dlq.source.topic',
  partition: 'tributary.dlq.source.partition',
  offset: 'tributary.dlq.source.offset',
  timestamp: 'tributary.dlq.source.timestamp',
  errorClass: 'tributary.dlq.error.class',
  errorCode: 'tributary.dlq.error.code',
  errorMessage: 'tributary.dlq.error.message',
  taskId: 'tributary.dlq.task',
} as const;

/** `<applicationId>.dlq`. */
export function deadLetterTopic(applicationId: string): string {
  return `${applicationId}.dlq`;
}

/**
 * The dead-letter record of a consumed record that failed: the original key,
 * value and headers untouched, plus headers naming where it came from and why
 * it failed, so it can be inspected and replayed.
 */
export function deadLetter(
  dlqTopic: string,
  source: { topic: string; partition: number; taskId: string },
  message: ConsumedMessage,
  error: unknown,
): OutputMessage {
  const headers: Record<string, string | Buffer> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? (value[value.length - 1] ?? '') : value;
  }
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  headers[DLQ_HEADERS.topic] = source.topic;
  headers[DLQ_HEADERS.partition] = String(source.partition);
  headers[DLQ_HEADERS.offset] = message.offset;
  headers[DLQ_HEADERS.timestamp] = message.timestamp;
  headers[DLQ_HEADERS.errorClass] = errorClass(error);
  headers[DLQ_HEADERS.errorCode] = typeof code === 'string' || typeof code === 'number' ? String(code) : '';
  headers[DLQ_HEADERS.errorMessage] = errorMessage(error).slice(0, 4_000);
  headers[DLQ_HEADERS.taskId] = source.taskId;
  return { topic: dlqTopic, key: message.key, value: message.value, timestamp: Number(message.timestamp), headers };
}
