/**
 * Which failures are worth trying again. Transient: PostgreSQL unreachable,
 * restarting, a deadlock or serialization failure, a lock wait cut short;
 * Kafka or the registry unreachable (errors that say `retriable`). Data
 * errors are the record's fault (see `isDataError`). Anything else — a
 * missing column, a permission, a bug — stops the sink.
 */
import { isRetriable, isRetriableKafkaError } from '@tributary/streams';

/** The SQLSTATE of a PostgreSQL error, if it is one. */
export function sqlState(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** The rows' fault, not the database's: a value out of range, a constraint, a key too large for its index. */
export function isDataError(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23') || state === '54000');
}

const TRANSIENT_STATES = new Set(['55P03', '57014', '57P01', '57P02', '57P03', '25P03', '53300', '53400']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

function causes(error: unknown): unknown[] {
  const seen: unknown[] = [];
  let current = error;
  while (typeof current === 'object' && current !== null && !seen.includes(current) && seen.length < 10) {
    seen.push(current);
    const e = current as { cause?: unknown; originalError?: unknown };
    current = e.originalError ?? e.cause;
  }
  return seen;
}

export function isTransient(error: unknown): boolean {
  if (error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError || error instanceof ReferenceError) return false;
  return causes(error).some((e) => {
    // Kafka's transient errors: the runtime's own classification (one list for every operator).
    if (isRetriable(e) || isRetriableKafkaError(e)) return true;
    const state = sqlState(e);
    if (state !== undefined) return state.startsWith('08') || state.startsWith('40') || TRANSIENT_STATES.has(state);
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    // node-postgres reports a lost connection without a SQLSTATE.
    return typeof message === 'string' && /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect/i.test(message);
  });
}

/** Jittered exponential backoff: ~200 ms, 400 ms, … up to 30 s. */
export function backoffMs(attempt: number): number {
  return Math.min(30_000, 200 * 2 ** Math.min(attempt, 8)) * (0.8 + Math.random() * 0.4);
}
