import type { createLogger } from '@tributary/service';
import { errorMessage, isRetriableKafkaError } from '@tributary/streams';

/** The commands' pino logger (the operators' JSON log format). */
export type Logger = ReturnType<typeof createLogger>;

export interface UntilReadyOptions {
  /** Epoch ms after which the last failure is thrown. */
  readonly deadline: number;
  readonly log: Logger;
  /** Gives up at once when this returns true (a signal arrived). */
  readonly stopped?: () => boolean;
}

/** Thrown by {@link untilReady} when `stopped()` turned true while it waited. */
export class StoppedWhileWaiting extends Error {
  constructor(what: string) {
    super(`stopped while waiting for ${what}`);
    this.name = 'StoppedWhileWaiting';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `attempt` until it succeeds. Failures that say "not up yet" — a
 * retriable kafkajs error (connection refused, no leader, coordinator
 * loading) or a registry that cannot be reached or answers 5xx — are retried
 * with backoff (0.5 s doubling to 5 s) until `deadline`; any other error
 * (a refused schema, a topic with the wrong partition count, a bad
 * replication factor) is thrown at once, since waiting cannot fix it.
 *
 * In compose or Kubernetes the command may start before the broker and the
 * registry accept requests even when the platform waited for them
 * (a healthy Kafka can still be electing leaders for its internal topics).
 */
export async function untilReady<T>(what: string, attempt: () => Promise<T>, options: UntilReadyOptions): Promise<T> {
  let delay = 500;
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      const retriable = isRetriableKafkaError(error) || (error as { retriable?: unknown }).retriable === true;
      if (!retriable) throw error;
      if (options.stopped?.() === true) throw new StoppedWhileWaiting(what);
      if (Date.now() + delay > options.deadline) {
        throw new Error(`${what} did not become reachable in time (${tries} attempts); last error: ${errorMessage(error)}`, { cause: error });
      }
      options.log.warn({ attempt: tries, retryInMs: delay, err: errorMessage(error) }, `${what} not ready yet; retrying`);
      await sleep(delay);
      delay = Math.min(delay * 2, 5_000);
    }
  }
}
