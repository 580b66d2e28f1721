/**
 * The score topology in the TopologyTestDriver: real StreamTasks, which
 * await the processor's flush() in every commit (the driver commits after
 * each input record), so each record here is one batch of one.
 */
import { string } from '@tributary/streams';
import { AlertSchema, RiskScoreSchema, WindowAggregateSchema, type Alert, type RiskScore, type WindowAggregate } from '@tributary/schemas';
import { TopologyTestDriver } from '@tributary/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featuresForModel } from '../src/features/model-features.js';
import { numericPaths } from '../src/features/numeric-paths.js';
import type { OnnxScorer } from '../src/model/onnx-scorer.js';
import { alertId } from '../src/scoring/alerts.js';
import { buildTopology } from '../src/topology.js';
import { avroBinarySerde } from './avro-binary-serde.js';
import { aggregate, expectedRisk, testScorer } from './fixtures.js';

const serdes = {
  aggregate: avroBinarySerde(WindowAggregateSchema),
  score: avroBinarySerde(RiskScoreSchema),
  alert: avroBinarySerde(AlertSchema),
};

describe('score topology', () => {
  let scorer: OnnxScorer;
  beforeAll(async () => {
    scorer = await testScorer();
  });
  afterAll(async () => {
    await scorer.release();
  });

  function driver() {
    const features = featuresForModel(scorer.metadata, { items: undefined, nullValue: 0, numericPaths: numericPaths(WindowAggregateSchema.schema) });
    const d = new TopologyTestDriver(buildTopology({ serdes, scorer, features }), { applicationId: 'coldchain-score', startTime: Date.UTC(2025, 0, 2) });
    return {
      d,
      input: d.createInputTopic<string, WindowAggregate>('coldchain.aggregates.1m', { key: string(), value: serdes.aggregate }),
      scores: d.createOutputTopic<string, RiskScore>('coldchain.scores', { key: string(), value: serdes.score }),
      alerts: d.createOutputTopic<string, Alert>('coldchain.alerts', { key: string(), value: serdes.alert }),
    };
  }

  it('writes a score per window and an alert per risky window, with event timestamps and containerId keys', async () => {
    const { d, input, scores, alerts } = driver();
    const calm = aggregate({ containerId: 'CALM0000001' });
    const hot = aggregate({ containerId: 'HOTT0000001', temperatureC: { mean: 6, min: 5, max: 7, stddev: 0.2 }, coolingPowerSlopeKwPerMin: 0.5 });
    await input.pipeInput('CALM0000001', calm, calm.windowEnd.getTime() - 1);
    await input.pipeInput('HOTT0000001', hot, hot.windowEnd.getTime() - 1);
    const out = scores.readRecordsToList();
    expect(out.map((r) => r.key)).toEqual(['CALM0000001', 'HOTT0000001']);
    expect(out.map((r) => r.timestamp)).toEqual([calm.windowEnd.getTime() - 1, hot.windowEnd.getTime() - 1]);
    expect(out[1]?.value.risk).toBeCloseTo(expectedRisk([2, 0.5, 0]), 6);
    expect(out[1]?.value.scoredAt).toEqual(new Date(Date.UTC(2025, 0, 2)));
    const raised = alerts.readValuesToList();
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      alertId: alertId('HOTT0000001', hot.windowStart, 'test-risk'),
      severity: 'WARNING',
      raisedAt: hot.windowEnd,
      reasons: ['tempAboveSetpointC=2', 'coolingPowerSlopeKwPerMin=0.5'],
    });
    d.close();
  });

  it('gives a replayed window the same alert, id included', async () => {
    const first = driver();
    const second = driver();
    const hot = aggregate({ coolingPowerSlopeKwPerMin: 5 });
    await first.input.pipeInput(hot.containerId, hot);
    await second.input.pipeInput(hot.containerId, hot);
    expect(second.alerts.readValuesToList()).toEqual(first.alerts.readValuesToList());
    first.d.close();
    second.d.close();
  });

  it('dead-letters a tombstone and keeps scoring', async () => {
    const { d, input, scores } = driver();
    const dlq = d.createOutputTopic('coldchain-score.dlq', { key: string(), value: string() });
    await input.pipeInput('GONE0000001', null);
    await input.pipeInput('CALM0000001', aggregate({ containerId: 'CALM0000001' }));
    expect(dlq.readRecordsToList()).toHaveLength(1);
    expect(scores.readRecordsToList().map((r) => r.key)).toEqual(['CALM0000001']);
    d.close();
  });
});
