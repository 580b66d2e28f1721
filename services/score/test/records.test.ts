/**
 * SCORE_MODE=records without a broker: the output schema check (computed
 * fields, copied fields missing or mistyped), the decision thresholds, the
 * configuration, and the records topology in the TopologyTestDriver on
 * PaymentFeatures → Decision — risk against a TypeScript computation of the
 * model, the key kept, no alerts topic, hot reload, shadow scoring, a
 * remote model (the reference model server) and drift metrics.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AvroSchema } from '@tributary/avro';
import { ConfigError, string } from '@tributary/streams';
import { DecisionSchema, PaymentFeaturesSchema, type Decision, type PaymentFeatures } from '@tributary/schemas';
import { TopologyTestDriver } from '@tributary/testing';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { featuresForModel } from '../src/features/model-features.js';
import { numericPaths } from '../src/features/numeric-paths.js';
import { scoreMetrics, shadowMetrics } from '../src/metrics.js';
import type { ModelMetadata } from '../src/model/model-metadata.js';
import { loadModel, type LoadedModel } from '../src/model/model-loader.js';
import { decisionFor, severityOf } from '../src/records/decision.js';
import { recordOutput, type GenericRecord } from '../src/records/record-output.js';
import { planRecordOutput } from '../src/records/schema-check.js';
import { ModelHolder } from '../src/registry/model-holder.js';
import { buildRecordsTopology } from '../src/topology.js';
import { FeatureDrift } from '../src/drift/feature-drift.js';
import { quantileBins } from '../src/drift/psi.js';
import { OnnxScorer } from '../src/model/onnx-scorer.js';
import { buildModelServer } from '../src/remote/model-server.js';
import { RemoteScorer } from '../src/remote/remote-scorer.js';
import { avroBinarySerde } from './avro-binary-serde.js';
import { expectedDecision, FRAUD_METADATA, FRAUD_PARAMS, fraudModelBytes, fraudRisk, fraudRow, payment } from './fraud-fixtures.js';

const INPUT = PaymentFeaturesSchema.schema as { fields: { name: string; type: unknown }[] } & AvroSchema;
const OUTPUT = DecisionSchema.schema as { fields: { name: string; type: unknown; doc?: string }[] } & AvroSchema;
const names = { inputName: 'subject fraud.payment-features-value v1', outputName: 'subject fraud.decisions-value v1' };

/** The Decision schema with `fields` changed: `replace` by name (undefined drops the field), `add` appended. */
function outputWith(replace: Record<string, unknown>, add: { name: string; type: unknown }[] = []): AvroSchema {
  const fields = OUTPUT.fields
    .filter((f) => !(f.name in replace) || replace[f.name] !== undefined)
    .map((f) => (f.name in replace ? { ...f, type: replace[f.name] } : f));
  return { ...(DecisionSchema.schema as object), fields: [...fields, ...add.map((f) => ({ ...f, doc: 'a test field' }))] } as AvroSchema;
}

const plan = (outputSchema: AvroSchema) => planRecordOutput({ inputSchema: INPUT, outputSchema, ...names });

describe('records mode: the output schema against the input schema', () => {
  it('plans the Decision schema: the payment fields copied, the scoring fields computed, in schema order', () => {
    expect(plan(OUTPUT).fields).toEqual([
      { name: 'paymentId', source: 'copy' },
      { name: 'cardId', source: 'copy' },
      { name: 'merchantId', source: 'copy' },
      { name: 'amount', source: 'copy' },
      { name: 'currency', source: 'copy' },
      { name: 'eventTime', source: 'copy' },
      { name: 'risk', source: 'computed' },
      { name: 'decision', source: 'computed' },
      { name: 'modelName', source: 'computed' },
      { name: 'modelVersion', source: 'computed' },
      { name: 'features', source: 'computed' },
      { name: 'scoredAt', source: 'computed', asDate: true },
    ]);
  });

  it('accepts the optional computed fields (horizonMinutes, reasons), a string decision, a plain-long scoredAt and copied nullable and enum fields', () => {
    const fields = plan(
      outputWith({ decision: 'string', scoredAt: 'long' }, [
        { name: 'horizonMinutes', type: 'int' },
        { name: 'reasons', type: { type: 'array', items: 'string' } },
        { name: 'kmFromLast', type: ['null', 'double'] },
        { name: 'channel', type: (INPUT.fields.find((f) => f.name === 'channel') as { type: unknown }).type },
      ]),
    ).fields;
    expect(fields.filter((f) => f.source === 'computed').map((f) => f.name)).toEqual(['risk', 'decision', 'modelName', 'modelVersion', 'features', 'scoredAt', 'horizonMinutes', 'reasons']);
    expect(fields.find((f) => f.name === 'scoredAt')).toEqual({ name: 'scoredAt', source: 'computed', asDate: false });
    expect(fields.filter((f) => f.source === 'copy').map((f) => f.name)).toContain('kmFromLast');
  });

  it('refuses a field that is neither computed nor in the input, naming it and listing what the input has', () => {
    const check = () => plan(outputWith({}, [{ name: 'terminalId', type: 'string' }]));
    expect(check).toThrow(ConfigError);
    expect(check).toThrow(
      /the output schema \(subject fraud\.decisions-value v1\) field "terminalId" is neither computed by score \(risk, decision, modelName, modelVersion, features, scoredAt, horizonMinutes, reasons\) nor a field of the input record \(subject fraud\.payment-features-value v1\), which has: paymentId \(string\), .*kmFromLast \(\[null, double\]\)/,
    );
  });

  it('refuses a copied field whose type differs from the input field, naming both types', () => {
    expect(() => plan(outputWith({ amount: 'long' }))).toThrow(/field "amount" is copied from the input record \(subject fraud\.payment-features-value v1\) and must have its type there, double; it is long/);
    // A nullable copy of a non-null input field is another type too.
    expect(() => plan(outputWith({ cardId: ['null', 'string'] }))).toThrow(/field "cardId" is copied .* must have its type there, string; it is \[null, string\]/);
    // The same underlying long but not the same logical type: a timestamp-millis decodes to a Date a plain long cannot encode.
    expect(() => plan(outputWith({ eventTime: 'long' }))).toThrow(/field "eventTime" is copied .* must have its type there, timestamp-millis; it is long/);
  });

  it('refuses a computed field of a type that cannot hold its value', () => {
    expect(() => plan(outputWith({ risk: 'string' }))).toThrow(/field "risk" is computed by score and must be double or float \(the probability\) \(nullable or not\); it is string/);
    expect(() => plan(outputWith({ decision: { type: 'enum', name: 'Verdict', symbols: ['APPROVE', 'DECLINE'] } }))).toThrow(
      /field "decision" is computed by score and must be string or an enum with the symbols APPROVE, REVIEW, DECLINE .*it is enum \{APPROVE, DECLINE\}/,
    );
    expect(() => plan(outputWith({ features: { type: 'map', values: 'string' } }))).toThrow(/field "features" .* must be map of double/);
    expect(() => plan(outputWith({}, [{ name: 'reasons', type: 'string' }]))).toThrow(/field "reasons" .* must be array of string/);
  });

  it('refuses a schema that is not a record', () => {
    expect(() => planRecordOutput({ inputSchema: INPUT, outputSchema: 'string', ...names })).toThrow(/the output schema \(subject fraud\.decisions-value v1\) is not an Avro record schema/);
  });
});

describe('records mode: decisions', () => {
  const policy = { threshold: 0.5, criticalThreshold: 0.9 };
  it('APPROVE below ALERT_THRESHOLD, REVIEW from it, DECLINE from CRITICAL_THRESHOLD (bounds included)', () => {
    expect([0, 0.4999, 0.5, 0.7, 0.8999, 0.9, 1].map((r) => decisionFor(r, policy))).toEqual(['APPROVE', 'APPROVE', 'REVIEW', 'REVIEW', 'REVIEW', 'DECLINE', 'DECLINE']);
    expect(decisionFor(Number.NaN, policy)).toBe('APPROVE');
    expect(decisionFor(0.5, { threshold: 0.5, criticalThreshold: 0.5 })).toBe('DECLINE');
    expect(['APPROVE', 'REVIEW', 'DECLINE'].map((d) => severityOf(d as 'APPROVE'))).toEqual([undefined, 'WARNING', 'CRITICAL']);
  });

  it('SCORE_MODE defaults to windows; records mode refuses CRITICAL_THRESHOLD below ALERT_THRESHOLD', () => {
    expect(loadConfig({}).SCORE_MODE).toBe('windows');
    expect(loadConfig({ SCORE_MODE: 'records' }).SCORE_MODE).toBe('records');
    expect(() => loadConfig({ SCORE_MODE: 'batch' })).toThrow(/SCORE_MODE/);
    expect(() => loadConfig({ SCORE_MODE: 'records', ALERT_THRESHOLD: '0.8', CRITICAL_THRESHOLD: '0.6' })).toThrow(/CRITICAL_THRESHOLD=0\.6 is below ALERT_THRESHOLD=0\.8/);
    // Windows mode keeps accepting it (an alert's severity is WARNING below the critical threshold: unchanged behaviour).
    expect(loadConfig({ ALERT_THRESHOLD: '0.8', CRITICAL_THRESHOLD: '0.6' }).SCORE_MODE).toBe('windows');
  });

  it('FEATURES are checked against the input schema: a path that is not a numeric PaymentFeatures field is refused', () => {
    const paths = numericPaths(PaymentFeaturesSchema.schema);
    expect(featuresForModel(FRAUD_METADATA, { items: undefined, nullValue: 0, numericPaths: paths }).names).toEqual(FRAUD_METADATA.features);
    expect(() =>
      featuresForModel(FRAUD_METADATA, { items: [...FRAUD_METADATA.features.filter((f) => f !== 'creditLimit').map((f) => `${f}=${f}`), 'creditLimit=riskSegment'], nullValue: 0, numericPaths: paths }),
    ).toThrow(/feature "creditLimit" reads "riskSegment", which is not a numeric field of the input record/);
  });
});

const featureOptions = { items: undefined, nullValue: 0, numericPaths: numericPaths(PaymentFeaturesSchema.schema) };

async function load(bytes: Uint8Array, metadata: ModelMetadata): Promise<LoadedModel> {
  const result = await loadModel(bytes, metadata, featureOptions, metadata.version);
  if (!result.ok) throw result.refusal.error;
  return result.model;
}

describe('records mode topology (TopologyTestDriver, PaymentFeatures → Decision)', () => {
  const serdes = { input: avroBinarySerde<GenericRecord>(PaymentFeaturesSchema as never), output: avroBinarySerde<GenericRecord>(DecisionSchema as never) };
  const policy = { threshold: 0.5, criticalThreshold: 0.9, maxReasons: 3 };
  const START = Date.UTC(2026, 10, 24, 8);
  const NOW = Date.UTC(2026, 10, 24, 9);

  async function setup() {
    const live = new ModelHolder(await load(fraudModelBytes(), FRAUD_METADATA));
    const shadow = new ModelHolder(undefined);
    const registry = new Registry();
    const topology = buildRecordsTopology({
      serdes,
      topics: { input: 'fraud.payment-features', scores: 'fraud.decisions' },
      output: recordOutput(plan(OUTPUT)),
      model: live,
      shadow,
      policy,
      observer: { ...scoreMetrics(registry, FRAUD_METADATA), ...shadowMetrics(registry, policy.threshold) },
    });
    const d = new TopologyTestDriver(topology, { applicationId: 'fraud-score', startTime: NOW });
    return {
      d,
      live,
      shadow,
      registry,
      topology,
      input: d.createInputTopic<string, GenericRecord>('fraud.payment-features', { key: string(), value: serdes.input }),
      decisions: d.createOutputTopic<string, Decision>('fraud.decisions', { key: string(), value: serdes.output as never }),
      shadowDecisions: d.createOutputTopic<string, Decision>('fraud.decisions.shadow', { key: string(), value: serdes.output as never }),
    };
  }

  it('writes one Decision per payment: copied fields, the model risk, the decision by thresholds, keyed by the input key; no alerts topic', async () => {
    const { d, live, shadow, registry, topology, input, decisions } = await setup();
    expect(topology.describe('fraud-score')).not.toMatch(/alerts/);
    const payments = Array.from({ length: 120 }, (_, i) => payment(i, START));
    // One record keyed by something else than its cardId: the output key is the input record's key, not a field.
    for (const [i, p] of payments.entries()) await input.pipeInput(i === 7 ? 'another-key' : p.cardId, p as unknown as GenericRecord, p.eventTime.getTime());
    const out = decisions.readRecordsToList();
    expect(out).toHaveLength(payments.length);
    const counts = { APPROVE: 0, REVIEW: 0, DECLINE: 0 };
    out.forEach((r, i) => {
      const p = payments[i] as PaymentFeatures;
      const row = fraudRow(p);
      const risk = fraudRisk(row);
      expect(r.key).toBe(i === 7 ? 'another-key' : p.cardId);
      expect(r.timestamp).toBe(p.eventTime.getTime());
      expect(r.value.risk).toBeCloseTo(risk, 5);
      const decision = expectedDecision(r.value.risk, policy.threshold, policy.criticalThreshold);
      // The float32 graph and the double computation agree on the side of every threshold (none sits within 1e-5 of one).
      expect(expectedDecision(risk, policy.threshold, policy.criticalThreshold)).toBe(decision);
      counts[decision]++;
      expect(r.value).toEqual({
        paymentId: p.paymentId,
        cardId: p.cardId,
        merchantId: p.merchantId,
        amount: p.amount,
        currency: p.currency,
        eventTime: p.eventTime,
        risk: r.value.risk,
        decision,
        modelName: 'fraud-test',
        modelVersion: '1.0.0',
        features: Object.fromEntries(FRAUD_METADATA.features.map((f, j) => [f, row[j] as number])),
        scoredAt: new Date(NOW),
      });
    });
    // The stream exercises every decision.
    expect(counts.APPROVE).toBeGreaterThan(counts.REVIEW);
    expect(counts.REVIEW).toBeGreaterThan(0);
    expect(counts.DECLINE).toBeGreaterThan(0);
    const metrics = await registry.metrics();
    expect(metrics).toContain(`tributary_score_scores_total ${payments.length}`);
    expect(metrics).toContain(`tributary_score_alerts_total{severity="WARNING"} ${counts.REVIEW}`);
    expect(metrics).toContain(`tributary_score_alerts_total{severity="CRITICAL"} ${counts.DECLINE}`);
    d.close();
    await live.close();
    await shadow.close();
  });

  it('hot reload: a swapped model scores the next batches with its version; shadow: the candidate writes Decisions to <scores>.shadow', async () => {
    const { d, live, shadow, registry, input, decisions, shadowDecisions } = await setup();
    const p = (i: number) => payment(i, START) as unknown as GenericRecord;
    await input.pipeInput('card-000', p(0), 1);
    const v2Params = { ...FRAUD_PARAMS, bias: -1 };
    const v2: ModelMetadata = { ...FRAUD_METADATA, version: '2.0.0' };
    live.swap(await load(fraudModelBytes(v2, v2Params), v2));
    const candidateParams = { ...FRAUD_PARAMS, bias: 1 };
    const candidate: ModelMetadata = { ...FRAUD_METADATA, name: 'fraud-candidate', version: '0.1.0' };
    shadow.swap(await load(fraudModelBytes(candidate, candidateParams), candidate));
    await input.pipeInput('card-001', p(1), 2);
    const out = decisions.readValuesToList();
    expect(out.map((o) => o.modelVersion)).toEqual(['1.0.0', '2.0.0']);
    const row1 = fraudRow(payment(1, START));
    expect(out[1]?.risk).toBeCloseTo(fraudRisk(row1, v2Params), 5);
    const shadowOut = shadowDecisions.readRecordsToList();
    expect(shadowOut.map((r) => [r.key, r.value.paymentId, r.value.modelName, r.value.modelVersion])).toEqual([['card-001', 'pay-000001', 'fraud-candidate', '0.1.0']]);
    expect(shadowOut[0]?.value.risk).toBeCloseTo(fraudRisk(row1, candidateParams), 5);
    expect(shadowOut[0]?.value.decision).toBe(expectedDecision(shadowOut[0]?.value.risk ?? Number.NaN, 0.5, 0.9));
    expect(await registry.metrics()).toContain('tributary_score_shadow_scores_total 1');
    d.close();
    await live.close();
    await shadow.close();
  });

  it('remote model and drift: the same Decisions through the reference model server, and PSI per feature over the scored rows', async () => {
    const rows = Array.from({ length: 400 }, (_, i) => fraudRow(payment(i, START, 40)));
    // The model's training distribution: the stream itself, so the PSI is defined (and small).
    const metadata: ModelMetadata = { ...FRAUD_METADATA, featureDistribution: Object.fromEntries(FRAUD_METADATA.features.map((name, f) => [name, quantileBins(rows.map((r) => r[f] as number))])) };
    const local = await OnnxScorer.fromBytes(fraudModelBytes(), metadata, 'fraud test model');
    const server: Server = buildModelServer(local);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const remote = new RemoteScorer({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/models/${metadata.name}`, metadata });
    try {
      const registry = new Registry();
      const drift = FeatureDrift.forModel(metadata, 100);
      if (drift === undefined) throw new Error('the metadata has a feature distribution: drift is expected');
      const d = new TopologyTestDriver(
        buildRecordsTopology({
          serdes,
          topics: { input: 'fraud.payment-features', scores: 'fraud.decisions' },
          output: recordOutput(plan(OUTPUT)),
          scorer: remote,
          features: featuresForModel(metadata, featureOptions),
          policy,
          observer: scoreMetrics(registry, metadata, { drift }),
        }),
        { applicationId: 'fraud-score', startTime: NOW },
      );
      const input = d.createInputTopic<string, GenericRecord>('fraud.payment-features', { key: string(), value: serdes.input });
      const decisions = d.createOutputTopic<string, Decision>('fraud.decisions', { key: string(), value: serdes.output as never });
      for (let i = 0; i < rows.length; i++) {
        const p = payment(i, START, 40);
        await input.pipeInput(p.cardId, p as unknown as GenericRecord, i);
      }
      const out = decisions.readRecordsToList();
      expect(out).toHaveLength(rows.length);
      out.forEach((r, i) => {
        expect(r.key).toBe(payment(i, START, 40).cardId);
        expect(r.value.risk).toBeCloseTo(fraudRisk(rows[i] as number[]), 5);
        expect(r.value.decision).toBe(expectedDecision(r.value.risk, policy.threshold, policy.criticalThreshold));
      });
      const metrics = await registry.metrics();
      expect(metrics).toContain('tributary_score_drift_window_rows{model="fraud-test"} 100');
      for (const feature of FRAUD_METADATA.features) expect(metrics).toMatch(new RegExp(`tributary_score_feature_psi\\{model="fraud-test",feature="${feature}"\\} [0-9.e+-]+\\n`));
      d.close();
    } finally {
      await remote.release();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await local.release();
    }
  });
});
