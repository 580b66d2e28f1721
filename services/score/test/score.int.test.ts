/**
 * The score service as deployed: main.ts in its own process against the
 * real broker and registry, Avro in and out, the committed model. 400
 * windows of 40 containers on a 2-partition topic, produced at once: the
 * committed output must hold exactly one score per window and exactly the
 * alerts the model calls for (none twice, none missing), and the model must
 * have run on batches, not record by record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { avroSerde, RegistryClient } from '@tributary/avro';
import { AlertSchema, RiskScoreSchema, WindowAggregateSchema, type Alert, type RiskScore, type WindowAggregate } from '@tributary/schemas';
import { stackEndpoints } from '../../../libs/testing/src/vitest/endpoints.js';
import { DEFAULT_MODEL_PATH } from '../src/config.js';
import { scoreBatch } from '../src/scoring/score-batch.js';
import { loadScoringModel } from '../src/scoring-model.js';
import { aggregate } from './fixtures.js';
import { ServiceProcess, createTopics, kafkaClient, produce, readRecords } from '@tributary/testing';

const MINUTE = 60_000;
// Event times near the wall clock, so time-based retention keeps the records.
const START = Math.floor(Date.now() / MINUTE) * MINUTE - 60 * MINUTE;
const THRESHOLD = 0.5;

/** Window `w` of container `c`: every seventh container runs hot and warming (alerts), the others near setpoint. */
function window(c: number, w: number): WindowAggregate {
  const hot = c % 7 === 0;
  const excess = hot ? 6 + (w % 5) : ((c * 31 + w * 17) % 21) / 20 - 0.5;
  return aggregate({
    containerId: `CONT${String(c).padStart(6, '0')}0`,
    windowStart: new Date(START + w * MINUTE),
    windowEnd: new Date(START + (w + 1) * MINUTE),
    temperatureC: { mean: 4 + excess, min: 3.8 + excess, max: 4.2 + excess, stddev: 0.1 },
    setpointC: 4,
    temperatureSlopeCPerMin: hot ? 0.4 : 0,
    doorOpenSeconds: (c + w) % 9 === 0 ? 40 : 0,
  });
}

describe('score service (broker, registry, Avro, committed model)', () => {
  const id = `score-it-${Date.now()}`;
  const topics = { input: `${id}.aggregates`, scores: `${id}.scores`, alerts: `${id}.alerts` };
  let service: ServiceProcess | undefined;

  const { KAFKA_BOOTSTRAP, SCHEMA_REGISTRY_URL } = stackEndpoints();
  const kafka = kafkaClient(KAFKA_BOOTSTRAP);
  const registry = new RegistryClient({ url: SCHEMA_REGISTRY_URL });
  const aggregates = avroSerde(WindowAggregateSchema, { registry });
  const scores = avroSerde(RiskScoreSchema, { registry });
  const alerts = avroSerde(AlertSchema, { registry });

  beforeAll(async () => {
    await createTopics(kafka, [
      { topic: topics.input, numPartitions: 2 },
      { topic: topics.scores, numPartitions: 2 },
      { topic: topics.alerts, numPartitions: 2 },
    ]);
    service = new ServiceProcess({
      entry: 'services/score/src/main.ts',
      env: {
        KAFKA_BROKERS: KAFKA_BOOTSTRAP,
        SCHEMA_REGISTRY_URL,
        HTTP_PORT: '0',
        APPLICATION_ID: `${id}-app`,
        INPUT_TOPIC: topics.input,
        SCORES_TOPIC: topics.scores,
        ALERTS_TOPIC: topics.alerts,
        ALERT_THRESHOLD: String(THRESHOLD),
        // Smaller than the windows written, so the drift window fills and the PSI series appear.
        DRIFT_WINDOW_ROWS: '100',
      },
    });
    await service.ready();
  });
  afterAll(() => service?.kill());

  it('writes one score per window and exactly the expected alerts, scoring in batches', async () => {
    const windows: WindowAggregate[] = [];
    for (let w = 0; w < 10; w++) for (let c = 0; c < 40; c++) windows.push(window(c, w));
    await produce(
      kafka,
      topics.input,
      await Promise.all(windows.map(async (a) => ({ key: a.containerId, value: await aggregates.serialize(a, { topic: topics.input, isKey: false }) }))),
    );

    // The expectation, from the same model file scored in-process (this test is about delivery: each window exactly once).
    const { scorer, features } = await loadScoringModel({ modelPath: DEFAULT_MODEL_PATH });
    const expected = await scoreBatch(
      scorer,
      windows.map((a) => ({ aggregate: a, features: features.extract(a) })),
      { threshold: THRESHOLD, criticalThreshold: 0.9, maxReasons: 3 },
      new Date(0),
    );
    await scorer.release();
    const expectedAlerts = expected.flatMap((e) => (e.alert === undefined ? [] : [e.alert]));
    expect(expectedAlerts.length).toBeGreaterThan(0);
    expect(expectedAlerts.length).toBeLessThan(windows.length);

    const key = (r: { containerId: string; windowStart: Date }) => `${r.containerId}@${r.windowStart.getTime()}`;
    const scored = new Map<string, RiskScore>();
    for (const r of await readRecords(kafka, topics.scores, windows.length)) {
      const score = await scores.deserialize(r.value as Buffer, { topic: topics.scores, isKey: false });
      expect(r.key).toBe(score.containerId);
      expect(scored.has(key(score)), `score of ${key(score)} twice`).toBe(false);
      scored.set(key(score), score);
    }
    expect(scored.size).toBe(windows.length);
    for (const { score } of expected) {
      const got = scored.get(key(score)) as RiskScore;
      expect(got.risk).toBeCloseTo(score.risk, 6);
      expect(got.features).toEqual(score.features);
      expect(got).toMatchObject({ modelName: 'coldchain-risk', modelVersion: '2.0.0', horizonMinutes: 60 });
    }

    const raised = await Promise.all(
      (await readRecords(kafka, topics.alerts, expectedAlerts.length)).map(async (r) => await alerts.deserialize(r.value as Buffer, { topic: topics.alerts, isKey: false })),
    );
    const byId = (list: Alert[]) => [...list].sort((a, b) => (a.alertId < b.alertId ? -1 : 1));
    expect(byId(raised)).toEqual(byId(expectedAlerts));

    const url = await (service as ServiceProcess).url();
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('tributary_score_model_info{model="coldchain-risk",version="2.0.0",service="score"} 1');
    expect(metrics).toContain(`tributary_score_scores_total{service="score"} ${windows.length}`);
    // The committed model records its training distribution: the drift window is full.
    expect(metrics).toContain('tributary_score_drift_window_rows{model="coldchain-risk",service="score"} 100');
    for (const feature of ['tempMinAboveSetpointC', 'temperatureSlopeCPerMin', 'temperatureStddevC', 'coolingPowerMeanKw', 'coolingPowerMinKw']) {
      expect(metrics).toMatch(new RegExp(`tributary_score_feature_psi\\{model="coldchain-risk",feature="${feature}",service="score"\\} [0-9.e+-]+\\n`));
    }
    const calls = Number(/tributary_score_batch_rows_count\{service="score"\} (\d+)/.exec(metrics)?.[1]);
    // 400 windows written in one produce call: a few fetches, so a few model calls, never one per window.
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThanOrEqual(windows.length / 10);
    expect(await (service as ServiceProcess).stop(30_000)).toMatchObject({ code: 0, killed: false });
  });
});
