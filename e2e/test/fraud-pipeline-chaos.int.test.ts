/**
 * The card-fraud pipeline — the cold chain's five operators in their generic
 * modes (enrich ENRICH_MODE=join, aggregate AGGREGATE_MODE=lookback, score
 * SCORE_MODE=records, sink to the `fraud` PostgreSQL schema), each its own
 * process on the real broker, registry and database — fed a seeded
 * simulated population through ingest while a chaos loop SIGKILLs every
 * operator twice (and four of them once more while they start and
 * restore). Mid-stream, model v2 (v1 re-weighted, written with the
 * repository's ONNX writer) is published to the models topic with the model
 * CLI's code: the score operator swaps it in without a restart.
 *
 * At the end the topics and the `decisions` table must equal an independent
 * computation: the oracle's enriched payments and look-back features over
 * the payments as delivered, and the model evaluated in TypeScript from its
 * ONNX parameters with the version each decision names (support/
 * fraud-check.ts): one row per payment, no duplicate, no gap; per partition
 * of fraud.decisions the version switches once (v1… then v2…).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLogisticRegressionOnnx } from '@tributary/score';
import { REPO_ROOT } from '@tributary/testing';
import { runModelCli } from '../../services/score/src/registry/model-cli.js';
import { stackEndpoints } from '../../libs/testing/src/vitest/endpoints.js';
import { DECLINE_THRESHOLD, REVIEW_THRESHOLD, simulatePayments, type SimulatedPayments } from '../src/fraud/index.js';
import { IngestClient } from '../src/pipeline/ingest-client.js';
import { OPERATORS } from '../src/pipeline/local-pipeline.js';
import { feedPayments, type PaymentFeedStats } from '../src/pipeline/payment-feeder.js';
import { chaosLoop, type ChaosEvent } from './support/chaos.js';
import { checkFraudOutputs, readFraudOutputs, sinkCaughtUp } from './support/fraud-check.js';
import { decisionRowCount, startFraudPipeline, waitFor, type FraudPipelineFixture } from './support/fraud-fixture.js';
import { committedFraudModel, FRAUD_MODEL_DIR, type LogisticModel } from './support/fraud-model.js';

const DAY = 86_400_000;
const MODELS_TOPIC = 'fraud.models';
const V2_VERSION = '2.0.0-reweighted';

describe('the fraud pipeline, exact under chaos, with a model swap mid-stream', () => {
  const { KAFKA_BOOTSTRAP, SCHEMA_REGISTRY_URL } = stackEndpoints();
  let sim: SimulatedPayments;
  let v1: LogisticModel;
  let v2: LogisticModel;
  let v2Dir: string;
  let fixture: FraudPipelineFixture;

  beforeAll(async () => {
    // Event times of the last two days (records carry them as timestamps: older ones would meet the topics' 7-day retention).
    const startTime = Math.floor(Date.now() / 60_000) * 60_000 - 2 * DAY - 10 * 60_000;
    sim = simulatePayments({ seed: 20261124, cards: 400, startTime, durationMs: 2 * DAY, fraudShare: 0.1 });
    v1 = committedFraudModel();
    // v2: the same features and standardization, other weights (every weight ×1.25, bias +0.5): many decisions change.
    v2 = { ...v1, version: V2_VERSION, weights: v1.weights.map((w) => w * 1.25), bias: v1.bias + 0.5 };
    v2Dir = await mkdtemp(path.join(os.tmpdir(), 'fraud-v2-'));
    await writeFile(path.join(v2Dir, 'model.onnx'), writeLogisticRegressionOnnx({ ...v2, metadata: { horizonMinutes: '1' } }));
    const metadata = JSON.parse(readFileSync(path.join(FRAUD_MODEL_DIR, 'model.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(path.join(v2Dir, 'model.json'), JSON.stringify({ ...metadata, version: V2_VERSION }));
    fixture = await startFraudPipeline({
      brokers: KAFKA_BOOTSTRAP,
      registryUrl: SCHEMA_REGISTRY_URL,
      cardholders: sim.cardholders,
      env: { score: { MODELS_TOPIC } },
      modelsTopic: MODELS_TOPIC,
    });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('SIGKILL chaos and a hot model swap: every payment decided once, equal to the oracle scored with the version named', async () => {
    const { pipeline } = fixture;
    const total = sim.payments.length;
    expect(total).toBeGreaterThan(2000);
    expect(sim.cards.filter((c) => !c.known).length, 'unknown cards').toBeGreaterThan(0);

    const client = new IngestClient({ url: () => pipeline.url('ingest') });
    // Spread the payments over the chaos (~2.5 min of wall-clock time for two simulated days).
    let progress: PaymentFeedStats = { payments: 0, fraud: 0, batches: 0 };
    let stats: PaymentFeedStats | undefined;
    const feeding = feedPayments(client, sim.payments, { batchSize: 40, speed: (2 * DAY) / 150_000, startTime: sim.options.startTime, onProgress: (s) => (progress = { ...s }) }).then(
      (s) => (stats = s),
    );

    // Model v2, published with the CLI's code once half the payments are in (the chaos still going on).
    const published: string[] = [];
    const publishing = (async () => {
      while (progress.payments < total / 2 && stats === undefined) await new Promise((r) => setTimeout(r, 250));
      await runModelCli(
        ['publish', path.join(v2Dir, 'model.onnx'), '--topic', MODELS_TOPIC, '--brokers', KAFKA_BOOTSTRAP, '--input-schema', path.join(REPO_ROOT, 'schemas', 'fraud.payment-features-value.avsc')],
        {},
        (line) => published.push(line),
      );
      return progress.payments;
    })();

    const events: ChaosEvent[] = await chaosLoop(pipeline, { seed: 11, rounds: 2, intervalMs: 3000, duringStart: ['enrich', 'aggregate', 'score', 'sink'] });
    for (const name of OPERATORS) await pipeline.get(name)?.ready(180_000);
    const publishedAfter = await publishing;
    await feeding;

    // Chaos really happened as described; v2 went out mid-stream.
    for (const name of OPERATORS) expect(events.filter((e) => e.operator === name && e.phase === 'running').length, `${name} SIGKILLs`).toBeGreaterThanOrEqual(2);
    expect(events.filter((e) => e.phase === 'starting').length, 'kills while starting/restoring').toBeGreaterThanOrEqual(1);
    expect(published.join('\n')).toContain(`published fraud-risk ${V2_VERSION}`);
    expect(publishedAfter).toBeLessThan(total);
    expect(stats?.payments).toBe(total);

    // Drained: one row per payment, and the sink past the last committed decision.
    const drained = await waitFor(async () => {
      if ((await decisionRowCount(fixture.database.url)) < total) return false;
      const outputs = await readFraudOutputs(KAFKA_BOOTSTRAP, SCHEMA_REGISTRY_URL, fixture.database.url);
      return outputs.decisions.length >= outputs.payments.length && (await sinkCaughtUp(fixture.database.url, outputs.decisions));
    }, 300_000);
    const outputs = await readFraudOutputs(KAFKA_BOOTSTRAP, SCHEMA_REGISTRY_URL, fixture.database.url);
    const expectation = {
      posted: sim.payments.map((p) => p.payment),
      cardholders: sim.cardholders,
      models: new Map([
        [v1.version, v1],
        [v2.version, v2],
      ]),
      modelName: v1.name,
      review: REVIEW_THRESHOLD,
      decline: DECLINE_THRESHOLD,
      versionOrder: [v1.version, v2.version],
    };
    const { problems, summary } = checkFraudOutputs(outputs, expectation);
    console.log(`fraud chaos: ${total} payments, ${JSON.stringify(summary)}, v2 published after ${publishedAfter} acknowledged, drained=${drained}`);
    expect(problems, `${problems.length} problems (logs in ${fixture.logDir})`).toEqual([]);
    expect(drained, 'pipeline drained').toBe(true);
    // The data covered every outcome, both versions and unmatched cards.
    expect(summary.rows).toBe(total);
    for (const kind of ['APPROVE', 'REVIEW', 'DECLINE'] as const) expect(summary.decisions[kind], kind).toBeGreaterThan(0);
    expect(summary.versions[v1.version] ?? 0).toBeGreaterThan(0);
    expect(summary.versions[v2.version] ?? 0).toBeGreaterThan(0);
    expect(summary.unmatched).toBeGreaterThan(0);

    // The verdict is not vacuous: each single fault planted in these real outputs is found.
    const middle = Math.floor(outputs.decisions.length / 2);
    const at = <T>(list: readonly T[], i: number): T => list[i] as T;
    const planted: Record<string, typeof outputs> = {
      'a lost decision': { ...outputs, decisions: outputs.decisions.filter((_, i) => i !== middle) },
      'a doubled decision': { ...outputs, decisions: [...outputs.decisions, at(outputs.decisions, middle)] },
      'a risk off by 2e-6': { ...outputs, decisions: outputs.decisions.map((d, i) => (i === middle ? { ...d, value: { ...d.value, risk: d.value.risk + 2e-6 } } : d)) },
      'a decision naming the other version': {
        ...outputs,
        decisions: outputs.decisions.map((d, i) => (i === middle ? { ...d, value: { ...d.value, modelVersion: d.value.modelVersion === v1.version ? v2.version : v1.version } } : d)),
      },
      'a feature off by one': { ...outputs, features: outputs.features.map((f, i) => (i === middle ? { ...f, value: { ...f.value, count24h: f.value.count24h + 1 } } : f)) },
      'an unmatched payment joined': { ...outputs, enriched: outputs.enriched.map((e) => (e.value.matched ? e : { ...e, value: { ...e.value, matched: true } })) },
      'a lost row': { ...outputs, rows: outputs.rows.slice(1) },
    };
    for (const [fault, tampered] of Object.entries(planted)) expect(checkFraudOutputs(tampered, expectation).problems.length, fault).toBeGreaterThan(0);
  }, 1_200_000);
});
