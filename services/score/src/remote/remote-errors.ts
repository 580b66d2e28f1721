/** Errors of the remote scorer: `retriable` tells the runtime whether re-running the batch may succeed. */
import { TributaryError } from '@tributary/streams';

/**
 * How one HTTP request to the model server ended; the `outcome` label of
 * `tributary_score_remote_requests_total`. Transient: `timeout`,
 * `connection_error`, `http_429`, `http_5xx`. Permanent: `http_4xx`,
 * `bad_response`. `aborted`: given up because another request of the batch
 * failed for good.
 */
export const REMOTE_OUTCOMES = ['ok', 'timeout', 'connection_error', 'http_429', 'http_5xx', 'http_4xx', 'bad_response', 'aborted'] as const;
export type RemoteOutcome = (typeof REMOTE_OUTCOMES)[number];

/** Outcomes worth another attempt: the same request may succeed later. */
export function isTransientOutcome(outcome: RemoteOutcome): boolean {
  return outcome === 'timeout' || outcome === 'connection_error' || outcome === 'http_429' || outcome === 'http_5xx';
}

/**
 * The model server could not score a batch. Thrown from the processor's
 * flush, it fails the commit: the task aborts and rewinds to its last
 * commit. `retriable` (transient failures that outlasted the retries or the
 * deadline): the runtime retries the task after a backoff, so a model
 * server outage stalls the task and it resumes when the server is back.
 * Not retriable (a 4xx other than 429, a response that breaks the
 * protocol, a model other than the one configured): the app fails.
 */
export class RemoteModelError extends TributaryError {
  readonly outcome: RemoteOutcome;
  readonly status: number | undefined;

  constructor(message: string, options: { outcome: RemoteOutcome; status?: number | undefined; cause?: unknown }) {
    super('REMOTE_MODEL', message, { retriable: isTransientOutcome(options.outcome), cause: options.cause });
    this.outcome = options.outcome;
    this.status = options.status;
  }
}
