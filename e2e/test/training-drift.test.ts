/**
 * The drift metrics against the committed model's training distribution
 * (model.json's featureDistribution), through the score topology in the
 * test driver: windows drawn at random from the training history (the
 * training dataset code, the committed model's options) read as stable;
 * the same windows 5 °C warmer move the temperature feature only.
 *
 * Why the training fleet and not a fresh seed: the power features depend on
 * the cargo class, and a fleet of tens of units has its own cargo mix; a
 * fresh 40-unit fleet (seed 43) reads 0.36 / 0.43 on the two power features
 * — drift of the fleet's make-up, which the metric rightly reports.
 */
import { avroType, type TypedSchema } from '@tributary/avro';
import { AlertSchema, RiskScoreSchema, WindowAggregateSchema, type WindowAggregate } from '@tributary/schemas';
import { buildTopology, DEFAULT_MODEL_PATH, FeatureDrift, loadScoringModel, parseModelMetadata, scoreMetrics, type ScoringModel } from '@tributary/score';
import { string, type Serde } from '@tributary/streams';
import { TopologyTestDriver } from '@tributary/testing';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mixSeed, Random } from '../src/simulator/index.js';
import { historyWindows } from '../src/training/dataset.js';
import { modelCard } from '../src/training/model-card.js';
import { trainRiskModel } from '../src/training/risk-model.js';

const WINDOW_ROWS = 1000;

function avroBinarySerde<T>(schema: TypedSchema<T>): Serde<T> {
  const type = avroType(schema.schema);
  return { serialize: (value) => type.toBuffer(value), deserialize: (data) => type.fromBuffer(data) as T };
}

const serdes = { aggregate: avroBinarySerde(WindowAggregateSchema), score: avroBinarySerde(RiskScoreSchema), alert: avroBinarySerde(AlertSchema) };

/** The committed model's training options (its card's Reproduce line: seed 42, 100 containers × 24 h from 2025-01-06, failing share 0.2). */
const TRAINING = { seed: 42, containers: 100, durationMs: 24 * 3_600_000, failingShare: 0.2, startTime: Date.UTC(2025, 0, 6) };

/** WINDOW_ROWS windows drawn at random (with replacement, seeded) from the training history, held-out units included: one population. */
function trainingSample(): WindowAggregate[] {
  const { aggregates } = historyWindows(TRAINING);
  const random = new Random(mixSeed(TRAINING.seed, 0xd21f));
  return Array.from({ length: WINDOW_ROWS }, () => aggregates[random.int(0, aggregates.length - 1)] as WindowAggregate);
}

const warmer = (a: WindowAggregate, celsius: number): WindowAggregate => ({
  ...a,
  temperatureC: { ...a.temperatureC, mean: a.temperatureC.mean + celsius, min: a.temperatureC.min + celsius, max: a.temperatureC.max + celsius },
});

describe('drift of the committed model (score topology, windows of its training history)', () => {
  let model: ScoringModel;
  let windows: WindowAggregate[];
  beforeAll(async () => {
    model = await loadScoringModel({ modelPath: DEFAULT_MODEL_PATH });
    windows = trainingSample();
  }, 120_000);
  afterAll(async () => {
    await model.scorer.release();
  });

  /** Pipes the windows through the topology and reads the drift gauges from the registry, by feature. */
  async function psiAfter(input: readonly WindowAggregate[]): Promise<{ psi: Record<string, number>; rows: number }> {
    const registry = new Registry();
    const drift = FeatureDrift.forModel(model.scorer.metadata, WINDOW_ROWS);
    expect(drift).toBeDefined();
    const topology = buildTopology({ serdes, scorer: model.scorer, features: model.features, observer: scoreMetrics(registry, model.scorer.metadata, { drift }) });
    const driver = new TopologyTestDriver(topology, { applicationId: 'coldchain-score' });
    const topic = driver.createInputTopic<string, WindowAggregate>('coldchain.aggregates.1m', { key: string(), value: serdes.aggregate });
    for (const w of input) await topic.pipeInput(w.containerId, w, w.windowEnd.getTime() - 1);
    driver.close();
    const psi = (await registry.getSingleMetric('tributary_score_feature_psi')?.get())?.values ?? [];
    const rows = (await registry.getSingleMetric('tributary_score_drift_window_rows')?.get())?.values ?? [];
    expect(psi.every((v) => v.labels.model === 'coldchain-risk')).toBe(true);
    return { psi: Object.fromEntries(psi.map((v) => [String(v.labels.feature), v.value])), rows: rows[0]?.value ?? Number.NaN };
  }

  it('stays below 0.1 for every feature while the inputs follow the training distribution', async () => {
    const { psi, rows } = await psiAfter(windows);
    expect(rows).toBe(WINDOW_ROWS);
    expect(Object.keys(psi).sort()).toEqual([...model.scorer.metadata.features].sort());
    for (const value of Object.values(psi)) expect(value).toBeLessThan(0.1);
  }, 120_000);

  it('goes above 0.25 for the temperature feature when the boxes read 5 °C warmer; the others stay below 0.1', async () => {
    const { psi } = await psiAfter(windows.map((w) => warmer(w, 5)));
    expect(psi.tempMinAboveSetpointC).toBeGreaterThan(0.25);
    for (const [feature, value] of Object.entries(psi)) if (feature !== 'tempMinAboveSetpointC') expect(value).toBeLessThan(0.1);
  }, 120_000);
});

describe('training records the training distribution', () => {
  it('writes decile bins of every feature over the training rows, their time range and the held-out figures into model.json', () => {
    const startTime = Date.UTC(2025, 0, 6);
    const result = trainRiskModel({
      seed: 3,
      containers: 30,
      hours: 4,
      failingShare: 0.4,
      startTime,
      checkFleets: [{ name: 'small', fleet: { seed: 4, containers: 12, hours: 1, failingShare: 0.5, failsAtRange: [0.3, 1] } }],
    });
    // What the operator reads back: the file's JSON, validated by its own parser.
    const metadata = parseModelMetadata(JSON.parse(JSON.stringify(result.metadata)), 'model.json');
    expect(metadata.trainingData).toEqual({ from: new Date(startTime).toISOString(), to: new Date(startTime + 4 * 3_600_000).toISOString(), rows: result.data.train.windows });
    const atThreshold = result.thresholds.find((t) => t.threshold === result.threshold);
    expect(metadata.evaluation).toEqual({
      heldOutRows: result.data.heldOut.windows,
      heldOutPositives: result.data.heldOut.positives,
      heldOutAuc: Number(result.heldOutAuc.toFixed(4)),
      trainAuc: Number(result.trainAuc.toFixed(4)),
      heldOutPrecision: Number((atThreshold?.precision ?? Number.NaN).toFixed(4)),
      heldOutRecall: Number((atThreshold?.recall ?? Number.NaN).toFixed(4)),
    });
    // The card shows the same two figures at the alert threshold, beside the AUC.
    expect(modelCard(result, 'cmd')).toContain(
      `**At the alert threshold ${result.threshold}: held-out precision ${(100 * (atThreshold?.precision ?? 0)).toFixed(1)} %, recall ${(100 * (atThreshold?.recall ?? 0)).toFixed(1)} %**`,
    );
    for (const name of metadata.features) {
      const bins = metadata.featureDistribution?.[name];
      expect(bins?.edges.length, name).toBeGreaterThan(1);
      expect(bins?.edges.length, name).toBeLessThanOrEqual(9);
      // Shares of the training rows, one per bin.
      expect(bins?.proportions.reduce((a, b) => a + b, 0), name).toBeCloseTo(1, 5);
    }
    // The continuous features have ten bins of about a tenth each.
    for (const p of metadata.featureDistribution?.temperatureStddevC?.proportions ?? []) expect(p).toBeCloseTo(0.1, 2);
  }, 60_000);
});
