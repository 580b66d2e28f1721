import type { ProcessorContext, StreamRecord } from '@tributary/streams';
import type { Alert, RiskScore } from '@tributary/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MissingAggregateError } from '../src/errors.js';
import { featuresForModel } from '../src/features/model-features.js';
import { numericPaths } from '../src/features/numeric-paths.js';
import type { OnnxScorer } from '../src/model/onnx-scorer.js';
import { DEFAULT_ALERT_POLICY } from '../src/scoring/alerts.js';
import { ALERTS_CHILD, SCORES_CHILD, ScoreProcessor } from '../src/topology/score-processor.js';
import { fixedModel } from '../src/registry/model-holder.js';
import { WindowAggregateSchema } from '@tributary/schemas';
import { aggregate, testScorer } from './fixtures.js';

/** The processor contract's context, recording what is forwarded (the runtime's own is exercised in topology.test.ts). */
function recordingContext(now: number) {
  const forwarded: { child: string | undefined; record: StreamRecord<string, RiskScore | Alert> }[] = [];
  const context: ProcessorContext<string, RiskScore | Alert> = {
    applicationId: 'coldchain-score',
    taskId: '0_0',
    forward: (record, child) => void forwarded.push({ child, record }),
    getStateStore: () => {
      throw new Error('no stores');
    },
    schedule: () => ({ cancel: () => undefined }),
    recordMetadata: () => undefined,
    currentStreamTime: () => -1,
    currentSystemTime: () => now,
  };
  return { context, forwarded };
}

let scorer: OnnxScorer;
let calls: number[];
beforeAll(async () => {
  scorer = await testScorer();
});
afterAll(async () => {
  await scorer.release();
});

function processor(observer = {}) {
  calls = [];
  const counting = { metadata: scorer.metadata, score: async (rows: Float32Array, n: number) => (calls.push(n), await scorer.score(rows, n)), release: async () => undefined };
  const features = featuresForModel(scorer.metadata, { items: undefined, nullValue: 0, numericPaths: numericPaths(WindowAggregateSchema.schema) });
  return new ScoreProcessor(fixedModel(counting, features), DEFAULT_ALERT_POLICY, observer);
}

describe('ScoreProcessor', () => {
  it('buffers windows in process() and scores them as one batch in flush(), forwarding scores and alerts to their sinks', async () => {
    const p = processor();
    const { context, forwarded } = recordingContext(Date.UTC(2025, 0, 1, 13));
    p.init(context);
    const calm = aggregate({ containerId: 'CALM0000001' });
    const hot = aggregate({ containerId: 'HOTT0000001', temperatureC: { mean: 7, min: 6, max: 8, stddev: 0.3 }, coolingPowerSlopeKwPerMin: 1 });
    p.process({ key: 'CALM0000001', value: calm, timestamp: 100 });
    p.process({ key: 'HOTT0000001', value: hot, timestamp: 200 });
    expect(forwarded).toEqual([]);
    expect(p.pending).toBe(2);
    await p.flush();
    expect(calls).toEqual([2]);
    expect(forwarded.map((f) => [f.child, f.record.key, f.record.timestamp])).toEqual([
      [SCORES_CHILD, 'CALM0000001', 100],
      [SCORES_CHILD, 'HOTT0000001', 200],
      [ALERTS_CHILD, 'HOTT0000001', 200],
    ]);
    const hotScore = forwarded[1]?.record.value as RiskScore;
    expect(hotScore.features).toEqual({ tempAboveSetpointC: 3, coolingPowerSlopeKwPerMin: 1, doorOpenSeconds: 0 });
    expect(hotScore.scoredAt).toEqual(new Date(Date.UTC(2025, 0, 1, 13)));
    expect((forwarded[2]?.record.value as Alert).severity).toBe('CRITICAL');
    await p.flush();
    expect(calls).toEqual([2]);
  });

  it('forgets its buffer on abort: the rewound windows are processed again', async () => {
    const p = processor();
    const { context, forwarded } = recordingContext(0);
    p.init(context);
    p.process({ key: 'A', value: aggregate(), timestamp: 1 });
    p.abort();
    await p.flush();
    expect(forwarded).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('throws on a tombstone (the runtime dead-letters that record alone)', () => {
    const p = processor();
    p.init(recordingContext(0).context);
    expect(() => p.process({ key: 'A', value: null, timestamp: 1 })).toThrow(MissingAggregateError);
    expect(p.pending).toBe(0);
  });

  it('reports batches, scores and alerts to its observer', async () => {
    const seen: string[] = [];
    const p = processor({
      batchScored: (rows: number) => seen.push(`batch ${rows}`),
      scored: (s: RiskScore) => seen.push(`score ${s.containerId}`),
      alerted: (severity: string) => seen.push(`alert ${severity}`),
    });
    p.init(recordingContext(0).context);
    p.process({ key: 'A', value: aggregate({ containerId: 'A', coolingPowerSlopeKwPerMin: 3 }), timestamp: 1 });
    await p.flush();
    expect(seen).toEqual(['batch 1', 'score A', 'alert CRITICAL']);
  });

  it('hands the feature rows of a batch to inputsScored once per flush (the drift window), none for an aborted batch', async () => {
    const batches: (readonly (readonly number[])[])[] = [];
    const p = processor({ inputsScored: (rows: readonly (readonly number[])[]) => batches.push(rows) });
    p.init(recordingContext(0).context);
    p.process({ key: 'X', value: aggregate({ containerId: 'X', doorOpenSeconds: 9 }), timestamp: 1 });
    p.abort();
    p.process({ key: 'A', value: aggregate({ containerId: 'A', doorOpenSeconds: 5 }), timestamp: 1 });
    p.process({ key: 'B', value: aggregate({ containerId: 'B', coolingPowerSlopeKwPerMin: 2 }), timestamp: 2 });
    await p.flush();
    await p.flush();
    expect(batches).toEqual([
      [
        [1.5, 0.2, 5],
        [1.5, 2, 0],
      ],
    ]);
  });
});
