/**
 * Scores batches on a model server over HTTP instead of in-process: the
 * same `BatchScorer` as the ONNX scorer, so the score processor calls it at
 * flush exactly as it calls onnxruntime.
 *
 * A batch is split into requests of at most `batchRows` rows; at most
 * `concurrency` requests are in flight for the whole instance (every task
 * shares the scorer); each request has `timeoutMs`; transient failures
 * (connection errors, timeouts, 429, 5xx) are retried with exponential
 * backoff and jitter, at most `maxRetries` times and within `deadlineMs` of
 * the batch's start. Results are written at each request's row offset, so
 * the scores come back in input order whichever request finished first:
 * the processor forwards them in that order, which keeps per-key order.
 *
 * Exactly-once does not depend on the server: scoring happens in the
 * processor's flush, before the commit's transaction; a failed batch fails
 * the commit and the runtime rewinds to the last one, so a window may be
 * sent to the server more than once but only the committed transaction's
 * score exists. This holds because scoring is a pure function of the
 * features (the protocol's contract); `Idempotency-Key` headers are sent
 * for servers that still want to deduplicate.
 */
import type { BatchInfo, BatchScores, BatchScorer } from '../model/onnx-scorer.js';
import type { ModelMetadata } from '../model/model-metadata.js';
import { RemoteModelError, isTransientOutcome, type RemoteOutcome } from './remote-errors.js';
import { ProtocolViolation, decodeResponse, encodeRequest, remoteEndpoint, type DecodedScores, type RemoteEndpoint } from './remote-protocol.js';
import { Semaphore } from './semaphore.js';

/** Hooks for metrics (see remote-metrics.ts). */
export interface RemoteObserver {
  requestStarted?(): void;
  requestFinished?(outcome: RemoteOutcome, seconds: number): void;
  retried?(outcome: RemoteOutcome): void;
}

export interface RemoteScorerOptions {
  /** MODEL_ENDPOINT: the model's URL; its path picks the protocol (see remote-protocol.ts). */
  readonly endpoint: string;
  /** The model's metadata (MODEL_METADATA_PATH, or read from the server by `fetchRemoteMetadata`). */
  readonly metadata: ModelMetadata;
  /** REMOTE_CONCURRENCY: requests in flight at most (default 4). */
  readonly concurrency?: number;
  /** REMOTE_BATCH_ROWS: rows per request at most (default 256). */
  readonly batchRows?: number;
  /** REMOTE_TIMEOUT_MS: one request, from sending to the whole body read (default 2000). */
  readonly timeoutMs?: number;
  /** REMOTE_MAX_RETRIES: retries of one request after a transient failure (default 5). */
  readonly maxRetries?: number;
  /** REMOTE_DEADLINE_MS: no retry starts later than this after the batch started (default 10000). */
  readonly deadlineMs?: number;
  /** First backoff (default 100 ms); doubled per retry, up to `maxBackoffMs` (default 2000 ms), with jitter. */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly observer?: RemoteObserver;
  /** Extra request headers (e.g. authorization). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Random numbers in [0, 1) for the jitter (tests). */
  readonly random?: () => number;
}

interface Attempt {
  readonly outcome: RemoteOutcome;
  readonly scores?: DecodedScores | undefined;
  readonly status?: number | undefined;
  readonly retryAfterMs?: number | undefined;
  readonly detail: string;
  readonly cause?: unknown;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `Retry-After` in seconds (the HTTP-date form is ignored). */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || !/^\s*\d+(\.\d+)?\s*$/.test(header)) return undefined;
  return Number(header) * 1000;
}

function outcomeOfStatus(status: number): RemoteOutcome {
  if (status === 429) return 'http_429';
  if (status >= 500) return 'http_5xx';
  return 'http_4xx';
}

export class RemoteScorer implements BatchScorer {
  readonly metadata: ModelMetadata;
  readonly endpoint: RemoteEndpoint;
  readonly concurrency: number;
  readonly batchRows: number;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly deadlineMs: number;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #observer: RemoteObserver;
  readonly #headers: Record<string, string>;
  readonly #random: () => number;
  readonly #slots: Semaphore;
  /** Aborted by release(): requests still running stop. */
  readonly #closed = new AbortController();

  constructor(options: RemoteScorerOptions) {
    this.metadata = options.metadata;
    this.endpoint = remoteEndpoint(options.endpoint);
    this.concurrency = options.concurrency ?? 4;
    this.batchRows = options.batchRows ?? 256;
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.maxRetries = options.maxRetries ?? 5;
    this.deadlineMs = options.deadlineMs ?? 10_000;
    this.#initialBackoffMs = options.initialBackoffMs ?? 100;
    this.#maxBackoffMs = options.maxBackoffMs ?? 2000;
    this.#observer = options.observer ?? {};
    this.#headers = { 'content-type': 'application/json', accept: 'application/json', ...options.headers };
    this.#random = options.random ?? Math.random;
    for (const [name, value] of Object.entries({ batchRows: this.batchRows, timeoutMs: this.timeoutMs, deadlineMs: this.deadlineMs })) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, not ${value}`);
    }
    if (!Number.isInteger(this.maxRetries) || this.maxRetries < 0) throw new RangeError(`maxRetries must be an integer ≥ 0, not ${this.maxRetries}`);
    this.#slots = new Semaphore(this.concurrency);
  }

  /**
   * Scores `count` rows (row-major, F = the model's features) in requests of
   * at most `batchRows` rows, concurrently; resolves with the risks in row
   * order, or rejects with a RemoteModelError once a request failed for
   * good or ran out of retries (the other requests of the batch are then
   * aborted).
   */
  async score(rows: Float32Array, count: number, batch: BatchInfo = {}): Promise<BatchScores> {
    const width = this.metadata.features.length;
    if (rows.length !== count * width) throw new RangeError(`${rows.length} values are not ${count} rows of ${width} features`);
    const risk = new Float32Array(count);
    const contributions = new Float32Array(count * width);
    let explained = true;
    const deadline = Date.now() + this.deadlineMs;
    const failed = new AbortController();
    const requests: Promise<void>[] = [];
    for (let start = 0; start < count; start += this.batchRows) {
      const n = Math.min(this.batchRows, count - start);
      requests.push(
        this.#request(rows, start, n, batch.id, deadline, failed.signal).then(
          (scores) => {
            risk.set(scores.risk, start);
            if (scores.contributions === undefined) explained = false;
            else contributions.set(scores.contributions, start * width);
          },
          (error: unknown) => {
            failed.abort(error);
            throw error;
          },
        ),
      );
    }
    const settled = await Promise.allSettled(requests);
    if (failed.signal.aborted) throw failed.signal.reason;
    const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (rejected !== undefined) throw rejected.reason;
    return { risk, contributions: explained && count > 0 ? contributions : undefined };
  }

  /** One request of the batch, retried until it succeeds, fails for good, or runs out of retries or time. */
  async #request(rows: Float32Array, start: number, count: number, batchId: string | undefined, deadline: number, failed: AbortSignal): Promise<DecodedScores> {
    // The same key always names the same rows scored by the same model version, so a server may answer a repeated key from a cache.
    const key = batchId === undefined ? undefined : `${batchId}:${this.metadata.version}:${start}+${count}`;
    const body = JSON.stringify(encodeRequest(this.endpoint.protocol, this.metadata, rows, start, count, key));
    const what = `model ${this.metadata.name} ${this.metadata.version} at ${this.endpoint.inferUrl}, rows ${start}…${start + count - 1}`;
    for (let retry = 0; ; retry++) {
      const attempt = await this.#slots.with(async () => await this.#attempt(body, count, key, deadline, failed));
      if (attempt.outcome === 'ok') return attempt.scores as DecodedScores;
      if (attempt.outcome === 'aborted') throw failed.reason ?? new RemoteModelError(`${what}: aborted`, { outcome: 'aborted' });
      const error = new RemoteModelError(`${what}: ${attempt.detail}${retry > 0 ? ` (after ${retry} retries)` : ''}`, {
        outcome: attempt.outcome,
        status: attempt.status,
        cause: attempt.cause,
      });
      if (!isTransientOutcome(attempt.outcome) || retry >= this.maxRetries) throw error;
      const exponential = Math.min(this.#maxBackoffMs, this.#initialBackoffMs * 2 ** retry);
      // "Equal jitter": half the backoff fixed, half random, so retries of many requests spread out but never come at once.
      const delay = Math.max(exponential / 2 + (this.#random() * exponential) / 2, attempt.retryAfterMs ?? 0);
      if (Date.now() + delay >= deadline) throw error;
      this.#observer.retried?.(attempt.outcome);
      await sleep(delay);
      if (failed.aborted) throw failed.reason;
    }
  }

  /** One HTTP exchange, classified; throws only for programmer errors. */
  async #attempt(body: string, count: number, key: string | undefined, deadline: number, failed: AbortSignal): Promise<Attempt> {
    if (failed.aborted || this.#closed.signal.aborted) return { outcome: 'aborted', detail: 'aborted' };
    const timeout = Math.max(1, Math.min(this.timeoutMs, deadline - Date.now()));
    const controller = new AbortController();
    const abort = () => controller.abort();
    failed.addEventListener('abort', abort, { once: true });
    this.#closed.signal.addEventListener('abort', abort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeout);
    const started = performance.now();
    this.#observer.requestStarted?.();
    let result: Attempt;
    try {
      result = await this.#exchange(body, count, key, controller.signal);
    } catch (error) {
      // fetch rejects for a refused or dropped connection, a body cut short, or our abort.
      if (timedOut) result = { outcome: 'timeout', detail: `no answer within ${timeout} ms`, cause: error };
      else if (controller.signal.aborted) result = { outcome: 'aborted', detail: 'aborted', cause: error };
      else result = { outcome: 'connection_error', detail: `${(error as Error).message}${causeText(error)}`, cause: error };
    } finally {
      clearTimeout(timer);
      failed.removeEventListener('abort', abort);
      this.#closed.signal.removeEventListener('abort', abort);
    }
    this.#observer.requestFinished?.(result.outcome, (performance.now() - started) / 1000);
    return result;
  }

  /** POSTs the body and reads the answer; rejects only when the connection or the body fails. */
  async #exchange(body: string, count: number, key: string | undefined, signal: AbortSignal): Promise<Attempt> {
    const headers = key === undefined ? this.#headers : { ...this.#headers, 'idempotency-key': key };
    const response = await fetch(this.endpoint.inferUrl, { method: 'POST', headers, body, signal });
    const text = await response.text();
    if (!response.ok) {
      const outcome = outcomeOfStatus(response.status);
      return {
        outcome,
        status: response.status,
        detail: `HTTP ${response.status}: ${text.slice(0, 300)}`,
        ...(outcome === 'http_4xx' ? {} : { retryAfterMs: retryAfterMs(response.headers.get('retry-after')) }),
      };
    }
    let scores: DecodedScores;
    try {
      scores = decodeResponse(this.endpoint.protocol, JSON.parse(text), this.metadata, count);
    } catch (error) {
      if (error instanceof ProtocolViolation || error instanceof SyntaxError) {
        return { outcome: 'bad_response', status: response.status, detail: `a response that breaks the protocol: ${error.message}`, cause: error };
      }
      throw error;
    }
    const { model } = scores;
    if (model !== undefined && (model.name !== this.metadata.name || (model.version !== undefined && model.version !== this.metadata.version))) {
      return {
        outcome: 'bad_response',
        status: response.status,
        detail: `answered by model ${model.name} ${model.version ?? ''}, not ${this.metadata.name} ${this.metadata.version} (the server's model changed: restart to read its metadata again)`,
      };
    }
    return { outcome: 'ok', scores, status: response.status, detail: 'ok' };
  }

  /** Stops requests still running (a batch then fails); the scorer must not score afterwards. */
  async release(): Promise<void> {
    this.#closed.abort();
  }
}

function causeText(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause === undefined) return '';
  return ` (${typeof cause.code === 'string' ? cause.code : String(cause.message)})`;
}
