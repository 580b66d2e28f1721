/**
 * RemoteScorer against a real HTTP model server (the reference server with
 * the test model, on 127.0.0.1) behind a fault-injecting proxy: what reaches
 * the server is counted there, faults are real (delays, statuses, dropped
 * connections), and every score is compared with the in-process model.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OnnxScorer } from '../src/model/onnx-scorer.js';
import { buildModelServer } from '../src/remote/model-server.js';
import { RemoteModelError, type RemoteOutcome } from '../src/remote/remote-errors.js';
import { fetchRemoteMetadata } from '../src/remote/remote-model.js';
import { RemoteScorer, type RemoteScorerOptions } from '../src/remote/remote-scorer.js';
import { FaultProxy, type Fault, type ProxiedRequest } from './fault-proxy.js';
import { TEST_METADATA, testScorer } from './fixtures.js';

let local: OnnxScorer;
let server: Server;
let proxy: FaultProxy;
let proxyUrl: string;
const endpoint = () => `${proxyUrl}/models/${TEST_METADATA.name}`;

beforeAll(async () => {
  local = await testScorer();
  server = buildModelServer(local);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy = new FaultProxy(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  proxyUrl = await proxy.start();
});
afterAll(async () => {
  await proxy.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await local.release();
});
beforeEach(() => {
  proxy.fault = () => undefined;
  proxy.reset();
});

/** `count` rows of the test model's 3 features; row r's first value is r (which tells a request's first row). */
function rows(count: number): Float32Array {
  const out = new Float32Array(count * 3);
  for (let r = 0; r < count; r++) out.set([r, ((r * 7) % 11) / 10 - 0.5, (r * 13) % 60], r * 3);
  return out;
}

function scorer(options: Partial<RemoteScorerOptions> = {}, outcomes: RemoteOutcome[] = [], retries: RemoteOutcome[] = []) {
  return new RemoteScorer({
    endpoint: endpoint(),
    metadata: TEST_METADATA,
    initialBackoffMs: 20,
    maxBackoffMs: 100,
    observer: { requestFinished: (o) => void outcomes.push(o), retried: (o) => void retries.push(o) },
    ...options,
  });
}

/** Faults for the first `times` attempts at each part of a batch (told apart by their first row). */
function firstAttempts(times: number, fault: Fault) {
  const seen = new Map<number | undefined, number>();
  return (request: ProxiedRequest) => {
    const n = seen.get(request.firstValue) ?? 0;
    seen.set(request.firstValue, n + 1);
    return n < times ? fault : undefined;
  };
}

async function expectSameAsLocal(remote: RemoteScorer, input: Float32Array, count: number) {
  const got = await remote.score(input, count, { id: 'app/0_0@42' });
  const want = await local.score(input, count);
  expect(Array.from(got.risk)).toEqual(Array.from(want.risk));
  expect(Array.from(got.contributions ?? [])).toEqual(Array.from(want.contributions ?? []));
  return got;
}

describe('RemoteScorer', () => {
  it('splits a batch into requests of at most batchRows rows and gives the in-process scores, in row order', async () => {
    const remote = scorer({ batchRows: 3 });
    await expectSameAsLocal(remote, rows(10), 10);
    expect(proxy.posts.map((r) => [r.firstValue, r.rows]).sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual([
      [0, 3],
      [3, 3],
      [6, 3],
      [9, 1],
    ]);
    expect(proxy.posts.map((r) => r.idempotencyKey).sort()).toEqual(['app/0_0@42:0.0.1:0+3', 'app/0_0@42:0.0.1:3+3', 'app/0_0@42:0.0.1:6+3', 'app/0_0@42:0.0.1:9+1']);
  });

  it('never has more than `concurrency` requests at the server, across batches scored at once', async () => {
    proxy.fault = () => ({ delayMs: 25 });
    const remote = scorer({ batchRows: 2, concurrency: 3 });
    await Promise.all([expectSameAsLocal(remote, rows(24), 24), expectSameAsLocal(remote, rows(16), 16)]);
    expect(proxy.posts).toHaveLength(20);
    expect(proxy.maxInFlight).toBe(3);
  });

  it('returns scores in input order when the requests complete in reverse order', async () => {
    // The first part is the slowest: the server answers the parts last to first.
    proxy.fault = (r) => ({ delayMs: 400 - 100 * ((r.firstValue ?? 0) / 2) });
    const remote = scorer({ batchRows: 2, concurrency: 4 });
    await expectSameAsLocal(remote, rows(8), 8);
    const byIndex = new Map(proxy.posts.map((r) => [r.index, r.firstValue]));
    expect(proxy.completionOrder.map((i) => byIndex.get(i))).toEqual([6, 4, 2, 0]);
  });

  it('retries a request that timed out, with the same Idempotency-Key', async () => {
    proxy.fault = firstAttempts(1, { delayMs: 500 });
    const outcomes: RemoteOutcome[] = [];
    const retries: RemoteOutcome[] = [];
    const remote = scorer({ batchRows: 4, timeoutMs: 100 }, outcomes, retries);
    await expectSameAsLocal(remote, rows(8), 8);
    expect(outcomes.filter((o) => o === 'timeout')).toHaveLength(2);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(2);
    expect(retries).toEqual(['timeout', 'timeout']);
    const keys = proxy.posts.map((r) => r.idempotencyKey);
    expect(new Set(keys)).toEqual(new Set(['app/0_0@42:0.0.1:0+4', 'app/0_0@42:0.0.1:4+4']));
  });

  it('retries 503 and 429 with exponential backoff (and Retry-After)', async () => {
    let n = 0;
    proxy.fault = () => {
      n += 1;
      if (n === 1) return { status: 503 };
      if (n === 2) return { status: 503 };
      if (n === 3) return { status: 429, retryAfter: '0.3' };
      return undefined;
    };
    const outcomes: RemoteOutcome[] = [];
    const remote = scorer({ initialBackoffMs: 40, maxBackoffMs: 1000 }, outcomes);
    await expectSameAsLocal(remote, rows(5), 5);
    expect(outcomes).toEqual(['http_5xx', 'http_5xx', 'http_429', 'ok']);
    const gaps = proxy.posts.slice(1).map((r, i) => r.arrivedAt - (proxy.posts[i] as ProxiedRequest).arrivedAt);
    // Equal jitter: retry k waits between half and all of 40·2^k ms; the 429 asked for 300 ms.
    expect(gaps[0]).toBeGreaterThanOrEqual(19);
    expect(gaps[1]).toBeGreaterThanOrEqual(39);
    expect(gaps[2]).toBeGreaterThanOrEqual(299);
  });

  it('retries dropped connections, before and after the server answered', async () => {
    let n = 0;
    proxy.fault = () => (++n <= 2 ? { drop: n === 1 ? 'before' : 'after' } : undefined);
    const outcomes: RemoteOutcome[] = [];
    await expectSameAsLocal(scorer({}, outcomes), rows(6), 6);
    expect(outcomes).toEqual(['connection_error', 'connection_error', 'ok']);
  });

  it('fails the batch at once on a 400, with a permanent (not retriable) error, and aborts its other requests', async () => {
    proxy.fault = (r) => (r.firstValue === 0 ? { status: 400 } : { delayMs: 3000 });
    const outcomes: RemoteOutcome[] = [];
    const remote = scorer({ batchRows: 2 }, outcomes);
    const started = performance.now();
    const error = await remote.score(rows(6), 6).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteModelError);
    expect(error).toMatchObject({ code: 'REMOTE_MODEL', retriable: false, outcome: 'http_4xx', status: 400 });
    expect(performance.now() - started).toBeLessThan(1500);
    expect(outcomes.sort()).toEqual(['aborted', 'aborted', 'http_4xx']);
    expect(proxy.posts.filter((r) => r.firstValue === 0)).toHaveLength(1);
  });

  it('gives up after maxRetries with a retriable error (the runtime retries the task)', async () => {
    proxy.fault = () => ({ status: 503 });
    const error = await scorer({ maxRetries: 2 }).score(rows(2), 2).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'REMOTE_MODEL', retriable: true, outcome: 'http_5xx', status: 503 });
    expect((error as Error).message).toMatch(/after 2 retries/);
    expect(proxy.posts).toHaveLength(3);
  });

  it('gives up at the deadline, however many retries are left', async () => {
    proxy.fault = () => ({ status: 503 });
    const started = performance.now();
    const error = await scorer({ maxRetries: 1000, deadlineMs: 400 }).score(rows(2), 2).catch((e: unknown) => e);
    expect(error).toMatchObject({ retriable: true, outcome: 'http_5xx' });
    // 1000 retries would take minutes; the deadline ends it after a handful.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(proxy.posts.length).toBeLessThan(20);
  });

  it('refuses an answer from another model version (permanent: the server changed its model)', async () => {
    const other = scorer({ metadata: { ...TEST_METADATA, version: '9.9.9' } });
    const error = await other.score(rows(1), 1).catch((e: unknown) => e);
    expect(error).toMatchObject({ retriable: false, outcome: 'bad_response' });
    expect((error as Error).message).toMatch(/answered by model test-risk 0\.0\.1, not test-risk 9\.9\.9/);
  });

  it('speaks KServe v2 / Open Inference Protocol when the endpoint is /v2/models/<name>', async () => {
    const remote = scorer({ endpoint: `${proxyUrl}/v2/models/${TEST_METADATA.name}`, batchRows: 4 });
    expect(remote.endpoint.protocol).toBe('v2');
    await expectSameAsLocal(remote, rows(9), 9);
    expect(proxy.posts.map((r) => r.path)).toEqual(Array(3).fill(`/v2/models/${TEST_METADATA.name}/infer`));
  });

  it('reads the model metadata from the server, in both protocols', async () => {
    expect(await fetchRemoteMetadata(endpoint())).toEqual(TEST_METADATA);
    expect(await fetchRemoteMetadata(`${proxyUrl}/v2/models/${TEST_METADATA.name}`)).toEqual(TEST_METADATA);
  });
});
