/**
 * Posts readings to the ingest service the way a fleet gateway would:
 * NDJSON batches, retried on 429/503 and on connection errors (ingest may be
 * restarting). A retried batch can reach the topic twice if ingest died
 * after the broker acked it but before it answered: the pipeline is
 * at-least-once from HTTP to Kafka and the aggregate de-duplicates readings
 * by (containerId, eventTime).
 */
export interface IngestClientOptions {
  /** Base URL of ingest, or a function giving the current one (it may move on restart). */
  readonly url: string | (() => string | undefined);
  readonly token?: string;
  /** Gives up a batch after this long without success (default 5 min). */
  readonly retryForMs?: number;
  /** Stop retrying at once when this returns true (shutdown). */
  readonly stopped?: () => boolean;
}

export interface PostResult {
  readonly status: number;
  readonly body: unknown;
  /** Attempts it took (1 = no retry). */
  readonly attempts: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class IngestClient {
  readonly #options: IngestClientOptions;
  retries = 0;

  constructor(options: IngestClientOptions) {
    this.#options = options;
  }

  #url(): string | undefined {
    return typeof this.#options.url === 'string' ? this.#options.url : this.#options.url();
  }

  /** One request; resolves with the final answer (2xx, or a 4xx that retrying cannot fix). */
  async post(body: string, contentType: string): Promise<PostResult> {
    const deadline = Date.now() + (this.#options.retryForMs ?? 300_000);
    let attempts = 0;
    let delay = 50;
    for (;;) {
      attempts++;
      const base = this.#url();
      let status = 0;
      let answer: unknown;
      if (base !== undefined) {
        try {
          const response = await fetch(`${base}/records`, {
            method: 'POST',
            headers: { 'content-type': contentType, ...(this.#options.token !== undefined ? { authorization: `Bearer ${this.#options.token}` } : {}) },
            body,
            signal: AbortSignal.timeout(30_000),
          });
          status = response.status;
          const text = await response.text();
          try {
            answer = JSON.parse(text);
          } catch {
            answer = text;
          }
        } catch {
          status = 0; // connection refused/reset: ingest restarting
        }
      }
      if (status !== 0 && status !== 429 && status !== 503 && status !== 502) return { status, body: answer, attempts };
      if (Date.now() > deadline) throw new Error(`ingest did not accept a batch within the retry time (last status ${status})`);
      if (this.#options.stopped?.() === true) throw new Error('stopped while ingest was not accepting');
      this.retries++;
      await sleep(delay);
      delay = Math.min(delay * 2, 1000);
    }
  }

  /** Posts JSON values as one NDJSON request; throws unless ingest accepted them. */
  async postNdjson(values: readonly unknown[]): Promise<PostResult> {
    const result = await this.post(values.map((v) => JSON.stringify(v)).join('\n') + '\n', 'application/x-ndjson');
    if (result.status < 200 || result.status >= 300) throw new Error(`ingest refused a batch of ${values.length}: ${result.status} ${JSON.stringify(result.body)}`);
    return result;
  }
}
