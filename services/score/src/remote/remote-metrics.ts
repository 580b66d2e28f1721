/** Prometheus metrics of the remote scorer's requests. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { REMOTE_OUTCOMES } from './remote-errors.js';
import type { RemoteObserver } from './remote-scorer.js';

/**
 * Registers `tributary_score_remote_*` and returns the observer that feeds
 * them. Every outcome's series exists from the start at 0, so a rate over
 * them reads from the first scrape. Requests of a batch whose transaction
 * later aborts are counted: these count requests, not scored windows.
 */
export function remoteMetrics(registry: Registry): RemoteObserver {
  const requests = new Counter({
    name: 'tributary_score_remote_requests_total',
    help: 'HTTP requests to the model server, by outcome (ok, timeout, connection_error, http_429, http_5xx, http_4xx, bad_response, aborted).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  for (const outcome of REMOTE_OUTCOMES) requests.inc({ outcome }, 0);
  const seconds = new Histogram({
    name: 'tributary_score_remote_request_seconds',
    help: 'Time of one HTTP request to the model server (any outcome), from sending to the whole answer read.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const retries = new Counter({ name: 'tributary_score_remote_retries_total', help: 'Requests sent again after a transient failure.', registers: [registry] });
  const inFlight = new Gauge({ name: 'tributary_score_remote_requests_in_flight', help: 'Requests to the model server awaiting an answer.', registers: [registry] });
  return {
    requestStarted: () => inFlight.inc(),
    requestFinished: (outcome, s) => {
      inFlight.dec();
      requests.inc({ outcome });
      seconds.observe(s);
    },
    retried: () => retries.inc(),
  };
}
