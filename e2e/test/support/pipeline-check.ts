/**
 * The end-to-end verdict: what the pipeline wrote (topics read_committed,
 * PostgreSQL rows) against what the dataset implies (the oracle's windows,
 * the model run on them). Each check returns problems as text lines, so a
 * failure says exactly which window is missing, doubled or wrong.
 */
import pg from 'pg';
import { RegistryClient, avroSerde } from '@tributary/avro';
import { EnrichedReadingSchema, RiskScoreSchema, WindowAggregateSchema, type WindowAggregate } from '@tributary/schemas';
import type { ExpectedWindows } from '../../src/oracle/index.js';
import { PIPELINE_TOPICS } from '../../src/pipeline/topics.js';
import { differences } from './compare.js';
import type { ExpectedScore } from './expected-scores.js';
import { readTopic } from './topic-reader.js';

const windowKey = (containerId: string, windowStart: number): string => `${containerId}@${new Date(windowStart).toISOString()}`;

export interface PipelineOutputs {
  readonly aggregates: WindowAggregate[];
  readonly late: { containerId: string; eventTime: number }[];
  readonly scoresOnTopic: { key: string; offset: number; partition: number }[];
  readonly scoreRows: { container_id: string; window_start: Date; risk: number; model_version: string; _partition: number; _offset: string }[];
  readonly alertRows: { alert_id: string; container_id: string; window_start: Date; risk: number | null }[];
  /** Distinct values on ingest's dead-letter topic (a retried refusal may be written twice). */
  readonly refused: Set<string>;
}

export async function readOutputs(brokers: string, registryUrl: string, databaseUrl: string, schema = 'public'): Promise<PipelineOutputs> {
  const registry = new RegistryClient({ url: registryUrl });
  const aggregateSerde = avroSerde(WindowAggregateSchema, { registry, autoRegister: false });
  const enrichedSerde = avroSerde(EnrichedReadingSchema, { registry, autoRegister: false });
  const scoreSerde = avroSerde(RiskScoreSchema, { registry, autoRegister: false });
  const decode = async <T>(serde: { deserialize(b: Buffer, c: { topic: string; isKey: boolean }): T | Promise<T> }, topic: string, value: Buffer | null) =>
    await serde.deserialize(value as Buffer, { topic, isKey: false });

  const aggregates = await Promise.all((await readTopic(brokers, PIPELINE_TOPICS.aggregates)).map(async (m) => await decode(aggregateSerde, PIPELINE_TOPICS.aggregates, m.value)));
  const late = await Promise.all(
    (await readTopic(brokers, 'coldchain-aggregate.late')).map(async (m) => {
      const r = await decode(enrichedSerde, PIPELINE_TOPICS.enriched, m.value);
      return { containerId: r.containerId, eventTime: r.eventTime.getTime() };
    }),
  );
  const scoresOnTopic = await Promise.all(
    (await readTopic(brokers, PIPELINE_TOPICS.scores)).map(async (m) => {
      const s = await decode(scoreSerde, PIPELINE_TOPICS.scores, m.value);
      return { key: windowKey(s.containerId, s.windowStart.getTime()), offset: m.offset, partition: m.partition };
    }),
  );
  const refused = new Set((await readTopic(brokers, PIPELINE_TOPICS.ingestDlq)).map((m) => m.value?.toString() ?? ''));
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const scoreRows = (await db.query(`SELECT container_id, window_start, risk, model_version, _partition, _offset::text AS _offset FROM ${schema}.risk_scores`)).rows as PipelineOutputs['scoreRows'];
    const alertRows = (await db.query(`SELECT alert_id, container_id, window_start, risk FROM ${schema}.alerts`)).rows as PipelineOutputs['alertRows'];
    return { aggregates, late, scoresOnTopic, scoreRows, alertRows, refused };
  } finally {
    await db.end();
  }
}

/** Every problem found, empty when the outputs are exact. */
export function checkOutputs(outputs: PipelineOutputs, expected: ExpectedWindows, scores: readonly ExpectedScore[], alertThreshold: number): string[] {
  const problems: string[] = [];
  const limit = (lines: string[], what: string) => (lines.length > 20 ? [...lines.slice(0, 20), `… and ${lines.length - 20} more ${what}`] : lines);

  // Window aggregates on their topic: each expected window exactly once, with the oracle's values.
  const byWindow = new Map<string, WindowAggregate[]>();
  for (const a of outputs.aggregates) {
    const key = windowKey(a.containerId, a.windowStart.getTime());
    byWindow.set(key, [...(byWindow.get(key) ?? []), a]);
  }
  const aggregateProblems: string[] = [];
  for (const e of expected.aggregates) {
    const key = windowKey(e.containerId, e.windowStart.getTime());
    const found = byWindow.get(key) ?? [];
    if (found.length !== 1) aggregateProblems.push(`aggregate ${key}: ${found.length} records (expected 1)`);
    else aggregateProblems.push(...differences(found[0], e).map((d) => `aggregate ${key}: ${d}`));
    byWindow.delete(key);
  }
  for (const [key, extra] of byWindow) aggregateProblems.push(`aggregate ${key}: ${extra.length} unexpected record(s)`);
  problems.push(...limit(aggregateProblems, 'aggregate problems'));

  // Late readings: the oracle's late set (a duplicate of a late reading may be routed twice; the set must match).
  const lateKey = (r: { containerId: string; eventTime: number }) => `${r.containerId}@${r.eventTime}`;
  const lateSeen = new Set(outputs.late.map(lateKey));
  const lateExpected = new Set(expected.late.map((r) => lateKey({ containerId: r.containerId, eventTime: r.eventTime.getTime() })));
  const missingLate = [...lateExpected].filter((k) => !lateSeen.has(k));
  const extraLate = [...lateSeen].filter((k) => !lateExpected.has(k));
  if (missingLate.length > 0) problems.push(`late topic misses ${missingLate.length} late readings, e.g. ${missingLate.slice(0, 3).join(', ')}`);
  if (extraLate.length > 0) problems.push(`late topic has ${extraLate.length} readings that were on time, e.g. ${extraLate.slice(0, 3).join(', ')}`);

  // Malformed readings: refused by ingest and kept on its dead-letter topic.
  if (outputs.refused.size !== expected.malformed) problems.push(`ingest DLQ holds ${outputs.refused.size} distinct refused records, expected ${expected.malformed}`);

  // Scores topic: one committed score per window.
  const scoreCounts = new Map<string, number>();
  for (const s of outputs.scoresOnTopic) scoreCounts.set(s.key, (scoreCounts.get(s.key) ?? 0) + 1);
  const scoreTopicProblems = [...scoreCounts].filter(([, n]) => n !== 1).map(([k, n]) => `scores topic: ${k} ${n} times`);
  if (outputs.scoresOnTopic.length !== expected.aggregates.length) scoreTopicProblems.push(`scores topic: ${outputs.scoresOnTopic.length} records, expected ${expected.aggregates.length}`);
  problems.push(...limit(scoreTopicProblems, 'score topic problems'));

  // risk_scores rows: exactly the expected windows, the model's risk, each from one record of the scores topic.
  const rows = new Map(outputs.scoreRows.map((r) => [windowKey(r.container_id, r.window_start.getTime()), r]));
  const rowProblems: string[] = [];
  if (rows.size !== outputs.scoreRows.length) rowProblems.push(`risk_scores: ${outputs.scoreRows.length - rows.size} duplicate rows`);
  const topicOffsets = new Set(outputs.scoresOnTopic.map((s) => `${s.partition}:${s.offset}`));
  for (const s of scores) {
    const key = windowKey(s.containerId, s.windowStart);
    const row = rows.get(key);
    if (row === undefined) {
      rowProblems.push(`risk_scores: no row for ${key}`);
      continue;
    }
    if (Math.abs(row.risk - s.risk) > 1e-5) rowProblems.push(`risk_scores ${key}: risk ${row.risk} vs ${s.risk}`);
    if (!topicOffsets.has(`${row._partition}:${row._offset}`)) rowProblems.push(`risk_scores ${key}: from offset ${row._partition}:${row._offset}, not a committed record of the scores topic`);
    rows.delete(key);
  }
  for (const key of rows.keys()) rowProblems.push(`risk_scores: unexpected row ${key}`);
  problems.push(...limit(rowProblems, 'row problems'));

  // alerts rows: exactly the windows at or above the threshold.
  const alertWindows = new Map(outputs.alertRows.map((r) => [windowKey(r.container_id, r.window_start.getTime()), r]));
  const alertProblems: string[] = [];
  if (alertWindows.size !== outputs.alertRows.length) alertProblems.push(`alerts: ${outputs.alertRows.length - alertWindows.size} duplicate rows for one window`);
  for (const s of scores.filter((x) => x.risk >= alertThreshold)) {
    const key = windowKey(s.containerId, s.windowStart);
    if (!alertWindows.delete(key)) alertProblems.push(`alerts: no alert for ${key} (risk ${s.risk})`);
  }
  for (const [key, r] of alertWindows) alertProblems.push(`alerts: unexpected alert ${key} (risk ${String(r.risk)})`);
  problems.push(...limit(alertProblems, 'alert problems'));
  return problems;
}
