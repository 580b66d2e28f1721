/**
 * Hot reload as deployed: main.ts in its own process following a models
 * topic, windows produced continuously on a 2-partition topic. Mid-stream
 * v2 is published with the CLI's code: the process does not restart, every
 * window is scored exactly once (the scores topic against the windows
 * written: no gap, no duplicate), each score names its version and, per
 * partition, the versions switch once (v1… then v2…). Then a corrupt
 * publication and a model with the wrong input width: both refused (log
 * line, refusal metric, /readyz detail), scoring goes on with v2. Last, a
 * candidate published under SHADOW_MODEL_NAME shadow-scores the same
 * windows to `<scores>.shadow`.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { avroSerde, RegistryClient } from '@tributary/avro';
import { RiskScoreSchema, WindowAggregateSchema, type RiskScore, type WindowAggregate } from '@tributary/schemas';
import { stackEndpoints } from '../../../libs/testing/src/vitest/endpoints.js';
import { DEFAULT_MODEL_PATH } from '../src/config.js';
import { metadataPathFor } from '../src/model/onnx-scorer.js';
import { parseModelMetadata, type ModelMetadata } from '../src/model/model-metadata.js';
import { writeLogisticRegressionOnnx } from '../src/model/onnx-writer.js';
import { runModelCli } from '../src/registry/model-cli.js';
import { encodeEnvelope, envelopeFor } from '../src/registry/model-envelope.js';
import { readWholeTopic } from '../src/registry/models-topic.js';
import { aggregate } from './fixtures.js';
import { ServiceProcess, createTopics, kafkaClient, produce } from '@tributary/testing';

const MINUTE = 60_000;
const START = Math.floor(Date.now() / MINUTE) * MINUTE - 600 * MINUTE;
const CONTAINERS = 20;

function window(c: number, w: number): WindowAggregate {
  const excess = ((c * 31 + w * 17) % 21) / 10 - 0.5;
  return aggregate({
    containerId: `CONT${String(c).padStart(6, '0')}0`,
    windowStart: new Date(START + w * MINUTE),
    windowEnd: new Date(START + (w + 1) * MINUTE),
    temperatureC: { mean: 4 + excess, min: 3.8 + excess, max: 4.2 + excess, stddev: 0.1 },
    setpointC: 4,
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

describe('score hot reload (models topic, real process)', () => {
  const id = `score-reload-${Date.now()}`;
  const topics = { input: `${id}.aggregates`, scores: `${id}.scores`, alerts: `${id}.alerts`, models: `${id}.models`, shadow: `${id}.scores.shadow` };
  const { KAFKA_BOOTSTRAP, SCHEMA_REGISTRY_URL } = stackEndpoints();
  const kafka = kafkaClient(KAFKA_BOOTSTRAP);
  const registry = new RegistryClient({ url: SCHEMA_REGISTRY_URL });
  const aggregates = avroSerde(WindowAggregateSchema, { registry });
  const scoreSerde = avroSerde(RiskScoreSchema, { registry });
  let service: ServiceProcess | undefined;
  let dir: string;
  let v1: ModelMetadata;

  beforeAll(async () => {
    await createTopics(kafka, [
      { topic: topics.input, numPartitions: 2 },
      { topic: topics.scores, numPartitions: 2 },
      { topic: topics.alerts, numPartitions: 2 },
    ]);
    dir = await mkdtemp(join(tmpdir(), 'model-reload-'));
    v1 = parseModelMetadata(JSON.parse(await readFile(metadataPathFor(DEFAULT_MODEL_PATH), 'utf8')), 'model.json');
    service = new ServiceProcess({
      entry: 'services/score/src/main.ts',
      keepLines: 5000,
      env: {
        KAFKA_BROKERS: KAFKA_BOOTSTRAP,
        SCHEMA_REGISTRY_URL,
        HTTP_PORT: '0',
        APPLICATION_ID: `${id}-app`,
        INPUT_TOPIC: topics.input,
        SCORES_TOPIC: topics.scores,
        ALERTS_TOPIC: topics.alerts,
        MODELS_TOPIC: topics.models,
        MODEL_NAME: 'coldchain-risk',
        SHADOW_MODEL_NAME: 'coldchain-candidate',
      },
    });
    await service.ready();
  });
  afterAll(() => service?.kill());

  it('switches to v2 mid-stream without a restart, scoring every window once; refused models leave v2 in place', async () => {
    const svc = service as ServiceProcess;
    const url = await svc.url();
    let written = 0;
    let producing = true;
    // Windows flow continuously: one window per container every 100 ms, until told to stop.
    const producer = (async () => {
      for (let w = 0; producing; w++) {
        const batch = Array.from({ length: CONTAINERS }, (_, c) => window(c, w));
        await produce(kafka, topics.input, await Promise.all(batch.map(async (a) => ({ key: a.containerId, value: await aggregates.serialize(a, { topic: topics.input, isKey: false }) }))));
        written += batch.length;
        await sleep(100);
      }
    })();

    const scoresNow = async () => {
      const { records } = await readWholeTopic(kafka, topics.scores);
      return await Promise.all(records.map(async (r) => ({ partition: r.partition, offset: r.offset, score: await scoreSerde.deserialize(r.message.value as Buffer, { topic: topics.scores, isKey: false }) })));
    };
    await until('v1 scores', async () => ((await scoresNow()).length >= 100 ? true : undefined));

    // v2: a logistic regression over the same features (other weights), described by model.json with version 3.0.0-test.
    const v2: ModelMetadata = { name: v1.name, version: '3.0.0-test', inputName: 'features', outputName: 'risk', contributionsName: 'contributions', features: v1.features, featureExpressions: v1.featureExpressions ?? {}, horizonMinutes: 60 };
    const v2Path = join(dir, 'v2.onnx');
    await writeFile(v2Path, writeLogisticRegressionOnnx({ name: v2.name, version: v2.version, features: v2.features, mean: v2.features.map(() => 0), std: v2.features.map(() => 1), weights: [1, 0.5, 0.2, -0.1, -0.1], bias: -2 }));
    await writeFile(join(dir, 'v2.json'), JSON.stringify(v2));
    const printed: string[] = [];
    await runModelCli(['publish', v2Path, '--metadata', join(dir, 'v2.json'), '--topic', topics.models, '--brokers', KAFKA_BOOTSTRAP], {}, (l) => printed.push(l));
    expect(printed.join('\n')).toContain(`published coldchain-risk 3.0.0-test`);
    await until('v2 scores', async () => ((await scoresNow()).some((s) => s.score.modelVersion === '3.0.0-test') ? true : undefined));

    // A model whose graph takes 4 columns for 5 features: the CLI refuses to publish it …
    const wide: ModelMetadata = { ...v2, version: '4.0.0-wide' };
    const widePath = join(dir, 'wide.onnx');
    const wideBytes = writeLogisticRegressionOnnx({ name: wide.name, version: wide.version, features: wide.features.slice(0, 4), mean: [0, 0, 0, 0], std: [1, 1, 1, 1], weights: [1, 1, 1, 1], bias: 0 });
    await writeFile(widePath, wideBytes);
    await writeFile(join(dir, 'wide.json'), JSON.stringify(wide));
    await expect(runModelCli(['publish', widePath, '--metadata', join(dir, 'wide.json'), '--topic', topics.models, '--brokers', KAFKA_BOOTSTRAP], {}, () => undefined)).rejects.toThrow(
      /shape \[N, 4\]; expected \[N, 5\]/,
    );
    // … so it is written past the CLI, as is a corrupt envelope (a flipped byte in the model).
    const corrupt = encodeEnvelope(envelopeFor(await readFile(v2Path), { ...v2, version: '5.0.0-corrupt' }));
    corrupt.writeUInt8(corrupt.readUInt8(corrupt.length - 50) ^ 0xff, corrupt.length - 50);
    await produce(kafka, topics.models, [{ key: 'coldchain-risk', value: encodeEnvelope(envelopeFor(wideBytes, wide)) }]);
    await until('the wide model refused', async () => ((await (await fetch(`${url}/metrics`)).text()).includes('tributary_score_model_refusals_total{model="coldchain-risk",version="4.0.0-wide",reason="model"') ? true : undefined));
    await produce(kafka, topics.models, [{ key: 'coldchain-risk', value: corrupt }]);
    const metrics = await until('the corrupt model refused', async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return text.includes('tributary_score_model_refusals_total{model="coldchain-risk",version="5.0.0-corrupt",reason="checksum",service="score"} 1') ? text : undefined;
    });
    expect(metrics).toContain('tributary_score_model_refusals_total{model="coldchain-risk",version="4.0.0-wide",reason="model",service="score"} 1');
    const readyz = (await (await fetch(`${url}/readyz`)).json()) as { ready: boolean; detail: { model: { version: string }; modelsTopic: { refusals: number; lastRefusal: { version: string; reason: string; message: string } } } };
    expect(readyz.ready).toBe(true);
    expect(readyz.detail.model.version).toBe('3.0.0-test');
    expect(readyz.detail.modelsTopic.refusals).toBe(2);
    expect(readyz.detail.modelsTopic.lastRefusal).toMatchObject({ version: '5.0.0-corrupt', reason: 'checksum' });
    expect(readyz.detail.modelsTopic.lastRefusal.message).toMatch(/checksum mismatch/);
    const refusedLines = svc.lines.filter((l) => l.includes('"msg":"model refused, keeping coldchain-risk 3.0.0-test'));
    expect(refusedLines.some((l) => l.includes('4.0.0-wide') && l.includes('expected [N, 5]'))).toBe(true);
    expect(refusedLines.some((l) => l.includes('5.0.0-corrupt') && l.includes('checksum mismatch'))).toBe(true);

    // Scoring goes on, with v2; a candidate published under SHADOW_MODEL_NAME scores the same batches to <scores>.shadow.
    const afterRefusals = (await scoresNow()).length;
    await until('scores after the refusals', async () => ((await scoresNow()).length >= afterRefusals + 100 ? true : undefined));
    const candidate: ModelMetadata = { ...v2, name: 'coldchain-candidate', version: '1.0.0-cand' };
    const candidatePath = join(dir, 'candidate.onnx');
    await writeFile(candidatePath, writeLogisticRegressionOnnx({ name: candidate.name, version: candidate.version, features: candidate.features, mean: candidate.features.map(() => 0), std: candidate.features.map(() => 1), weights: [2, 0.5, 0.2, -0.1, -0.1], bias: -3 }));
    await writeFile(join(dir, 'candidate.json'), JSON.stringify(candidate));
    await runModelCli(['publish', candidatePath, '--metadata', join(dir, 'candidate.json'), '--topic', topics.models, '--brokers', KAFKA_BOOTSTRAP], {}, () => undefined);
    const shadowNow = async () =>
      await Promise.all((await readWholeTopic(kafka, topics.shadow)).records.map(async (r) => await scoreSerde.deserialize(r.message.value as Buffer, { topic: topics.shadow, isKey: false })));
    await until('shadow scores', async () => ((await shadowNow()).length >= 100 ? true : undefined));
    producing = false;
    await producer;

    const scored = await until('every window scored', async () => {
      const all = await scoresNow();
      return all.length >= written ? all : undefined;
    });
    await sleep(1000);
    const final = await scoresNow();
    expect(final.length).toBe(written);
    expect(final.length).toBe(scored.length);
    const key = (s: RiskScore) => `${s.containerId}@${s.windowStart.getTime()}`;
    const seen = new Set(final.map((s) => key(s.score)));
    expect(seen.size).toBe(written); // no duplicate
    for (let w = 0; w < written / CONTAINERS; w++) for (let c = 0; c < CONTAINERS; c++) expect(seen.has(key({ containerId: window(c, w).containerId, windowStart: window(c, w).windowStart } as RiskScore))).toBe(true); // no gap

    for (const partition of [0, 1]) {
      const versions = final.filter((s) => s.partition === partition).sort((a, b) => (a.offset < b.offset ? -1 : 1)).map((s) => s.score.modelVersion);
      const switchAt = versions.indexOf('3.0.0-test');
      expect(switchAt, `partition ${partition} switched to v2`).toBeGreaterThan(0);
      expect(versions.slice(0, switchAt).every((v) => v === '2.0.0'), `partition ${partition}: only v1 before the switch`).toBe(true);
      expect(versions.slice(switchAt).every((v) => v === '3.0.0-test'), `partition ${partition}: only v2 after the switch`).toBe(true);
    }
    // Shadow: once each, for windows the live model scored too, naming the candidate; compared in the metrics.
    const shadowScores = await shadowNow();
    expect(new Set(shadowScores.map(key)).size).toBe(shadowScores.length);
    expect(shadowScores.every((s) => seen.has(key(s)) && s.modelName === 'coldchain-candidate' && s.modelVersion === '1.0.0-cand')).toBe(true);
    const after = await (await fetch(`${url}/metrics`)).text();
    expect(after).toMatch(/tributary_score_shadow_agreement_ratio\{model="coldchain-risk",version="3.0.0-test",shadow_model="coldchain-candidate",shadow_version="1.0.0-cand",service="score"\} [0-9.]+/);
    expect(Number(/tributary_score_shadow_delta_count\{service="score"\} (\d+)/.exec(after)?.[1])).toBeGreaterThanOrEqual(shadowScores.length);
    expect(after).toContain('tributary_score_model_info{model="coldchain-risk",version="3.0.0-test",service="score"} 1');
    expect(after).not.toContain('version="2.0.0",service="score"} 1');
    // No restart: one process, started once, swapped once.
    expect(svc.child.exitCode).toBeNull();
    expect(svc.lines.filter((l) => l.includes('"msg":"started"'))).toHaveLength(1);
    const swaps = svc.lines.filter((l) => l.includes('"msg":"model swapped"'));
    expect(swaps.filter((l) => l.includes('"model":"coldchain-risk"'))).toHaveLength(1);
    expect(swaps.filter((l) => l.includes('"model":"coldchain-candidate"'))).toHaveLength(1);
    expect(await svc.stop(30_000)).toMatchObject({ code: 0, killed: false });
  });

  it('the CLI publishes, lists and rolls back (a rollback is a new publication of the previous version, from the history topic)', async () => {
    const topic = `${id}.cli-models`;
    const args = ['--topic', topic, '--brokers', KAFKA_BOOTSTRAP];
    const v2Meta = { version: '2.1.0-test' };
    const v2Path = join(dir, 'cli-v2.onnx');
    await writeFile(v2Path, writeLogisticRegressionOnnx({ name: v1.name, version: v2Meta.version, features: v1.features, mean: v1.features.map(() => 0), std: v1.features.map(() => 1), weights: [1, 1, 1, 1, 1], bias: 0 }));
    await writeFile(join(dir, 'cli-v2.json'), JSON.stringify({ ...v1, version: v2Meta.version }));
    const out: string[] = [];
    const print = (l: string) => out.push(l);
    // No --metadata: model.json beside the file, as the operator reads it.
    await runModelCli(['publish', DEFAULT_MODEL_PATH, ...args], {}, print);
    await runModelCli(['publish', v2Path, '--metadata', join(dir, 'cli-v2.json'), ...args], {}, print);
    await runModelCli(['rollback', 'coldchain-risk', ...args], {}, print);
    expect(out[2]).toBe(`rolled coldchain-risk back from 2.1.0-test to 2.0.0 (sha256 ${out[0]?.match(/sha256 ([0-9a-f]{64})/)?.[1]}) on ${topic}`);
    out.length = 0;
    await runModelCli(['list', ...args], {}, print);
    expect(out[0]).toMatch(/^live {5}coldchain-risk 2\.0\.0 published .* \(rollback of 2\.1\.0-test\)/);
    expect(out.slice(1).map((l) => l.replace(/ published .*?(?= \(|$)/, ''))).toEqual([
      'history  coldchain-risk 2.0.0',
      'history  coldchain-risk 2.1.0-test',
      'history  coldchain-risk 2.0.0 (rollback of 2.1.0-test)',
    ]);
  });
});
