/** kafkajs error types that mean another producer with our transactional id took over. */
const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'INVALID_PRODUCER_ID_MAPPING', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);

function chain(error: unknown): unknown[] {
  const seen: unknown[] = [];
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && !seen.includes(current) && seen.length < 10) {
    seen.push(current);
    const e = current as { cause?: unknown; originalError?: unknown };
    current = e.originalError ?? e.cause;
  }
  return seen;
}

/** True when the error (or one it wraps) says our producer was fenced. */
export function isFenced(error: unknown): boolean {
  return chain(error).some((e) => {
    const type = (e as { type?: unknown }).type;
    return typeof type === 'string' && FENCED_TYPES.has(type);
  });
}

/** True when kafkajs (or a wrapped cause) marks the error retriable. */
export function isRetriableKafkaError(error: unknown): boolean {
  return chain(error).some((e) => (e as { retriable?: unknown }).retriable === true) ||
    chain(error).some((e) => ['KafkaJSConnectionError', 'KafkaJSRequestTimeoutError', 'KafkaJSNumberOfRetriesExceeded', 'KafkaJSBrokerNotFound', 'KafkaJSConnectionClosedError', 'KafkaJSLockTimeout', 'KafkaJSGroupCoordinatorNotFound'].includes((e as { name?: string }).name ?? ''));
}
