/**
 * Drift metrics of the fraud model, read from the real /metrics of a score
 * process (SCORE_MODE=records, models/fraud-risk, DRIFT_WINDOW_ROWS=2000)
 * fed the oracle's PaymentFeatures of simulated payments:
 * - a population like the training one → every feature's
 *   `tributary_score_feature_psi` below 0.1;
 * - the same population with every amount ×2.5 (the simulator's `shift`) →
 *   the three amount features above 0.25, the five others still below 0.1.
 *
 * Rows are taken evenly over the last simulated day (whole daily rhythm, a
 * full 24 h of history behind every payment, as in training), so the
 * unshifted window is a fair sample of the training distribution.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, avroSerde } from '@tributary/avro';
import { PaymentFeaturesSchema, SCHEMA_DIR, type PaymentFeatures } from '@tributary/schemas';
import { ServiceProcess, createTopics, kafkaClient, produce } from '@tributary/testing';
import { stackEndpoints } from '../../libs/testing/src/vitest/endpoints.js';
import { DECLINE_THRESHOLD, REVIEW_THRESHOLD, expectedFeatures, simulatePayments } from '../src/fraud/index.js';
import { parseMetrics, sumOf, type Sample } from '../src/pipeline/metrics.js';
import { FRAUD_MODEL_DIR, committedFraudModel } from './support/fraud-model.js';
import { waitFor } from './support/fraud-fixture.js';

const DAY = 86_400_000;
const WINDOW_ROWS = 2000;
const AMOUNT_FEATURES = ['amount', 'amountSum10m', 'amountSum24h'];

/** WINDOW_ROWS feature records taken evenly over the last of three simulated days. */
function sampleFeatures(startTime: number, amountFactor: number): PaymentFeatures[] {
  const sim = simulatePayments({ seed: 77, cards: 1000, startTime, durationMs: 3 * DAY, fraudShare: 0.05, shift: { amountFactor } });
  const lastDay = expectedFeatures(sim.payments.map((p) => p.payment), sim.cardholders).filter((f) => f.eventTime.getTime() >= startTime + 2 * DAY);
  expect(lastDay.length).toBeGreaterThan(WINDOW_ROWS);
  return Array.from({ length: WINDOW_ROWS }, (_, i) => lastDay[Math.floor((i * lastDay.length) / WINDOW_ROWS)] as PaymentFeatures);
}

describe('fraud model drift metrics (score records mode, real process)', () => {
  const id = `fraud-drift-${Date.now()}`;
  const topics = { input: `${id}.features`, decisions: `${id}.decisions` };
  const { KAFKA_BOOTSTRAP, SCHEMA_REGISTRY_URL } = stackEndpoints();
  const kafka = kafkaClient(KAFKA_BOOTSTRAP);
  const registry = new RegistryClient({ url: SCHEMA_REGISTRY_URL });
  const serde = avroSerde(PaymentFeaturesSchema, { registry, autoRegister: false });
  const model = committedFraudModel();
  const startTime = Math.floor(Date.now() / DAY) * DAY - 3 * DAY;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    await createTopics(kafka, [
      { topic: topics.input, numPartitions: 2 },
      { topic: topics.decisions, numPartitions: 2 },
    ]);
    // Records mode reads its input and output schemas from the registry: the fraud ones under this test's subjects.
    await registry.register(`${topics.input}-value`, readFileSync(path.join(SCHEMA_DIR, 'fraud.payment-features-value.avsc'), 'utf8'));
    await registry.register(`${topics.decisions}-value`, readFileSync(path.join(SCHEMA_DIR, 'fraud.decisions-value.avsc'), 'utf8'));
    service = new ServiceProcess({
      entry: 'services/score/src/main.ts',
      env: {
        KAFKA_BROKERS: KAFKA_BOOTSTRAP,
        SCHEMA_REGISTRY_URL,
        HTTP_PORT: '0',
        SCORE_MODE: 'records',
        APPLICATION_ID: `${id}-score`,
        INPUT_TOPIC: topics.input,
        SCORES_TOPIC: topics.decisions,
        MODEL_PATH: path.join(FRAUD_MODEL_DIR, 'model.onnx'),
        ALERT_THRESHOLD: String(REVIEW_THRESHOLD),
        CRITICAL_THRESHOLD: String(DECLINE_THRESHOLD),
        DRIFT_WINDOW_ROWS: String(WINDOW_ROWS),
        SCHEMA_AUTO_REGISTER: 'false',
      },
    });
    await service.ready();
  });
  afterAll(() => service?.kill());

  /** Produces the rows, waits until the operator scored `scoredTotal` in all, and returns its PSI per feature. */
  async function feedAndReadPsi(rows: readonly PaymentFeatures[], scoredTotal: number): Promise<Record<string, number>> {
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      await produce(kafka, topics.input, await Promise.all(chunk.map(async (f) => ({ key: f.cardId, value: await serde.serialize(f, { topic: topics.input, isKey: false }) }))));
    }
    const url = await (service as ServiceProcess).url();
    let samples: Sample[] = [];
    const scored = await waitFor(async () => {
      samples = parseMetrics(await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text());
      return sumOf(samples, 'tributary_score_scores_total') >= scoredTotal;
    }, 120_000);
    expect(scored, `scored ${sumOf(samples, 'tributary_score_scores_total')} of ${scoredTotal}`).toBe(true);
    expect(sumOf(samples, 'tributary_score_drift_window_rows', { model: model.name })).toBe(WINDOW_ROWS);
    return Object.fromEntries(model.features.map((feature) => {
      const psi = samples.filter((s) => s.name === 'tributary_score_feature_psi' && s.labels['model'] === model.name && s.labels['feature'] === feature);
      expect(psi.length, `tributary_score_feature_psi{feature="${feature}"}`).toBe(1);
      return [feature, (psi[0] as Sample).value];
    }));
  }

  it('stays below 0.1 on the training population and flags the amount features (> 0.25) when amounts shift ×2.5', async () => {
    const unshifted = await feedAndReadPsi(sampleFeatures(startTime, 1), WINDOW_ROWS);
    console.log(`fraud drift: unshifted PSI ${JSON.stringify(unshifted)}`);
    for (const feature of model.features) expect(unshifted[feature], `${feature} PSI unshifted`).toBeLessThan(0.1);

    // The window (DRIFT_WINDOW_ROWS) now fills with shifted rows only.
    const shifted = await feedAndReadPsi(sampleFeatures(startTime, 2.5), 2 * WINDOW_ROWS);
    console.log(`fraud drift: amounts ×2.5 PSI ${JSON.stringify(shifted)}`);
    for (const feature of model.features) {
      if (AMOUNT_FEATURES.includes(feature)) expect(shifted[feature], `${feature} PSI shifted`).toBeGreaterThan(0.25);
      else expect(shifted[feature], `${feature} PSI shifted (not an amount)`).toBeLessThan(0.1);
    }
  }, 300_000);
});
