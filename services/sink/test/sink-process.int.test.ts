/**
 * The sink as a service (src/main.ts in its own process), killed and frozen
 * mid-stream. Every test ends with the table checked against what was
 * committed to the topic, and with the audit trigger's record of every row
 * write: a record applied twice would show its (partition, offset) twice.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceProcess, createTestDatabase, type TestDatabase } from '@tributary/testing';
import { EventProducer, auditDuplicates, createTopic, endpoints, installAudit, testKafka, uniqueId, waitFor, waitForCaughtUp, waitForTable } from './support.js';

const kafka = testKafka();
const admin = kafka.admin();
let database: TestDatabase;
let db: pg.Pool;
const PARTITIONS = 4;

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

interface Setup {
  readonly topic: string;
  readonly groupId: string;
  readonly schema: string;
  readonly events: EventProducer;
  readonly env: Record<string, string>;
}

async function setup(name: string, table: string, key: string): Promise<Setup> {
  const id = uniqueId();
  const topic = `${name}.${id}`;
  const groupId = `sink-${name}-${id}`;
  const schema = `${name}_${id}`;
  await createTopic(admin, topic, PARTITIONS);
  const events = new EventProducer(kafka, topic, 40);
  await events.register();
  const env = {
    KAFKA_BROKERS: endpoints.KAFKA_BOOTSTRAP,
    SCHEMA_REGISTRY_URL: endpoints.SCHEMA_REGISTRY_URL,
    DATABASE_URL: database.url,
    DATABASE_SCHEMA: schema,
    GROUP_ID: groupId,
    SINK_TOPICS: `${topic}:${table}:${key}`,
    SESSION_TIMEOUT_MS: '6000',
    HTTP_PORT: '0',
    LOG_LEVEL: 'info',
  };
  return { topic, groupId, schema, events, env };
}

const sinkProcess = (env: Record<string, string>, name: string): ServiceProcess => new ServiceProcess({ entry: 'services/sink/src/main.ts', env, name });

/** The partitions a sink process last reported assigned (its `assigned` log line). */
function assignedPartitions(sink: ServiceProcess): string[] {
  for (let i = sink.lines.length - 1; i >= 0; i--) {
    const line = sink.lines[i] ?? '';
    if (!line.includes('"msg":"assigned"')) continue;
    try {
      return (JSON.parse(line) as { partitions?: string[] }).partitions ?? [];
    } catch {
      return [];
    }
  }
  return [];
}

async function rowsWritten(schema: string): Promise<number> {
  const result = await db.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".sink_audit`).catch(() => ({ rows: [{ n: '0' }] }));
  return Number(result.rows[0]?.n ?? 0);
}

describe('sink process', () => {
  it('killed (SIGKILL) three times mid-stream and cut off from the database once, leaves exactly one row per committed record, each applied once', async () => {
    const { topic, groupId, schema, events, env } = await setup('killed', 'events', 'eventId');
    let sink = sinkProcess(env, 'sink-1');
    const logs: string[] = [];
    try {
      await sink.ready();
      await waitForTable(db, schema, 'events', 30_000);
      await installAudit(db, schema, 'events');
      let producedAll = false;
      // +300 rows, or everything once the producer is done (on a fast run the earlier instances may have written nearly all of it).
      const progressed = async (before: number): Promise<boolean> => {
        const n = await rowsWritten(schema);
        return n >= before + 300 || (producedAll && n >= events.committed.length);
      };
      const flowing = (async () => {
        for (let round = 0; round < 24; round++) {
          await events.produce(400, { perTransaction: 100 });
          if (round === 10) await events.produce(150, { abort: true, perTransaction: 50 });
          await sleep(150);
        }
        producedAll = true;
      })();
      for (let kill = 1; kill <= 3; kill++) {
        // Kill only once this instance has written something, so each kill lands mid-stream.
        const before = await rowsWritten(schema);
        await waitFor(async () => await progressed(before), 120_000, () => `sink-${kill} to write rows:\n${sink.tail()}`);
        sink.kill('SIGKILL');
        await sink.exited;
        logs.push(sink.tail(20));
        sink = sinkProcess(env, `sink-${kill + 1}`);
        await sink.ready();
      }
      // The database drops the sink's connections mid-stream (a failover, an administrator): it retries from the stored offsets.
      const before = await rowsWritten(schema);
      await waitFor(async () => await progressed(before), 120_000, () => `the last instance to write rows:\n${sink.tail()}`);
      const cut = await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'tributary-sink %'`);
      expect(cut.rowCount).toBeGreaterThan(0);
      await waitFor(() => sink.lines.some((l) => /batch failed|idle database connection failed/.test(l)), 30_000, 'the sink to notice its lost connection');
      await flowing;
      await waitForCaughtUp(admin, db, schema, groupId, topic, 120_000, () => sink.tail());
      const url = await sink.url();
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/tributary_sink_rows_written_total\{table="events"[^}]*\} \d+/);
      expect(metrics).toMatch(/tributary_sink_transactions_total\{outcome="committed"[^}]*\} \d+/);
      expect(await sink.stop()).toMatchObject({ code: 0, killed: false });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- earlier instances:\n${logs.join('\n---\n')}\n--- last:\n${sink.tail()}`);
    } finally {
      sink.kill('SIGKILL');
    }
    const rows = await db.query<{ event_id: string }>(`SELECT event_id FROM "${schema}".events`);
    expect(rows.rowCount).toBe(events.committed.length);
    expect(new Set(rows.rows.map((r) => r.event_id))).toEqual(new Set(events.committed.map((e) => e.eventId)));
    expect(await auditDuplicates(db, schema)).toEqual([]);
    expect(await rowsWritten(schema)).toBe(events.committed.length);
  }, 600_000);

  it('a frozen sink (SIGSTOP) whose partitions moved cannot apply its stale batches when it wakes: every key ends at its latest record', async () => {
    const { topic, groupId, schema, events, env } = await setup('zombie', 'entities', 'entity');
    const a = sinkProcess(env, 'sink-a');
    let b: ServiceProcess | undefined;
    try {
      await a.ready();
      await waitForTable(db, schema, 'entities', 30_000);
      await installAudit(db, schema, 'entities');
      b = sinkProcess(env, 'sink-b');
      const second = b;
      await second.ready();
      await waitFor(() => assignedPartitions(a).length > 0 && assignedPartitions(a).length + assignedPartitions(second).length === PARTITIONS, 90_000, () => 'the sinks to share the partitions');
      const flowing = (async () => {
        for (let round = 0; round < 40; round++) {
          await events.produce(300, { perTransaction: 100 });
          await sleep(100);
        }
      })();
      const before = await rowsWritten(schema);
      await waitFor(async () => (await rowsWritten(schema)) > before + 200, 60_000, 'both sinks to write');
      a.kill('SIGSTOP');
      // After a's session times out, b gets every partition and resumes each from the offsets in the database.
      await waitFor(() => assignedPartitions(second).length === PARTITIONS, 90_000, () => `b to take every partition:\n${second.tail()}`);
      await sleep(3_000);
      a.kill('SIGCONT');
      await flowing;
      await waitForCaughtUp(admin, db, schema, groupId, topic, 120_000, () => `--- a:\n${a.tail()}\n--- b:\n${second.tail()}`);
      expect(await a.stop()).toMatchObject({ code: 0, killed: false });
      expect(await second.stop()).toMatchObject({ code: 0, killed: false });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- a:\n${a.tail()}\n--- b:\n${b?.tail() ?? ''}`);
    } finally {
      a.kill('SIGKILL');
      b?.kill('SIGKILL');
    }
    expect(await auditDuplicates(db, schema)).toEqual([]);
    const rows = await db.query<{ entity: string; seq: string; event_id: string }>(`SELECT entity, seq, event_id FROM "${schema}".entities`);
    const latest = events.latestPerEntity();
    expect(rows.rowCount).toBe(latest.size);
    for (const row of rows.rows) expect({ entity: row.entity, eventId: row.event_id, seq: Number(row.seq) }).toEqual({ entity: row.entity, eventId: latest.get(row.entity)?.eventId, seq: latest.get(row.entity)?.seq });
    // Whether the woken sink still had a batch in hand depends on where it froze; if it had, the fence refused it.
    const fenced = a.lines.filter((l) => l.includes('another writer got there first'));
    console.log(`zombie: ${fenced.length} stale batch(es) of the woken sink refused by the fence`);
  }, 600_000);
});
