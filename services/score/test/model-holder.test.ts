/**
 * Hot reload in the processor: a ModelHolder swapped between batches
 * (TopologyTestDriver: each piped record is one batch and one commit), a
 * swap during a batch (the batch keeps its model; the old session is freed
 * when the batch ends), and publications refused by `applyPublication`
 * (corrupt envelope, wrong input width) leaving the model in place.
 */
import { string } from '@tributary/streams';
import { AlertSchema, RiskScoreSchema, WindowAggregateSchema, type RiskScore, type WindowAggregate } from '@tributary/schemas';
import { TopologyTestDriver } from '@tributary/testing';
import { describe, expect, it } from 'vitest';
import { numericPaths } from '../src/features/numeric-paths.js';
import type { ModelMetadata } from '../src/model/model-metadata.js';
import { loadModel, type LoadedModel } from '../src/model/model-loader.js';
import { writeLogisticRegressionOnnx } from '../src/model/onnx-writer.js';
import { applyPublication } from '../src/registry/model-follower.js';
import { encodeEnvelope, envelopeFor } from '../src/registry/model-envelope.js';
import { ModelHolder } from '../src/registry/model-holder.js';
import { DEFAULT_ALERT_POLICY } from '../src/scoring/alerts.js';
import { ScoreProcessor } from '../src/topology/score-processor.js';
import { buildTopology } from '../src/topology.js';
import { avroBinarySerde } from './avro-binary-serde.js';
import { aggregate, expectedRisk, TEST_METADATA, testModelBytes } from './fixtures.js';

const serdes = { aggregate: avroBinarySerde(WindowAggregateSchema), score: avroBinarySerde(RiskScoreSchema), alert: avroBinarySerde(AlertSchema) };
const featureOptions = { items: undefined, nullValue: 0, numericPaths: numericPaths(WindowAggregateSchema.schema) };
const V2: ModelMetadata = { ...TEST_METADATA, version: '0.0.2' };
/** v2 has the test model's weights doubled and no bias: its risks differ from v1's for the same window. */
const v2Bytes = () => writeLogisticRegressionOnnx({ name: V2.name, version: V2.version, features: V2.features, mean: [0, 0, 0], std: [1, 1, 1], weights: [4, 2, 0.02], bias: 0 });
const v2Risk = (f: readonly number[]) => 1 / (1 + Math.exp(-(4 * (f[0] as number) + 2 * (f[1] as number) + 0.02 * (f[2] as number))));

async function load(bytes: Uint8Array, metadata: ModelMetadata): Promise<LoadedModel & { released: () => boolean }> {
  const result = await loadModel(bytes, metadata, featureOptions, metadata.version);
  if (!result.ok) throw result.refusal.error;
  let released = false;
  return { ...result.model, release: async () => ((released = true), await result.model.release()), released: () => released };
}

function driver(holder: ModelHolder) {
  const d = new TopologyTestDriver(buildTopology({ serdes, model: holder }), { applicationId: 'coldchain-score', startTime: Date.UTC(2025, 0, 2) });
  return {
    d,
    input: d.createInputTopic<string, WindowAggregate>('coldchain.aggregates.1m', { key: string(), value: serdes.aggregate }),
    scores: d.createOutputTopic<string, RiskScore>('coldchain.scores', { key: string(), value: serdes.score }),
  };
}

// tempAboveSetpointC 1.5, slope 0.2, door 0 (the fixture's defaults).
const features = [1.5, 0.2, 0];

describe('ModelHolder in the score topology', () => {
  it('scores each batch with the model held when it starts: v1 before the swap, v2 after, each score naming its version', async () => {
    const v1 = await load(testModelBytes(), TEST_METADATA);
    const holder = new ModelHolder(v1);
    const { d, input, scores } = driver(holder);
    const w = (i: number) => aggregate({ containerId: `CONT${i}`, windowStart: new Date(Date.UTC(2025, 0, 1, 12, i)), windowEnd: new Date(Date.UTC(2025, 0, 1, 12, i + 1)) });
    await input.pipeInput('CONT0', w(0), 1);
    await input.pipeInput('CONT1', w(1), 2);
    const v2 = await load(v2Bytes(), V2);
    holder.swap(v2);
    expect(v1.released()).toBe(true); // no batch was using it
    await input.pipeInput('CONT2', w(2), 3);
    const out = scores.readValuesToList();
    expect(out.map((s) => s.modelVersion)).toEqual(['0.0.1', '0.0.1', '0.0.2']);
    expect(out[0]?.risk).toBeCloseTo(expectedRisk(features), 6);
    expect(out[2]?.risk).toBeCloseTo(v2Risk(features), 6);
    expect(v2Risk(features)).not.toBeCloseTo(expectedRisk(features), 2);
    d.close();
    await holder.close();
    expect(v2.released()).toBe(true);
  });

  it('a swap during a batch: the whole batch keeps its model, whose session is freed only when the batch ends', async () => {
    const v1 = await load(testModelBytes(), TEST_METADATA);
    let unblock: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (unblock = resolve));
    const slow = { ...v1, scorer: { metadata: v1.scorer.metadata, score: async (rows: Float32Array, n: number) => (await gate, await v1.scorer.score(rows, n)), release: () => v1.scorer.release() } };
    const holder = new ModelHolder(slow);
    const p = new ScoreProcessor(holder, DEFAULT_ALERT_POLICY);
    const forwarded: RiskScore[] = [];
    p.init({
      applicationId: 'a',
      taskId: '0_0',
      forward: (r) => void forwarded.push(r.value as RiskScore),
      getStateStore: () => {
        throw new Error('none');
      },
      schedule: () => ({ cancel: () => undefined }),
      recordMetadata: () => undefined,
      currentStreamTime: () => -1,
      currentSystemTime: () => 0,
    });
    p.process({ key: 'A', value: aggregate({ containerId: 'A' }), timestamp: 1 });
    p.process({ key: 'B', value: aggregate({ containerId: 'B' }), timestamp: 2 });
    const flushing = p.flush();
    const v2 = await load(v2Bytes(), V2);
    holder.swap(v2);
    expect(v1.released()).toBe(false); // the batch still holds v1
    unblock();
    await flushing;
    expect(forwarded.map((s) => s.modelVersion)).toEqual(['0.0.1', '0.0.1']);
    expect(v1.released()).toBe(true);
    p.process({ key: 'C', value: aggregate({ containerId: 'C' }), timestamp: 3 });
    await p.flush();
    expect(forwarded[2]?.modelVersion).toBe('0.0.2');
    await holder.close();
  });
});

describe('an empty ModelHolder (a shadow model before its first publication)', () => {
  it('leases nothing until the first swap, then the swapped model', async () => {
    const holder = new ModelHolder(undefined);
    expect(holder.tryAcquire()).toBeUndefined();
    expect(() => holder.acquire()).toThrow(/no model held yet/);
    const v2 = await load(v2Bytes(), V2);
    holder.swap(v2);
    const lease = holder.tryAcquire();
    expect(lease?.scorer.metadata.version).toBe('0.0.2');
    lease?.release();
    await holder.close();
    expect(v2.released()).toBe(true);
  });
});

describe('applyPublication', () => {
  const message = (value: Buffer | null) => ({ key: Buffer.from('test-risk'), value });

  it('swaps in an accepted publication and names the version it replaced', async () => {
    const holder = new ModelHolder(await load(testModelBytes(), TEST_METADATA));
    const result = await applyPublication(message(encodeEnvelope(envelopeFor(v2Bytes(), V2))), holder, featureOptions, 'models/0@0');
    expect(result).toMatchObject({ ok: true, envelope: { version: '0.0.2' }, previous: { version: '0.0.1' } });
    expect(holder.current.scorer.metadata.version).toBe('0.0.2');
    await holder.close();
  });

  it('keeps the model it has when a publication is corrupt, fails its checksum or has the wrong input width', async () => {
    const v1 = await load(testModelBytes(), TEST_METADATA);
    const holder = new ModelHolder(v1);
    const good = encodeEnvelope(envelopeFor(v2Bytes(), V2));
    const flipped = Buffer.from(good);
    flipped.writeUInt8(flipped.readUInt8(flipped.length - 20) ^ 0x55, flipped.length - 20);
    // A graph taking 4 columns, described by metadata naming the 3 features of the test model.
    const V3: ModelMetadata = { ...TEST_METADATA, version: '0.0.3' };
    const wide = writeLogisticRegressionOnnx({ name: V3.name, version: V3.version, features: [...V3.features, 'extra'], mean: [0, 0, 0, 0], std: [1, 1, 1, 1], weights: [1, 1, 1, 1], bias: 0 });
    const cases: [Buffer | null, string, RegExp][] = [
      [good.subarray(0, 30), 'envelope', /cut off/],
      [flipped, 'checksum', /checksum mismatch/],
      [encodeEnvelope(envelopeFor(wide, V3)), 'model', /shape \[N, 4\]; expected \[N, 3\]/],
    ];
    for (const [value, reason, text] of cases) {
      const result = await applyPublication(message(value), holder, featureOptions, 'models/0@1');
      expect(result).toMatchObject({ ok: false, refusal: { model: 'test-risk', reason } });
      expect(result.ok ? 'accepted' : result.refusal.message).toMatch(text);
      expect(holder.current).toBe(v1);
      expect(v1.released()).toBe(false);
    }
    await holder.close();
  });
});
