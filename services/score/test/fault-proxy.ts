/**
 * A fault-injecting HTTP proxy for the remote-model tests: it forwards each
 * request to the model server unless `fault` says otherwise — delay it,
 * answer a status (503, 429, 400…) without forwarding, or drop the
 * connection before forwarding or after the server answered (the answer is
 * lost). It counts requests in flight (the most at once) and records, per
 * request, its rows, its Idempotency-Key and when it finished, so a test
 * sees the concurrency and the completion order the client caused.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Fault {
  /** Wait this long before doing anything else. */
  readonly delayMs?: number;
  /** Answer this status without forwarding. */
  readonly status?: number;
  readonly retryAfter?: string;
  /** Destroy the connection: before forwarding, or after the server answered (the model ran; the answer is lost). */
  readonly drop?: 'before' | 'after';
}

export interface ProxiedRequest {
  /** 0, 1, 2… in arrival order. */
  readonly index: number;
  readonly method: string;
  readonly path: string;
  /** Rows in the body (Tributary `rows` or v2 `shape[0]`); 0 for a GET. */
  readonly rows: number;
  /** The first row's first value: tells which part of a batch this is. */
  readonly firstValue: number | undefined;
  readonly idempotencyKey: string | undefined;
  readonly arrivedAt: number;
  fault?: Fault | undefined;
  /** How it ended: the status sent, or `dropped`/`closed` (the client gave up). */
  outcome?: number | 'dropped' | 'closed' | undefined;
  finishedAt?: number | undefined;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function body(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function describe(text: Buffer): { rows: number; firstValue: number | undefined } {
  try {
    const json = JSON.parse(text.toString('utf8')) as { rows?: number[][]; inputs?: { shape: number[]; data: number[] }[] };
    if (Array.isArray(json.rows)) return { rows: json.rows.length, firstValue: json.rows[0]?.[0] };
    const input = json.inputs?.[0];
    if (input !== undefined) return { rows: input.shape[0] ?? 0, firstValue: input.data[0] };
  } catch {
    // not JSON: forwarded as is
  }
  return { rows: 0, firstValue: undefined };
}

export class FaultProxy {
  readonly requests: ProxiedRequest[] = [];
  /** Decides each request's fault (none: forwarded at once). */
  fault: (request: ProxiedRequest) => Fault | undefined = () => undefined;
  inFlight = 0;
  maxInFlight = 0;
  /** Indexes of the requests in the order they were answered (forwarded answers and statuses alike). */
  readonly completionOrder: number[] = [];
  #server: Server | undefined;

  /** `target`: the model server's origin, e.g. `http://127.0.0.1:8500`. */
  constructor(private readonly target: string) {}

  async start(port = 0): Promise<string> {
    const server = createServer((request, response) => {
      void (async () => {
        const text = await body(request);
        const record: ProxiedRequest = {
          index: this.requests.length,
          method: request.method ?? 'GET',
          path: request.url ?? '/',
          ...describe(text),
          idempotencyKey: request.headers['idempotency-key'] as string | undefined,
          arrivedAt: performance.now(),
        };
        this.requests.push(record);
        this.inFlight += 1;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        let counted = true;
        const done = (outcome: ProxiedRequest['outcome']) => {
          if (!counted) return;
          counted = false;
          this.inFlight -= 1;
          record.outcome ??= outcome;
          record.finishedAt = performance.now();
        };
        response.on('close', () => done(response.writableFinished ? response.statusCode : 'closed'));
        const fault = this.fault(record);
        record.fault = fault;
        if (fault?.delayMs !== undefined) await sleep(fault.delayMs);
        if (response.destroyed) return;
        if (fault?.drop === 'before') {
          done('dropped');
          request.socket.destroy();
          return;
        }
        if (fault?.status !== undefined) {
          this.completionOrder.push(record.index);
          response.writeHead(fault.status, { 'content-type': 'application/json', ...(fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter }) });
          response.end(JSON.stringify({ error: `injected ${fault.status}` }));
          return;
        }
        const answer = await fetch(`${this.target}${record.path}`, {
          method: record.method,
          headers: { 'content-type': 'application/json' },
          ...(record.method === 'GET' || record.method === 'HEAD' ? {} : { body: text }),
        });
        const answerText = await answer.text();
        if (fault?.drop === 'after' || response.destroyed) {
          done('dropped');
          request.socket.destroy();
          return;
        }
        this.completionOrder.push(record.index);
        response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
        response.end(answerText);
      })().catch(() => {
        if (!response.headersSent) response.writeHead(502).end();
        else response.destroy();
      });
    });
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Forgets what was recorded (not the fault function). */
  reset(): void {
    this.requests.length = 0;
    this.completionOrder.length = 0;
    this.maxInFlight = this.inFlight;
  }

  /** POSTed scoring requests (not metadata GETs). */
  get posts(): ProxiedRequest[] {
    return this.requests.filter((r) => r.method === 'POST');
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
