/**
 * Remote models as deployed: the reference model server and main.ts, each
 * in its own process, the operator's MODEL_ENDPOINT pointing at a
 * fault-injecting proxy in front of the server (delays, 503s, 429s,
 * dropped connections). Windows flow on a 2-partition topic; the operator
 * is SIGKILLed once mid-stream and restarted. The scores topic
 * (read_committed) must hold exactly one score per window, each equal to
 * the committed model scored in-process, and per key in input order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { avroSerde, RegistryClient } from '@tributary/avro';
import { RiskScoreSchema, WindowAggregateSchema, type RiskScore, type WindowAggregate } from '@tributary/schemas';
import { stackEndpoints } from '../../../libs/testing/src/vitest/endpoints.js';
import { DEFAULT_MODEL_PATH } from '../src/config.js';
import { scoreBatch } from '../src/scoring/score-batch.js';
import { loadScoringModel } from '../src/scoring-model.js';
import { FaultProxy } from './fault-proxy.js';
import { aggregate } from './fixtures.js';
import { ServiceProcess, createTopics, kafkaClient, produce, readRecords } from '@tributary/testing';

const MINUTE = 60_000;
// Event times near the wall clock, so time-based retention keeps the records.
const START = Math.floor(Date.now() / MINUTE) * MINUTE - 120 * MINUTE;
const CONTAINERS = 30;
const WINDOWS = 16;

/** Window `w` of container `c`: every fifth container runs hot (high risks), the others near setpoint. */
function window(c: number, w: number): WindowAggregate {
  const hot = c % 5 === 0;
  const excess = hot ? 4 + (w % 4) : ((c * 31 + w * 17) % 21) / 20 - 0.5;
  return aggregate({
    containerId: `CONT${String(c).padStart(6, '0')}0`,
    windowStart: new Date(START + w * MINUTE),
    windowEnd: new Date(START + (w + 1) * MINUTE),
    temperatureC: { mean: 4 + excess, min: 3.8 + excess, max: 4.2 + excess, stddev: 0.1 + (w % 3) / 10 },
    coolingPowerKw: { mean: 2.5 + (c % 4) / 4, min: 2 + (c % 3) / 3, max: 3, stddev: 0.2 },
    setpointC: 4,
    temperatureSlopeCPerMin: hot ? 0.3 : 0,
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('score with a remote model (real processes, faults, SIGKILL)', () => {
  const id = `score-remote-${Date.now()}`;
  const topics = { input: `${id}.aggregates`, scores: `${id}.scores`, alerts: `${id}.alerts` };
  const { KAFKA_BOOTSTRAP, SCHEMA_REGISTRY_URL } = stackEndpoints();
  const kafka = kafkaClient(KAFKA_BOOTSTRAP);
  const registry = new RegistryClient({ url: SCHEMA_REGISTRY_URL });
  const aggregates = avroSerde(WindowAggregateSchema, { registry });
  const scores = avroSerde(RiskScoreSchema, { registry });
  let server: ServiceProcess | undefined;
  let proxy: FaultProxy | undefined;
  const operators: ServiceProcess[] = [];

  function operator(endpoint: string): ServiceProcess {
    const p = new ServiceProcess({
      entry: 'services/score/src/main.ts',
      env: {
        KAFKA_BROKERS: KAFKA_BOOTSTRAP,
        SCHEMA_REGISTRY_URL,
        HTTP_PORT: '0',
        APPLICATION_ID: `${id}-app`,
        INPUT_TOPIC: topics.input,
        SCORES_TOPIC: topics.scores,
        ALERTS_TOPIC: topics.alerts,
        MODEL_ENDPOINT: endpoint,
        // Small requests and a short timeout, so batches are split and the injected delays time out.
        REMOTE_BATCH_ROWS: '8',
        REMOTE_CONCURRENCY: '2',
        REMOTE_TIMEOUT_MS: '500',
      },
    });
    operators.push(p);
    return p;
  }

  beforeAll(async () => {
    await createTopics(kafka, [
      { topic: topics.input, numPartitions: 2 },
      { topic: topics.scores, numPartitions: 2 },
      { topic: topics.alerts, numPartitions: 2 },
    ]);
    server = new ServiceProcess({ entry: 'services/score/src/remote/model-server.ts', name: 'model-server', env: { PORT: '0', MODEL_PATH: DEFAULT_MODEL_PATH } });
    await server.ready();
  });
  afterAll(async () => {
    for (const p of operators) p.kill();
    server?.kill();
    await proxy?.close();
  });

  it('writes exactly one score per window, equal to the in-process model, in per-key order, through faults and a SIGKILL', async () => {
    const faults = new FaultProxy(await (server as ServiceProcess).url());
    proxy = faults;
    // Deterministic faults by request number (metadata GETs included): delays past the timeout, 503s, 429s, connections dropped before and after the model ran.
    faults.fault = (r) => {
      if (r.method !== 'POST') return undefined;
      const n = r.index;
      if (n % 9 === 4) return { status: 503 };
      if (n % 13 === 6) return { status: 429, retryAfter: '0' };
      if (n % 11 === 7) return { drop: n % 2 === 0 ? 'before' : 'after' };
      if (n % 17 === 8) return { delayMs: 800 };
      if (n % 3 === 0) return { delayMs: 40 };
      return undefined;
    };
    const endpoint = `${await faults.start()}/models/coldchain-risk`;

    const windows: WindowAggregate[] = [];
    for (let w = 0; w < WINDOWS; w++) for (let c = 0; c < CONTAINERS; c++) windows.push(window(c, w));
    const encoded = await Promise.all(windows.map(async (a) => ({ key: a.containerId, value: await aggregates.serialize(a, { topic: topics.input, isKey: false }) })));
    const wave = (w: number) => encoded.slice(w * CONTAINERS, (w + 1) * CONTAINERS);

    const first = operator(endpoint);
    await first.ready();
    // Windows flow one minute-wave at a time; the operator is killed mid-stream, with waves still to come.
    for (let w = 0; w < 6; w++) {
      await produce(kafka, topics.input, wave(w));
      await sleep(150);
    }
    const beforeKill = await readRecords(kafka, topics.scores, 3 * CONTAINERS);
    expect(beforeKill.length).toBeGreaterThanOrEqual(3 * CONTAINERS);
    for (let w = 6; w < 9; w++) await produce(kafka, topics.input, wave(w));
    first.kill('SIGKILL');
    expect(await first.exited).toMatchObject({ signal: 'SIGKILL' });
    for (let w = 9; w < 12; w++) await produce(kafka, topics.input, wave(w));
    const second = operator(endpoint);
    await second.ready();
    for (let w = 12; w < WINDOWS; w++) {
      await produce(kafka, topics.input, wave(w));
      await sleep(100);
    }

    // The expectation: the same model file scored in-process.
    const { scorer, features } = await loadScoringModel({ modelPath: DEFAULT_MODEL_PATH });
    const expected = await scoreBatch(
      scorer,
      windows.map((a) => ({ aggregate: a, features: features.extract(a) })),
      { threshold: 0.5, criticalThreshold: 0.9, maxReasons: 3 },
      new Date(0),
    );
    await scorer.release();

    const key = (r: { containerId: string; windowStart: Date }) => `${r.containerId}@${r.windowStart.getTime()}`;
    const records = await readRecords(kafka, topics.scores, windows.length, 120_000);
    const scored = new Map<string, RiskScore>();
    const order = new Map<string, number[]>();
    for (const r of records) {
      const score = await scores.deserialize(r.value as Buffer, { topic: topics.scores, isKey: false });
      expect(r.key).toBe(score.containerId);
      expect(scored.has(key(score)), `score of ${key(score)} twice`).toBe(false);
      scored.set(key(score), score);
      order.set(score.containerId, [...(order.get(score.containerId) ?? []), score.windowStart.getTime()]);
    }
    expect(scored.size).toBe(windows.length);
    for (const { score } of expected) {
      const got = scored.get(key(score)) as RiskScore;
      expect(Math.abs(got.risk - score.risk)).toBeLessThanOrEqual(1e-6);
      expect(got.features).toEqual(score.features);
      expect(got).toMatchObject({ modelName: 'coldchain-risk', modelVersion: '2.0.0' });
    }
    // Per key, the scores come in the order the windows were written.
    for (const [container, starts] of order) expect(starts, container).toEqual([...starts].sort((a, b) => a - b));
    expect(expected.some((e) => e.score.risk >= 0.5)).toBe(true);
    // Nothing beyond one score per window (a duplicate would be an extra record).
    await expect(readRecords(kafka, topics.scores, windows.length + 1, 5_000)).rejects.toThrow(`read ${windows.length} of ${windows.length + 1}`);

    // The faults happened, and the operator retried through them.
    const kinds = new Set(faults.posts.map((r) => (r.fault?.status ?? r.fault?.drop ?? (r.fault?.delayMs === 800 ? 'timeout' : undefined)) as string | number | undefined));
    for (const kind of [503, 429, 'before', 'after', 'timeout']) expect(kinds, `fault ${kind} injected`).toContain(kind);
    const metrics = await (await fetch(`${await second.url()}/metrics`)).text();
    expect(metrics).toMatch(/tributary_score_remote_requests_total\{outcome="ok",service="score"\} [1-9]/);
    expect(metrics).toMatch(/tributary_score_remote_retries_total\{service="score"\} [1-9]/);
    expect(metrics).toContain('tributary_score_remote_requests_in_flight{service="score"} 0');
    expect(await second.stop(30_000)).toMatchObject({ code: 0, killed: false });
  });

  it('exits 1 (for the platform to restart it) when the model server refuses a batch with a 400, committing nothing of it', async () => {
    const refusing = new FaultProxy(await (server as ServiceProcess).url());
    refusing.fault = (r) => (r.method === 'POST' ? { status: 400 } : undefined);
    const endpoint = `${await refusing.start()}/models/coldchain-risk`;
    const refused = { ...topics, input: `${id}.refused.aggregates`, scores: `${id}.refused.scores` };
    await createTopics(kafka, [{ topic: refused.input }, { topic: refused.scores }]);
    try {
      const p = new ServiceProcess({
        entry: 'services/score/src/main.ts',
        env: {
          KAFKA_BROKERS: KAFKA_BOOTSTRAP,
          SCHEMA_REGISTRY_URL,
          HTTP_PORT: '0',
          APPLICATION_ID: `${id}-refused`,
          INPUT_TOPIC: refused.input,
          SCORES_TOPIC: refused.scores,
          ALERTS_TOPIC: topics.alerts,
          MODEL_ENDPOINT: endpoint,
        },
      });
      operators.push(p);
      await p.ready();
      const a = window(1, 0);
      await produce(kafka, refused.input, [{ key: a.containerId, value: await aggregates.serialize(a, { topic: refused.input, isKey: false }) }]);
      expect(await p.exited).toMatchObject({ code: 1 });
      expect(p.tail(200)).toMatch(/HTTP 400/);
      expect(refusing.posts).toHaveLength(1);
      await expect(readRecords(kafka, refused.scores, 1, 3_000)).rejects.toThrow('read 0 of 1');
    } finally {
      await refusing.close();
    }
  });
});
