import { randomUUID } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { avroSerde, type AvroSchema } from '@tributary/avro';
import { AlertSchema, RiskScoreSchema, type Alert, type RiskScore } from '@tributary/schemas';
import { DLQ_HEADERS } from '@tributary/streams';
import { createTestDatabase, type TestDatabase } from '@tributary/testing';
import { SchemaMappingError } from '../src/errors.js';
import { sinkMetrics } from '../src/metrics.js';
import { Sink } from '../src/sink.js';
import type { SinkTopicSpec } from '../src/config.js';
import {
  EventProducer,
  auditDuplicates,
  createTopic,
  endpoints,
  installAudit,
  registry,
  storedOffsets,
  testKafka,
  uniqueId,
  waitFor,
  waitForCaughtUp,
  waitForTable,
} from './support.js';

const kafka = testKafka();
const admin = kafka.admin();
let database: TestDatabase;
let db: pg.Pool;

beforeAll(async () => {
  await admin.connect();
  database = await createTestDatabase(endpoints.DATABASE_URL);
  db = new pg.Pool({ connectionString: database.url, max: 3 });
});
afterAll(async () => {
  await admin.disconnect();
  await db.end();
  await database.drop();
});

interface RunningSink {
  readonly sink: Sink;
  readonly lines: string[];
  readonly metrics: Registry;
}

async function startSink(groupId: string, schema: string, topics: SinkTopicSpec[]): Promise<RunningSink> {
  const lines: string[] = [];
  const metrics = new Registry();
  const sink = new Sink({
    groupId,
    topics,
    kafka: { brokers: [endpoints.KAFKA_BOOTSTRAP], clientId: groupId },
    registry,
    database: { connectionString: database.url },
    databaseSchema: schema,
    sessionTimeoutMs: 6_000,
    instrumentation: sinkMetrics(metrics),
    log: (level, message, fields) => lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`),
  });
  await sink.start();
  await waitFor(() => sink.ready, 60_000, () => `the sink to be ready:\n${lines.join('\n')}`);
  return { sink, lines, metrics };
}

/** The group's committed Kafka offsets of `topic`, per partition (-1: none). */
async function groupOffsets(groupId: string, topic: string): Promise<Map<number, bigint>> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((offsets?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
}

async function metricValue(metrics: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = (await metrics.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric as { values?: { labels: Record<string, string | number>; value: number }[] } | undefined)?.values ?? [];
  return values.find((v) => Object.entries(labels).every(([k, x]) => String(v.labels[k]) === x))?.value;
}

function riskScore(container: number, window: number, risk: number, modelVersion: string): RiskScore {
  const windowStart = new Date(Date.UTC(2024, 5, 1, 12, window));
  return {
    containerId: `MSCU${String(1_000_000 + container)}`,
    windowStart,
    windowEnd: new Date(windowStart.getTime() + 60_000),
    risk,
    horizonMinutes: 60,
    modelName: 'compressor-gbm',
    modelVersion,
    features: { coolingPowerSlopeKwPerMin: container / 10, temperatureMeanC: -18 + window / 100 },
    scoredAt: new Date(Date.UTC(2024, 5, 1, 13, window, 30)),
  };
}

describe('sink', () => {
  it('writes the cold-chain scores and alerts as rows equal to their records, upserts by key, and dead-letters what it cannot decode', async () => {
    const id = uniqueId();
    const scoresTopic = `coldchain.scores.${id}`;
    const alertsTopic = `coldchain.alerts.${id}`;
    const groupId = `sink-${id}`;
    await createTopic(admin, scoresTopic, 3);
    await createTopic(admin, alertsTopic, 1);
    const scoreSerde = avroSerde(RiskScoreSchema, { registry });
    const alertSerde = avroSerde(AlertSchema, { registry });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const sendScores = async (scores: RiskScore[]): Promise<void> => {
      const messages = await Promise.all(scores.map(async (s) => ({ key: s.containerId, value: await scoreSerde.serialize(s, { topic: scoresTopic, isKey: false }) })));
      await producer.send({ topic: scoresTopic, acks: -1, messages });
    };

    const scores = Array.from({ length: 60 }, (_, i) => riskScore(i % 6, Math.floor(i / 6), (i % 10) / 10, '1'));
    await sendScores(scores);
    const alerts: Alert[] = Array.from({ length: 5 }, (_, i) => ({
      alertId: randomUUID(),
      containerId: `MSCU${String(1_000_000 + i)}`,
      kind: i === 0 ? 'DOOR_OPEN' : 'COMPRESSOR_FAILURE_RISK',
      severity: i === 0 ? 'WARNING' : 'CRITICAL',
      message: `alert ${i}`,
      risk: i === 0 ? null : 0.9,
      modelName: i === 0 ? null : 'compressor-gbm',
      modelVersion: i === 0 ? null : '1',
      windowStart: new Date(Date.UTC(2024, 5, 1, 12, i)),
      windowEnd: new Date(Date.UTC(2024, 5, 1, 12, i + 1)),
      reasons: i === 0 ? [] : ['coolingPowerSlopeKwPerMin=0.4', 'temperatureSlopeCPerMin=0.1'],
      raisedAt: new Date(Date.UTC(2024, 5, 1, 12, i + 1, 5)),
    }));
    const alertMessages = await Promise.all(alerts.map(async (a) => ({ key: a.containerId, value: await alertSerde.serialize(a, { topic: alertsTopic, isKey: false }) })));
    // Offsets 0–1 alerts, 2 not Avro at all, 3 a null value, 4–6 alerts.
    await producer.send({
      topic: alertsTopic,
      acks: -1,
      messages: [...alertMessages.slice(0, 2), { key: 'x', value: Buffer.from('not avro'), headers: { origin: 'test' } }, { key: 'y', value: null }, ...alertMessages.slice(2)],
    });

    const schema = `scores_${id}`;
    const { sink, lines, metrics } = await startSink(groupId, schema, [
      { topic: scoresTopic, table: 'risk_scores', keyFields: ['containerId', 'windowStart', 'modelName'] },
      { topic: alertsTopic, table: 'alerts', keyFields: ['alertId'] },
    ]);
    try {
      await waitForCaughtUp(admin, db, schema, groupId, scoresTopic, 60_000, () => lines.join('\n'));
      await waitForCaughtUp(admin, db, schema, groupId, alertsTopic, 60_000, () => lines.join('\n'));

      const rows = await db.query(`SELECT * FROM "${schema}".risk_scores ORDER BY container_id, window_start`);
      const expected = [...scores].sort((a, b) => a.containerId.localeCompare(b.containerId) || a.windowStart.getTime() - b.windowStart.getTime());
      expect(rows.rows.map((r: Record<string, unknown>) => ({
        containerId: r['container_id'],
        windowStart: r['window_start'],
        windowEnd: r['window_end'],
        risk: r['risk'],
        horizonMinutes: r['horizon_minutes'],
        modelName: r['model_name'],
        modelVersion: r['model_version'],
        features: r['features'],
        scoredAt: r['scored_at'],
      }))).toEqual(expected);
      expect(new Set(rows.rows.map((r: { _topic: string }) => r._topic))).toEqual(new Set([scoresTopic]));

      const alertRows = await db.query(`SELECT * FROM "${schema}".alerts ORDER BY _offset`);
      expect(alertRows.rows.map((r: Record<string, unknown>) => [r['alert_id'], r['kind'], r['severity'], r['risk'], r['model_name'], r['reasons'], r['raised_at'], Number(r['_offset'])])).toEqual(
        alerts.map((a, i) => [a.alertId, a.kind, a.severity, a.risk, a.modelName, a.reasons, a.raisedAt, i < 2 ? i : i + 2]),
      );

      // The same keys again, with new values: still one row per key, holding the latest record.
      const updates = scores.map((s) => ({ ...s, risk: 1 - s.risk, modelVersion: '2' }));
      await sendScores(updates);
      await waitForCaughtUp(admin, db, schema, groupId, scoresTopic, 60_000, () => lines.join('\n'));
      const updated = await db.query<{ n: string; v1: string; min_offset: string }>(
        `SELECT count(*) AS n, count(*) FILTER (WHERE model_version = '1') AS v1, min(_offset) AS min_offset FROM "${schema}".risk_scores`,
      );
      expect(updated.rows[0]).toMatchObject({ n: '60', v1: '0' });
      const risks = await db.query<{ container_id: string; window_start: Date; risk: number }>(`SELECT container_id, window_start, risk FROM "${schema}".risk_scores`);
      for (const row of risks.rows) {
        const update = updates.find((u) => u.containerId === row.container_id && u.windowStart.getTime() === row.window_start.getTime());
        expect(row.risk).toBe(update?.risk);
      }

      // The record that is not Avro went to <group>.dlq, untouched, with the source and the error in its headers.
      const letters: { value: Buffer | null; headers: Record<string, string> }[] = [];
      const consumer = kafka.consumer({ groupId: `dlq-reader-${id}` });
      await consumer.connect();
      await consumer.subscribe({ topic: `${groupId}.dlq`, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          letters.push({ value: message.value, headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])) });
        },
      });
      await waitFor(() => letters.length >= 1, 30_000, 'the dead letter');
      await consumer.disconnect();
      expect(letters).toHaveLength(1);
      expect(letters[0]?.value?.toString()).toBe('not avro');
      expect(letters[0]?.headers).toMatchObject({
        origin: 'test',
        [DLQ_HEADERS.topic]: alertsTopic,
        [DLQ_HEADERS.partition]: '0',
        [DLQ_HEADERS.offset]: '2',
        [DLQ_HEADERS.errorClass]: 'UnknownMagicByte',
        [DLQ_HEADERS.taskId]: `${groupId}/${alertsTopic}-0`,
      });

      expect(await metricValue(metrics, 'tributary_sink_rows_written_total', { table: 'risk_scores' })).toBe(120);
      expect(await metricValue(metrics, 'tributary_sink_rows_written_total', { table: 'alerts' })).toBe(5);
      expect(await metricValue(metrics, 'tributary_sink_dlq_records_total', { topic: alertsTopic })).toBe(1);
      expect(await metricValue(metrics, 'tributary_sink_null_values_total', { topic: alertsTopic })).toBe(1);
      expect(await metricValue(metrics, 'tributary_sink_consumer_lag', { topic: alertsTopic, partition: '0' })).toBe(0);
    } finally {
      await producer.disconnect();
      await sink.stop();
    }
    expect(sink.state).toBe('stopped');
  });

  it('resumes from the offsets in the database, never from Kafka’s (which only mirror them), and skips aborted transactions: every record applied once', async () => {
    const id = uniqueId();
    const topic = `events.${id}`;
    const groupId = `sink-${id}`;
    const schema = `restart_${id}`;
    await createTopic(admin, topic, 4);
    const events = new EventProducer(kafka, topic, 40);
    const spec = [{ topic, table: 'events', keyFields: ['eventId'] }];
    await events.register();

    const first = await startSink(groupId, schema, spec);
    await waitForTable(db, schema, 'events', 30_000);
    await installAudit(db, schema, 'events');
    try {
      await events.produce(1_000);
      await events.produce(200, { abort: true });
      await events.produce(1_000);
      await waitForCaughtUp(admin, db, schema, groupId, topic, 60_000, () => first.lines.join('\n'));
      // The group's committed offsets follow sink_offsets while it runs (in the background, for the broker's view of its lag)…
      let seen = '';
      await waitFor(
        async () => {
          const [kafkaNow, storedNow] = await Promise.all([groupOffsets(groupId, topic), storedOffsets(db, schema, groupId, topic)]);
          seen = `Kafka ${JSON.stringify([...kafkaNow].map(String))}, database ${JSON.stringify([...storedNow].map(String))}`;
          return storedNow.size === 4 && [...storedNow].every(([p, next]) => kafkaNow.get(p) === next);
        },
        30_000,
        () => `the group's Kafka offsets to equal sink_offsets (${seen})\n${first.lines.join('\n')}`,
      );
    } finally {
      await first.sink.stop();
    }
    // …and equal them after a stop, which sends the last ones before leaving the group…
    const stored = await storedOffsets(db, schema, groupId, topic);
    expect([...stored.values()].every((next) => next > 0n)).toBe(true);
    expect(await groupOffsets(groupId, topic)).toEqual(stored);
    // …but the sink never reads them: reset to 0, replaying from there would apply everything twice.
    await admin.setOffsets({ groupId, topic, partitions: [0, 1, 2, 3].map((partition) => ({ partition, offset: '0' })) });

    await events.produce(1_000);
    const second = await startSink(groupId, schema, spec);
    try {
      await waitForCaughtUp(admin, db, schema, groupId, topic, 60_000, () => second.lines.join('\n'));
    } finally {
      await second.sink.stop();
    }
    const rows = await db.query<{ event_id: string; seq: string }>(`SELECT event_id, seq FROM "${schema}".events`);
    expect(rows.rows.map((r) => r.event_id).sort()).toEqual(events.committed.map((e) => e.eventId).sort());
    expect(rows.rowCount).toBe(3_000);
    expect(await auditDuplicates(db, schema)).toEqual([]);
    const audited = await db.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".sink_audit`);
    expect(audited.rows[0]?.n).toBe('3000');
  });

  it('adds a column when the topic’s schema gains a field, and refuses to start on a type change', async () => {
    const id = uniqueId();
    const topic = `evolving.${id}`;
    const groupId = `sink-${id}`;
    const schema = `evolve_${id}`;
    await createTopic(admin, topic, 1);
    const v1 = { type: 'record', name: 'Reading', namespace: 'io.tributary.test', fields: [{ name: 'sensorId', type: 'string' }, { name: 'value', type: 'double' }] };
    const v2 = { ...v1, fields: [...v1.fields, { name: 'batteryPct', type: ['null', 'double'], default: null }] };
    const v3 = { ...v1, fields: [v1.fields[0], { name: 'value', type: 'string' }] };
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const send = async (writer: object, values: Record<string, unknown>[]): Promise<void> => {
      const serde = avroSerde<Record<string, unknown>>(writer as AvroSchema, { registry });
      const messages = await Promise.all(values.map(async (v) => ({ key: String(v['sensorId']), value: await serde.serialize(v, { topic, isKey: false }) })));
      await producer.send({ topic, acks: -1, messages });
    };
    const spec = [{ topic, table: 'readings', keyFields: ['sensorId'] }];
    try {
      await send(v1, [{ sensorId: 'a', value: 1 }, { sensorId: 'b', value: 2 }]);
      const first = await startSink(groupId, schema, spec);
      await waitForCaughtUp(admin, db, schema, groupId, topic, 60_000, () => first.lines.join('\n'));
      await first.sink.stop();

      await send(v2, [{ sensorId: 'c', value: 3, batteryPct: 87.5 }]);
      const second = await startSink(groupId, schema, spec);
      await waitForCaughtUp(admin, db, schema, groupId, topic, 60_000, () => second.lines.join('\n'));
      await second.sink.stop();
      expect(second.lines.join('\n')).toContain('ADD COLUMN \\"battery_pct\\" double precision');
      const rows = await db.query(`SELECT sensor_id, value, battery_pct FROM "${schema}".readings ORDER BY sensor_id`);
      expect(rows.rows).toEqual([
        { sensor_id: 'a', value: 1, battery_pct: null },
        { sensor_id: 'b', value: 2, battery_pct: null },
        { sensor_id: 'c', value: 3, battery_pct: 87.5 },
      ]);
      const migrations = await db.query<{ schema_version: number; statements: string[] }>(
        `SELECT schema_version, statements FROM "${schema}".tributary_sink_migrations WHERE table_name = 'readings' ORDER BY id`,
      );
      expect(migrations.rows.map((m) => [m.schema_version, m.statements.length])).toEqual([
        [1, 1],
        [2, 1],
      ]);

      // A type change is a clear error at start, and changes nothing.
      await registry.setCompatibilityLevel(`${topic}-value`, 'NONE');
      await registry.register(`${topic}-value`, JSON.stringify(v3));
      const third = new Sink({
        groupId,
        topics: spec,
        kafka: { brokers: [endpoints.KAFKA_BOOTSTRAP] },
        registry,
        database: { connectionString: database.url },
        databaseSchema: schema,
      });
      const failed = await third.start().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failed).toBeInstanceOf(SchemaMappingError);
      expect(String(failed)).toMatch(/column value is double precision but field value now maps to text/);
      expect(third.healthy).toBe(false);
      const columns = await db.query(`SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = '"${schema}".readings'::regclass AND attname = 'value'`);
      expect(columns.rows).toEqual([{ t: 'double precision' }]);
    } finally {
      await producer.disconnect();
    }
  });

  it('fails to start, naming what is missing, when a topic or its schema does not exist', async () => {
    const id = uniqueId();
    const options = { groupId: `sink-${id}`, kafka: { brokers: [endpoints.KAFKA_BOOTSTRAP] }, registry, database: { connectionString: database.url } };
    const noTopic = new Sink({ ...options, topics: [{ topic: `absent.${id}`, table: 't', keyFields: ['eventId'] }] });
    await expect(noTopic.start()).rejects.toThrow(`topic absent.${id} not found`);
    await createTopic(admin, `unregistered.${id}`, 1);
    const noSchema = new Sink({ ...options, topics: [{ topic: `unregistered.${id}`, table: 't', keyFields: ['eventId'] }] });
    await expect(noSchema.start()).rejects.toThrow(`no schema registered under subject unregistered.${id}-value`);
  });
});
