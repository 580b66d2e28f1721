/**
 * The fraud pipeline's verdict: what it wrote (its four topics read
 * read_committed, the sink's `decisions` rows) against an independent
 * computation: the oracle's enriched payments and look-back features
 * (e2e/src/fraud/oracle.ts) over the payments as delivered to
 * fraud.payments, and the model evaluated here in TypeScript
 * (fraud-model.ts) with the version each decision names. Every check
 * returns problems as text lines naming the card, payment and field.
 *
 * Ingest is at-least-once across HTTP retries: a payment whose request was
 * retried after ingest died between the broker's ack and its answer is on
 * fraud.payments twice, and the aggregate counts it twice. So the oracle is
 * fed the payments as delivered (per card, in offset order), each delivered
 * record must have exactly one enriched, one features and one decision
 * record, in the same order per card; and the table holds one row per
 * payment, the last decision of it.
 */
import pg from 'pg';
import { RegistryClient, avroSerde, type TypedSchema } from '@tributary/avro';
import {
  DecisionSchema,
  EnrichedPaymentSchema,
  PaymentFeaturesSchema,
  PaymentSchema,
  type Cardholder,
  type Decision,
  type EnrichedPayment,
  type Payment,
  type PaymentFeatures,
} from '@tributary/schemas';
import { expectedEnriched, expectedFeatures } from '../../src/fraud/index.js';
import { FRAUD_TOPICS } from '../../src/pipeline/topics.js';
import { differences } from './compare.js';
import { FRAUD_DB_SCHEMA } from './fraud-fixture.js';
import { decisionOf, featureRow, riskOf, type LogisticModel } from './fraud-model.js';
import { readTopic } from './topic-reader.js';

/** A record as read from its topic. */
export interface Delivered<T> {
  readonly value: T;
  readonly partition: number;
  readonly offset: bigint;
}

/** A row of the sink's decisions table (the columns the checks read). */
export interface DecisionRow {
  readonly payment_id: string;
  readonly card_id: string;
  readonly model_name: string;
  readonly model_version: string;
  readonly risk: number;
  readonly decision: string;
  readonly features: Record<string, number>;
  readonly _partition: number;
  readonly _offset: string;
}

export interface FraudOutputs {
  readonly payments: Delivered<Payment>[];
  readonly enriched: Delivered<EnrichedPayment>[];
  readonly features: Delivered<PaymentFeatures>[];
  readonly decisions: Delivered<Decision>[];
  readonly rows: DecisionRow[];
}

async function readDecoded<T>(brokers: string, registry: RegistryClient, topic: string, schema: TypedSchema<T>): Promise<Delivered<T>[]> {
  const serde = avroSerde(schema, { registry, autoRegister: false });
  const out: Delivered<T>[] = [];
  for (const m of await readTopic(brokers, topic)) {
    if (m.value === null) continue;
    out.push({ value: await serde.deserialize(m.value, { topic, isKey: false }), partition: m.partition, offset: BigInt(m.offset) });
  }
  return out;
}

/** Reads the pipeline's four topics (every committed record now, per partition in offset order) and the decisions table. */
export async function readFraudOutputs(brokers: string, registryUrl: string, databaseUrl: string): Promise<FraudOutputs> {
  const registry = new RegistryClient({ url: registryUrl });
  const [payments, enriched, features, decisions] = await Promise.all([
    readDecoded(brokers, registry, FRAUD_TOPICS.payments, PaymentSchema),
    readDecoded(brokers, registry, FRAUD_TOPICS.enriched, EnrichedPaymentSchema),
    readDecoded(brokers, registry, FRAUD_TOPICS.features, PaymentFeaturesSchema),
    readDecoded(brokers, registry, FRAUD_TOPICS.decisions, DecisionSchema),
  ]);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const rows = (
      await db.query(
        `SELECT payment_id, card_id, model_name, model_version, risk, decision, features, _partition, _offset::text AS _offset FROM ${FRAUD_DB_SCHEMA}.decisions`,
      )
    ).rows as DecisionRow[];
    return { payments, enriched, features, decisions, rows };
  } finally {
    await db.end();
  }
}

/** True once the sink has written every committed record of fraud.decisions (its `sink_offsets` at each partition's last record + 1). */
export async function sinkCaughtUp(databaseUrl: string, decisions: readonly Delivered<Decision>[]): Promise<boolean> {
  const last = new Map<number, bigint>();
  for (const d of decisions) if (d.offset > (last.get(d.partition) ?? -1n)) last.set(d.partition, d.offset);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const result = await db.query(`SELECT partition, next_offset::text AS next FROM ${FRAUD_DB_SCHEMA}.sink_offsets WHERE topic = $1`, [FRAUD_TOPICS.decisions]);
    const next = new Map((result.rows as { partition: number; next: string }[]).map((r) => [r.partition, BigInt(r.next)]));
    return [...last].every(([partition, offset]) => (next.get(partition) ?? 0n) > offset);
  } finally {
    await db.end();
  }
}

export interface FraudExpectation {
  /** Every payment posted to ingest (each acknowledged). */
  readonly posted: readonly Payment[];
  readonly cardholders: readonly Cardholder[];
  /** The models decisions may name, by version. */
  readonly models: ReadonlyMap<string, LogisticModel>;
  readonly modelName: string;
  /** ALERT_THRESHOLD (REVIEW) and CRITICAL_THRESHOLD (DECLINE) of the score operator. */
  readonly review: number;
  readonly decline: number;
  /** When set: per partition of fraud.decisions, the versions in this order, each switch once (v1… then v2…). */
  readonly versionOrder?: readonly string[];
  /** FEATURE_NULL_VALUE of the score operator (default 0). */
  readonly nullValue?: number;
}

/** What the checks saw, for the test's own assertions (the data covered what it should). */
export interface FraudSummary {
  /** Records on fraud.payments beyond one per posted payment (HTTP retries after a lost answer). */
  readonly duplicates: number;
  readonly decisions: Readonly<Record<'APPROVE' | 'REVIEW' | 'DECLINE', number>>;
  /** Decision records per model version. */
  readonly versions: Readonly<Record<string, number>>;
  /** Per partition of fraud.decisions: its versions in order, consecutive repeats collapsed (e.g. `1.0.0 → 2.0.0`). */
  readonly switches: Readonly<Record<number, string>>;
  readonly unmatched: number;
  readonly rows: number;
}

const RISK_TOLERANCE = 1e-6;
const limit = (lines: string[], what: string): string[] => (lines.length > 20 ? [...lines.slice(0, 20), `… and ${lines.length - 20} more ${what}`] : lines);

/** Groups records by card, keeping their order; notes a card found on two partitions (its order would be undefined). */
function byCard<T extends { cardId: string }>(records: readonly Delivered<T>[], topic: string, problems: string[]): Map<string, Delivered<T>[]> {
  const out = new Map<string, Delivered<T>[]>();
  for (const r of records) {
    const list = out.get(r.value.cardId);
    if (list === undefined) out.set(r.value.cardId, [r]);
    else {
      if ((list[0] as Delivered<T>).partition !== r.partition) problems.push(`${topic}: card ${r.value.cardId} on partitions ${(list[0] as Delivered<T>).partition} and ${r.partition}`);
      list.push(r);
    }
  }
  return out;
}

/** Every problem found (empty when the outputs are exact), and a summary. */
export function checkFraudOutputs(outputs: FraudOutputs, expectation: FraudExpectation): { problems: string[]; summary: FraudSummary } {
  const problems: string[] = [];
  const nullValue = expectation.nullValue ?? 0;

  // 1. Ingest: every posted payment on fraud.payments, unchanged; nothing else.
  const posted = new Map(expectation.posted.map((p) => [p.paymentId, p]));
  const ingestProblems: string[] = [];
  const seen = new Map<string, number>();
  for (const d of outputs.payments) {
    seen.set(d.value.paymentId, (seen.get(d.value.paymentId) ?? 0) + 1);
    const p = posted.get(d.value.paymentId);
    if (p === undefined) ingestProblems.push(`fraud.payments ${d.partition}:${d.offset}: payment ${d.value.paymentId} was never posted`);
    else ingestProblems.push(...differences(d.value, p).map((x) => `fraud.payments ${d.value.paymentId}: ${x}`));
  }
  for (const id of posted.keys()) if (!seen.has(id)) ingestProblems.push(`fraud.payments: payment ${id} missing`);
  problems.push(...limit(ingestProblems, 'ingest problems'));

  // 2. The oracle over the payments as delivered (a card's records are on one partition, in offset order).
  const delivered = outputs.payments.map((d) => d.value);
  const oracleEnriched = expectedEnriched(delivered, expectation.cardholders);
  const oracleFeatures = expectedFeatures(delivered, expectation.cardholders);
  const expectedByCard = new Map<string, { enriched: EnrichedPayment; features: PaymentFeatures }[]>();
  oracleFeatures.forEach((features, i) => {
    const list = expectedByCard.get(features.cardId) ?? [];
    list.push({ enriched: oracleEnriched[i] as EnrichedPayment, features });
    expectedByCard.set(features.cardId, list);
  });
  byCard(outputs.payments, FRAUD_TOPICS.payments, problems);

  const compareSequence = <T extends { cardId: string; paymentId: string }>(topic: string, records: readonly Delivered<T>[], check: (actual: T, expected: { enriched: EnrichedPayment; features: PaymentFeatures }) => string[]): void => {
    const lines: string[] = [];
    const actual = byCard(records, topic, lines);
    for (const [card, expected] of expectedByCard) {
      const got = actual.get(card) ?? [];
      if (got.length !== expected.length) lines.push(`${topic}: card ${card} has ${got.length} records, expected ${expected.length} (one per delivered payment)`);
      for (let i = 0; i < Math.min(got.length, expected.length); i++) {
        const g = got[i] as Delivered<T>;
        const e = expected[i] as { enriched: EnrichedPayment; features: PaymentFeatures };
        if (g.value.paymentId !== e.features.paymentId) {
          lines.push(`${topic}: card ${card} record ${i} (${g.partition}:${g.offset}) is payment ${g.value.paymentId}, expected ${e.features.paymentId}`);
          break;
        }
        lines.push(...check(g.value, e).map((x) => `${topic} ${g.value.paymentId} (${g.partition}:${g.offset}): ${x}`));
      }
      actual.delete(card);
    }
    for (const [card, extra] of actual) lines.push(`${topic}: ${extra.length} records of card ${card}, which has no delivered payment`);
    problems.push(...limit(lines, `${topic} problems`));
  };

  // 3. Enriched: the join, per card in delivery order.
  compareSequence(FRAUD_TOPICS.enriched, outputs.enriched, (a, e) => differences(a, e.enriched));
  // 4. Features: the look-back features (sums compared with a relative tolerance: the aggregate adds in its own order).
  compareSequence(FRAUD_TOPICS.features, outputs.features, (a, e) => differences(a, e.features));
  // 5. Decisions: copied fields, the features the model saw, the risk of the version named, the decision by the thresholds.
  const counts = { APPROVE: 0, REVIEW: 0, DECLINE: 0 };
  const versions: Record<string, number> = {};
  compareSequence(FRAUD_TOPICS.decisions, outputs.decisions, (d, e) => {
    const lines: string[] = [];
    const f = e.features;
    lines.push(...differences({ paymentId: d.paymentId, cardId: d.cardId, merchantId: d.merchantId, amount: d.amount, currency: d.currency, eventTime: d.eventTime }, { paymentId: f.paymentId, cardId: f.cardId, merchantId: f.merchantId, amount: f.amount, currency: f.currency, eventTime: f.eventTime }));
    if (d.modelName !== expectation.modelName) lines.push(`modelName ${d.modelName}, expected ${expectation.modelName}`);
    counts[d.decision]++;
    versions[d.modelVersion] = (versions[d.modelVersion] ?? 0) + 1;
    const model = expectation.models.get(d.modelVersion);
    if (model === undefined) return [...lines, `modelVersion ${d.modelVersion} is none of ${[...expectation.models.keys()].join(', ')}`];
    const row = featureRow(model, f, nullValue);
    lines.push(...differences(d.features, Object.fromEntries(model.features.map((name, i) => [name, row[i] as number]))).map((x) => `features.${x}`));
    const risk = riskOf(model, row);
    if (!(Math.abs(d.risk - risk) <= RISK_TOLERANCE)) lines.push(`risk ${d.risk}, the model ${d.modelVersion} on the oracle's features gives ${risk}`);
    const decision = decisionOf(d.risk, expectation.review, expectation.decline);
    if (d.decision !== decision) lines.push(`decision ${d.decision} for risk ${d.risk}, expected ${decision} (REVIEW ≥ ${expectation.review}, DECLINE ≥ ${expectation.decline})`);
    return lines;
  });

  // 6. Hot reload: per partition of fraud.decisions, the versions in the given order, each switch once.
  const switches: Record<number, string> = {};
  const perPartition = new Map<number, string[]>();
  for (const d of outputs.decisions) {
    const runs = perPartition.get(d.partition) ?? [];
    if (runs[runs.length - 1] !== d.value.modelVersion) runs.push(d.value.modelVersion);
    perPartition.set(d.partition, runs);
  }
  for (const [partition, runs] of [...perPartition].sort((a, b) => a[0] - b[0])) {
    switches[partition] = runs.join(' → ');
    if (expectation.versionOrder !== undefined && runs.join(' → ') !== expectation.versionOrder.join(' → ')) {
      problems.push(`${FRAUD_TOPICS.decisions} partition ${partition}: versions ${runs.join(' → ')}, expected ${expectation.versionOrder.join(' → ')}`);
    }
  }

  // 7. Rows: one per posted payment (and model), the last decision record of it, its values.
  const rowProblems: string[] = [];
  const lastDecision = new Map<string, { record: Delivered<Decision>; features: PaymentFeatures }>();
  const decisionsByCard = byCard(outputs.decisions, FRAUD_TOPICS.decisions, []);
  for (const [card, expected] of expectedByCard) {
    (decisionsByCard.get(card) ?? []).forEach((record, i) => {
      const e = expected[i];
      if (e !== undefined && e.features.paymentId === record.value.paymentId) lastDecision.set(record.value.paymentId, { record, features: e.features });
    });
  }
  const rows = new Map<string, DecisionRow>();
  for (const row of outputs.rows) {
    if (row.model_name !== expectation.modelName) rowProblems.push(`decisions row ${row.payment_id}: model_name ${row.model_name}`);
    else if (!posted.has(row.payment_id)) rowProblems.push(`decisions row ${row.payment_id}: not a posted payment`);
    else rows.set(row.payment_id, row);
  }
  for (const id of posted.keys()) {
    const row = rows.get(id);
    if (row === undefined) {
      rowProblems.push(`decisions: no row for payment ${id}`);
      continue;
    }
    const last = lastDecision.get(id);
    if (last === undefined) continue; // the topic checks above name it
    const { record } = last;
    if (`${row._partition}:${row._offset}` !== `${record.partition}:${record.offset}`) {
      rowProblems.push(`decisions row ${id}: from ${row._partition}:${row._offset}, the payment's last decision record is ${record.partition}:${record.offset}`);
    }
    const fromRow = { risk: row.risk, decision: row.decision, modelVersion: row.model_version, cardId: row.card_id, features: row.features };
    const fromRecord = { risk: record.value.risk, decision: record.value.decision, modelVersion: record.value.modelVersion, cardId: record.value.cardId, features: record.value.features };
    rowProblems.push(...differences(fromRow, fromRecord, '', { relative: 0, absolute: 0 }).map((x) => `decisions row ${id}: ${x}`));
    const model = expectation.models.get(row.model_version);
    if (model !== undefined) {
      const risk = riskOf(model, featureRow(model, last.features, nullValue));
      if (!(Math.abs(row.risk - risk) <= RISK_TOLERANCE)) rowProblems.push(`decisions row ${id}: risk ${row.risk}, the model ${row.model_version} on the oracle's features gives ${risk}`);
    }
  }
  if (outputs.rows.length !== posted.size) rowProblems.push(`decisions: ${outputs.rows.length} rows for ${posted.size} payments`);
  problems.push(...limit(rowProblems, 'row problems'));

  return {
    problems,
    summary: {
      duplicates: outputs.payments.length - seen.size,
      decisions: counts,
      versions,
      switches,
      unmatched: oracleEnriched.filter((e) => !e.matched).length,
      rows: outputs.rows.length,
    },
  };
}
