/**
 * The score topology in the TopologyTestDriver with the RemoteScorer: the
 * model runs in the reference model server (127.0.0.1, behind the fault
 * proxy answering 503 and dropping connections now and then), and every
 * score and alert equals what the in-process ONNX scorer gives for the same
 * windows.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { string } from '@tributary/streams';
import { AlertSchema, RiskScoreSchema, WindowAggregateSchema, type Alert, type RiskScore, type WindowAggregate } from '@tributary/schemas';
import { TopologyTestDriver } from '@tributary/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featuresForModel } from '../src/features/model-features.js';
import { numericPaths } from '../src/features/numeric-paths.js';
import type { BatchScorer, OnnxScorer } from '../src/model/onnx-scorer.js';
import { buildModelServer } from '../src/remote/model-server.js';
import { RemoteScorer } from '../src/remote/remote-scorer.js';
import { buildTopology } from '../src/topology.js';
import { avroBinarySerde } from './avro-binary-serde.js';
import { FaultProxy } from './fault-proxy.js';
import { aggregate, TEST_METADATA, testScorer } from './fixtures.js';

const serdes = {
  aggregate: avroBinarySerde(WindowAggregateSchema),
  score: avroBinarySerde(RiskScoreSchema),
  alert: avroBinarySerde(AlertSchema),
};

let local: OnnxScorer;
let server: Server;
let proxy: FaultProxy;
let endpoint: string;

beforeAll(async () => {
  local = await testScorer();
  server = buildModelServer(local);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy = new FaultProxy(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  endpoint = `${await proxy.start()}/models/${TEST_METADATA.name}`;
});
afterAll(async () => {
  await proxy.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await local.release();
});

/** 30 windows of 5 containers, some hot (alerts), some with doors open. */
function windows(): WindowAggregate[] {
  const out: WindowAggregate[] = [];
  for (let w = 0; w < 6; w++) {
    for (let c = 0; c < 5; c++) {
      const excess = c === 2 ? 1 + w * 0.4 : ((c * 3 + w) % 7) / 10 - 0.3;
      out.push(
        aggregate({
          containerId: `CONT${c}000000`,
          windowStart: new Date(Date.UTC(2025, 0, 1, 12, w)),
          windowEnd: new Date(Date.UTC(2025, 0, 1, 12, w + 1)),
          temperatureC: { mean: 4 + excess, min: 3.5 + excess, max: 4.5 + excess, stddev: 0.2 },
          coolingPowerSlopeKwPerMin: c === 2 ? 0.3 : 0.05 * c,
          doorOpenSeconds: (w + c) % 4 === 0 ? 30 : 0,
        }),
      );
    }
  }
  return out;
}

async function run(scorer: BatchScorer, input: WindowAggregate[]) {
  const features = featuresForModel(TEST_METADATA, { items: undefined, nullValue: 0, numericPaths: numericPaths(WindowAggregateSchema.schema) });
  const d = new TopologyTestDriver(buildTopology({ serdes, scorer, features, policy: { threshold: 0.5, criticalThreshold: 0.9, maxReasons: 3 } }), {
    applicationId: 'coldchain-score',
    startTime: Date.UTC(2025, 0, 2),
  });
  const aggregates = d.createInputTopic<string, WindowAggregate>('coldchain.aggregates.1m', { key: string(), value: serdes.aggregate });
  const scores = d.createOutputTopic<string, RiskScore>('coldchain.scores', { key: string(), value: serdes.score });
  const alerts = d.createOutputTopic<string, Alert>('coldchain.alerts', { key: string(), value: serdes.alert });
  for (const a of input) await aggregates.pipeInput(a.containerId, a, a.windowEnd.getTime() - 1);
  const out = { scores: scores.readRecordsToList(), alerts: alerts.readValuesToList() };
  d.close();
  return out;
}

describe('score topology with a remote model', () => {
  it('gives the in-process scores and alerts, one per window in input order, through 503s and dropped connections', async () => {
    let n = 0;
    proxy.fault = () => {
      n += 1;
      return n % 5 === 1 ? { status: 503 } : n % 7 === 3 ? { drop: 'after' } : undefined;
    };
    const input = windows();
    const remote = new RemoteScorer({ endpoint, metadata: TEST_METADATA, initialBackoffMs: 5, maxBackoffMs: 20 });
    const got = await run(remote, input);
    const want = await run(local, input);
    expect(proxy.posts.filter((r) => r.fault !== undefined).length).toBeGreaterThan(5);
    expect(got.scores.map((r) => [r.key, r.value.windowStart.getTime()])).toEqual(input.map((a) => [a.containerId, a.windowStart.getTime()]));
    expect(got.scores).toHaveLength(want.scores.length);
    got.scores.forEach((r, i) => {
      const w = want.scores[i] as (typeof want.scores)[number];
      expect(Math.abs(r.value.risk - w.value.risk)).toBeLessThanOrEqual(1e-6);
      expect({ ...r.value, risk: 0 }).toEqual({ ...w.value, risk: 0 });
    });
    expect(want.alerts.length).toBeGreaterThan(0);
    expect(got.alerts).toEqual(want.alerts);
    // Each batch (here one record: the driver commits after each) is named by its task and first offset, the same on every retry.
    const keys = proxy.posts.map((r) => r.idempotencyKey);
    for (const key of keys) expect(key).toMatch(/^coldchain-score\/0_0\/coldchain\.aggregates\.1m-0@\d+:0\.0\.1:0\+1$/);
    expect(new Set(keys).size).toBe(input.length);
  });
});
