/**
 * The sink operator: Kafka topics → PostgreSQL tables, exactly once. Not a
 * StreamsApp: its output is a database, so its offsets live there too.
 *
 * - Start: check the topics, derive each table from its topic's latest
 *   registered schema and migrate (`migrations.ts`), create `<group>.dlq`,
 *   join the consumer group.
 * - Assignment (kafkajs' GROUP_JOIN; it has no revoke callback): pause every
 *   assigned partition at once, before the fetch loop sees it; read the next
 *   offsets from `sink_offsets` (never Kafka's committed offsets, which the
 *   sink does not write), seek there, resume. Ready from then on.
 * - Batch: kafkajs hands one partition's fetch at a time. It is accepted only
 *   if it was fetched from at or before the sink's position (else a seek has
 *   not taken effect yet, or retention deleted records: see `#checkGap`),
 *   decoded, and written by `BatchWriter` in one transaction with the offset,
 *   behind the offset-row fence.
 * - Failures: a transient one pauses the partition and retries it from its
 *   position after a backoff; anything else fails the sink (`healthy` false).
 * - Kafka's committed offsets: after each committed transaction the same
 *   next offsets are committed to the group too, best-effort and in the
 *   background (`group-offsets.ts`), only so that the broker's view (lag
 *   exporter, kafka-consumer-groups.sh) shows the sink's progress. The sink
 *   never reads them: it resumes from `sink_offsets`.
 * - Stop: stop fetching, let the open transaction finish, send the last
 *   offsets to the group, leave the group.
 */
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaConfig } from 'kafkajs';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { avroSerde, type RegistryClient } from '@tributary/avro';
import { errorMessage, isRetriableKafkaError, kafkajs } from '@tributary/streams';
import { BatchWriter } from './batch-writer.js';
import { tableLayout } from './columns.js';
import type { SinkTopicSpec } from './config.js';
import { DeadLetterProducer } from './dead-letters.js';
import { RecordDecoder } from './decoder.js';
import { MissingSchemaError, MissingTopicError } from './errors.js';
import { backoffMs, isTransient } from './failures.js';
import { GroupOffsetMirror } from './group-offsets.js';
import type { SinkInstrumentation } from './instrumentation.js';
import { migrate, type TableSource } from './migrations.js';
import { OffsetStore, type PartitionStart } from './offsets.js';
import { UpsertStatement } from './upsert.js';

export type SinkLog = (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface SinkOptions {
  /** Consumer group; also the `consumer_group` of the sink's rows in `sink_offsets` and the prefix of `<group>.dlq`. */
  readonly groupId: string;
  readonly topics: readonly SinkTopicSpec[];
  readonly kafka: KafkaConfig;
  readonly registry: RegistryClient;
  /** `pg` pool settings (connection string, TLS). */
  readonly database: pg.PoolConfig;
  /** PostgreSQL schema of every table (default `public`). */
  readonly databaseSchema?: string;
  /** Consumer session timeout (default 10 s). */
  readonly sessionTimeoutMs?: number;
  /** Replication factor of `<group>.dlq` when the sink creates it (default 1). */
  readonly dlqReplicationFactor?: number;
  /** Rows per upsert statement (default 5,000). */
  readonly chunkRows?: number;
  readonly instrumentation?: SinkInstrumentation;
  readonly log?: SinkLog;
}

export type SinkState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

interface TopicWriter {
  readonly decoder: RecordDecoder;
  readonly statement: UpsertStatement;
}

interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/**
 * A transaction left open by a frozen process holds its offset row's lock;
 * PostgreSQL ends such a session after this long idle in the transaction, so
 * the partition's next owner waits at most this long (the sink itself never
 * leaves a transaction idle: it sends the next statement at once).
 */
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 15_000;
/** Heartbeats while a batch's transaction runs, so a long write (or a wait for a zombie's lock) keeps the group membership. */
const HEARTBEAT_EVERY_MS = 1_000;

const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

export class Sink {
  readonly groupId: string;
  readonly schema: string;
  readonly #options: SinkOptions;
  readonly #log: SinkLog;
  readonly #instrumentation: SinkInstrumentation;
  readonly #offsets: OffsetStore;
  readonly #kafka: Kafka;
  #pool: pg.Pool | undefined;
  #admin: Admin | undefined;
  #consumer: Consumer | undefined;
  #deadLetters: DeadLetterProducer | undefined;
  #writer: BatchWriter | undefined;
  readonly #writers = new Map<string, TopicWriter>();
  /** Informational copy of the stored offsets in the Kafka group (never read back). */
  readonly #groupOffsets: GroupOffsetMirror;

  /** Per assigned partition: the next offset the sink believes is stored (where its next batch must begin). */
  readonly #positions = new Map<string, bigint>();
  /** Per partition: [position, skipTo) is known to hold no data record (control records, aborted transactions, retention). */
  readonly #skipTo = new Map<string, bigint>();
  /** Consecutive transient failures per partition, until a batch commits. */
  readonly #attempts = new Map<string, number>();
  /** Partitions paused after a transient failure, with the timer of their retry. */
  readonly #waiting = new Map<string, NodeJS.Timeout>();
  /** Assignment steps and batches run through this chain, one at a time. */
  #chain: Promise<void> = Promise.resolve();
  #generation = 0;
  #assigned = false;
  #state: SinkState = 'created';
  #failure: unknown;
  #stopping: Promise<void> | undefined;
  readonly #abort = new AbortController();

  constructor(options: SinkOptions) {
    this.#options = options;
    this.groupId = options.groupId;
    this.schema = options.databaseSchema ?? 'public';
    this.#log = options.log ?? (() => undefined);
    this.#instrumentation = options.instrumentation ?? {};
    this.#offsets = new OffsetStore(this.schema, options.groupId);
    const { Kafka, logLevel } = kafkajs();
    this.#kafka = new Kafka({ logLevel: logLevel.NOTHING, ...options.kafka });
    this.#groupOffsets = new GroupOffsetMirror((error) => {
      this.#instrumentation.groupCommitFailed?.();
      // Rebalances and coordinator moves refuse commits routinely; the next batch commits again.
      this.#log(isRetriableKafkaError(error) ? 'debug' : 'warn', `informational Kafka offset commit failed: ${errorMessage(error)}`);
    });
  }

  get state(): SinkState {
    return this.#state;
  }

  /** Assigned, and every assigned partition seeked to its stored offset. */
  get ready(): boolean {
    return this.#state === 'running' && this.#assigned;
  }

  get healthy(): boolean {
    return this.#state !== 'failed';
  }

  /** The error that failed the sink, if it failed. */
  get failure(): unknown {
    return this.#failure;
  }

  /** Prepares topics and tables, then joins the group. Fails (and cleans up) on a missing topic or schema, or a table that does not match. */
  async start(): Promise<void> {
    if (this.#state !== 'created') throw new Error(`start() called in state ${this.#state}`);
    this.#state = 'starting';
    try {
      await this.#prepare();
      await this.#join();
      this.#state = 'running';
    } catch (error) {
      this.#failure = error;
      this.#state = 'failed';
      await this.#shutdown();
      throw error;
    }
  }

  /** Stops fetching, lets the open transaction finish, leaves the group, closes connections. */
  async stop(): Promise<void> {
    if (this.#state === 'created') {
      this.#state = 'stopped';
      return;
    }
    if (this.#state === 'running' || this.#state === 'starting') this.#state = 'stopping';
    await this.#shutdown();
    if (this.#state === 'stopping') this.#state = 'stopped';
  }

  #shutdown(): Promise<void> {
    this.#stopping ??= this.#closeAll();
    return this.#stopping;
  }

  async #closeAll(): Promise<void> {
    this.#assigned = false;
    this.#generation += 1;
    this.#abort.abort();
    for (const timer of this.#waiting.values()) clearTimeout(timer);
    this.#waiting.clear();
    // While still a member: a commit after leaving the group would be refused.
    await this.#groupOffsets.flush();
    // kafkajs' stop waits for the batch in progress, whose transaction commits or rolls back (and #onBatch then flushes its offsets).
    await this.#consumer?.stop().catch(() => undefined);
    await this.#chain.catch(() => undefined);
    await this.#consumer?.disconnect().catch(() => undefined); // leaves the group
    await this.#deadLetters?.disconnect().catch(() => undefined);
    await this.#admin?.disconnect().catch(() => undefined);
    await this.#pool?.end().catch(() => undefined);
  }

  #fail(error: unknown): void {
    if (this.#stopping !== undefined || this.#state === 'failed') return;
    this.#failure = error;
    this.#state = 'failed';
    this.#log('error', `sink failed: ${errorMessage(error)}`, { error: errorMessage(error) });
    // Not awaited: this may run inside the chain, which shutdown waits for.
    void this.#shutdown();
  }

  #enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.#chain.then(work);
    this.#chain = next.catch(() => undefined);
    return next;
  }

  // ---- start ----------------------------------------------------------------

  async #prepare(): Promise<void> {
    const { topics, registry, groupId } = this.#options;
    const pool = new pg.Pool({
      max: 2,
      application_name: `tributary-sink ${groupId}`.slice(0, 63),
      idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
      ...this.#options.database,
    });
    // An idle pooled connection that drops must not crash the process; the next query reconnects.
    pool.on('error', (error) => this.#log('warn', `idle database connection failed: ${error.message}`));
    this.#pool = pool;

    this.#admin = this.#kafka.admin();
    await this.#admin.connect();
    const existing = new Set(await this.#admin.listTopics());
    const missing = topics.map((t) => t.topic).filter((t) => !existing.has(t));
    if (missing.length > 0) throw new MissingTopicError(missing);

    const sources: TableSource[] = [];
    const schemas = new Map<string, unknown>();
    for (const spec of topics) {
      const subject = `${spec.topic}-value`;
      const latest = await registry.latest(subject);
      if (latest === undefined) throw new MissingSchemaError(subject, registry.url);
      const schema = JSON.parse(latest.schema) as unknown;
      schemas.set(spec.topic, schema);
      sources.push({ layout: tableLayout(spec.table, schema as never, spec.keyFields), subject, schemaVersion: latest.version, schemaId: latest.id });
    }
    const applied = await migrate(pool, this.schema, sources);
    for (const m of applied) {
      if (m.statements.length > 0) this.#log('info', `migrated table ${this.schema}.${m.table} to schema version ${m.schemaVersion}`, { statements: m.statements });
    }
    for (const [i, spec] of topics.entries()) {
      const layout = (sources[i] as TableSource).layout;
      // Reads every record with the latest schema (Avro resolution), so the columns and the values agree.
      const serde = avroSerde<unknown>(schemas.get(spec.topic) as never, { registry, autoRegister: false });
      this.#writers.set(spec.topic, { decoder: new RecordDecoder(spec.topic, layout, serde), statement: new UpsertStatement(this.schema, layout) });
      // Every table's series from the start (at 0): an instance that has nothing left to write still exports it, and rate() sees the first rows.
      this.#instrumentation.rowsWritten?.(layout.table, 0);
    }

    this.#deadLetters = new DeadLetterProducer(this.#kafka, groupId);
    await this.#deadLetters.ensureTopic(this.#admin, this.#options.dlqReplicationFactor ?? 1);
    await this.#deadLetters.connect();
    this.#writer = new BatchWriter(pool, this.#offsets, this.#deadLetters, this.#options.chunkRows ?? 5_000);
  }

  async #join(): Promise<void> {
    const sessionTimeout = this.#options.sessionTimeoutMs ?? 10_000;
    const consumer = this.#kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      sessionTimeout,
      heartbeatInterval: Math.max(500, Math.floor(sessionTimeout / 10)),
      rebalanceTimeout: Math.max(30_000, sessionTimeout * 3),
      maxWaitTimeInMs: 500,
      allowAutoTopicCreation: false,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 5_000 },
    });
    this.#consumer = consumer;
    consumer.on(consumer.events.REBALANCING, () => {
      this.#assigned = false;
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => this.#onAssignment(payload.memberAssignment));
    consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => this.#onFetched(payload));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.#log('warn', `consumer crashed: ${errorMessage(payload.error)}`, { restart: payload.restart });
      if (!payload.restart) this.#fail(payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: this.#options.topics.map((t) => t.topic), fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async (payload) => await this.#onBatch(payload),
    });
  }

  // ---- assignment -----------------------------------------------------------

  /**
   * Called synchronously by kafkajs after every join with this member's new
   * assignment: pauses the partitions before anything is fetched, then (in
   * the chain, after the batch in progress) seeks them to the offsets stored
   * in the database and resumes them.
   */
  #onAssignment(assignment: Record<string, number[]>): void {
    const consumer = this.#consumer;
    if (consumer === undefined || this.#stopping !== undefined) return;
    const generation = ++this.#generation;
    this.#assigned = false;
    const ours = new Set(this.#options.topics.map((t) => t.topic));
    const pairs = Object.entries(assignment)
      .filter(([topic, partitions]) => ours.has(topic) && partitions.length > 0)
      .map(([topic, partitions]) => ({ topic, partitions }));
    if (pairs.length > 0) consumer.pause(pairs);
    const partitions = pairs.flatMap(({ topic, partitions: ps }) => ps.map((partition) => ({ topic, partition })));
    void this.#enqueue(async () => {
      try {
        await this.#applyAssignment(generation, partitions);
      } catch (error) {
        this.#log('error', `assignment failed: ${errorMessage(error)}`);
        this.#fail(error);
      }
    });
  }

  async #applyAssignment(generation: number, partitions: readonly TopicPartition[]): Promise<void> {
    const stale = (): boolean => generation !== this.#generation || this.#stopping !== undefined;
    if (stale()) return;
    const wanted = new Set(partitions.map((p) => tpKey(p.topic, p.partition)));
    for (const key of [...this.#positions.keys()]) if (!wanted.has(key)) this.#forget(key);
    // Partitions waiting for a retry are resumed below like the others.
    for (const timer of this.#waiting.values()) clearTimeout(timer);
    this.#waiting.clear();

    // Kept partitions are re-read too: the database, not memory, says where each one stands.
    let resumed: Awaited<ReturnType<OffsetStore['resume']>> | undefined;
    for (let attempt = 1; resumed === undefined; attempt++) {
      if (stale()) return;
      try {
        resumed = await this.#offsets.resume(this.#pool as pg.Pool, await this.#logStarts(partitions));
      } catch (error) {
        if (!isTransient(error)) throw error;
        const delay = backoffMs(attempt);
        this.#log('warn', `reading stored offsets failed (${errorMessage(error)}); retrying in ${Math.round(delay)} ms`);
        await sleep(delay, undefined, { signal: this.#abort.signal }).catch(() => undefined);
      }
    }
    if (stale()) return;
    const consumer = this.#consumer as Consumer;
    for (const r of resumed) {
      const key = tpKey(r.topic, r.partition);
      if (r.stored !== undefined && r.stored < r.next) this.#lost(r.topic, r.partition, r.stored, r.next);
      this.#positions.set(key, r.next);
      this.#skipTo.delete(key);
      consumer.seek({ topic: r.topic, partition: r.partition, offset: r.next.toString() });
    }
    const byTopic = new Map<string, number[]>();
    for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    if (byTopic.size > 0) consumer.resume([...byTopic].map(([topic, ps]) => ({ topic, partitions: ps })));
    this.#assigned = true;
    this.#instrumentation.partitionsAssigned?.(partitions.length);
    this.#log('info', 'assigned', {
      partitions: resumed.map((r) => `${r.topic}-${r.partition}@${r.next}`),
    });
  }

  #forget(key: string): void {
    this.#positions.delete(key);
    this.#skipTo.delete(key);
    this.#attempts.delete(key);
    const [topic = '', partition = '0'] = key.split('\u0000');
    this.#groupOffsets.forget(topic, Number(partition));
    this.#instrumentation.partitionRevoked?.(topic, Number(partition));
  }

  async #logStarts(partitions: readonly TopicPartition[]): Promise<PartitionStart[]> {
    const starts: PartitionStart[] = [];
    for (const topic of new Set(partitions.map((p) => p.topic))) {
      const offsets = await (this.#admin as Admin).fetchTopicOffsets(topic);
      for (const p of partitions) {
        if (p.topic !== topic) continue;
        const found = offsets.find((o) => o.partition === p.partition);
        starts.push({ topic, partition: p.partition, logStart: BigInt(found?.low ?? '0') });
      }
    }
    return starts;
  }

  #lost(topic: string, partition: number, from: bigint, to: bigint): void {
    this.#log('warn', `records ${from}..${to - 1n} of ${topic}-${partition} were deleted by retention before the sink wrote them`, { topic, partition });
    this.#instrumentation.recordsLost?.(topic, partition, Number(to - from));
  }

  // ---- batches --------------------------------------------------------------

  /**
   * kafkajs skips a fetch that held only control records or aborted
   * transactions without calling eachBatch, and moves its own position past
   * them. Such a fetch began at or before its first offset; when that is at
   * or before the sink's reach, everything up to its last offset is known to
   * hold no data, so the next batch may begin after it.
   */
  #onFetched(payload: { topic: string; partition: number; batchSize: number; firstOffset: string | null; lastOffset: string }): void {
    if (payload.batchSize !== 0 || payload.firstOffset === null) return;
    const key = tpKey(payload.topic, payload.partition);
    const position = this.#positions.get(key);
    if (position === undefined) return;
    const reach = max(position, this.#skipTo.get(key) ?? position);
    if (BigInt(payload.firstOffset) <= reach) this.#skipTo.set(key, max(reach, BigInt(payload.lastOffset) + 1n));
  }

  async #onBatch(payload: EachBatchPayload): Promise<void> {
    if (this.#stopping !== undefined || !payload.isRunning() || payload.isStale()) return;
    const generation = this.#generation;
    const beat = setInterval(() => void payload.heartbeat().catch(() => undefined), HEARTBEAT_EVERY_MS);
    try {
      await this.#enqueue(async () => {
        try {
          await this.#handleBatch(payload, generation);
        } catch (error) {
          this.#batchFailed(payload.batch.topic, payload.batch.partition, error);
        }
      });
    } finally {
      clearInterval(beat);
    }
    // Stopping: kafkajs leaves the group once this returns, so the last offsets go now.
    if (this.#stopping !== undefined) await this.#groupOffsets.flush();
    await payload.heartbeat().catch(() => undefined);
  }

  async #handleBatch(payload: EachBatchPayload, generation: number): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    const key = tpKey(topic, partition);
    const position = this.#positions.get(key);
    // Not seeked yet, revoked meanwhile, or waiting for a retry: not ours to write now.
    if (generation !== this.#generation || this.#stopping !== undefined || position === undefined || this.#waiting.has(key) || payload.isStale()) return;
    const writer = this.#writers.get(topic);
    const consumer = this.#consumer as Consumer;
    if (writer === undefined) return;

    const fetched = BigInt((batch as unknown as { fetchedOffset: string }).fetchedOffset);
    if (fetched > max(position, this.#skipTo.get(key) ?? position) && !(await this.#checkGap(topic, partition, position, fetched))) {
      // Fetched from beyond our position (before our seek took effect): records in between would be missed.
      consumer.seek({ topic, partition, offset: position.toString() });
      return;
    }
    const to = BigInt(batch.lastOffset()) + 1n;
    if (to <= position) {
      consumer.seek({ topic, partition, offset: position.toString() });
      return;
    }
    const messages = batch.messages.filter((m) => BigInt(m.offset) >= position);
    if (messages.length === 0) {
      // [position, to) holds only control records: nothing to write.
      this.#skipTo.set(key, max(to, this.#skipTo.get(key) ?? to));
      payload.resolveOffset(batch.lastOffset());
      return;
    }

    const started = performance.now();
    const decoded = await writer.decoder.decode(messages);
    const outcome = await (this.#writer as BatchWriter).write(writer.statement, { topic, partition, from: position, to, ...decoded });
    const seconds = (performance.now() - started) / 1000;
    const instrumentation = this.#instrumentation;
    if (!outcome.applied) {
      instrumentation.transaction?.('fenced', seconds);
      await this.#fenced(topic, partition, position, outcome.stored);
      return;
    }
    this.#positions.set(key, to);
    this.#skipTo.delete(key);
    this.#attempts.delete(key);
    payload.resolveOffset(batch.lastOffset());
    // After the database commit, never instead of it: informational, cannot fail the batch (see group-offsets.ts).
    this.#groupOffsets.offer(topic, partition, to, async (offsets) => await payload.commitOffsetsIfNecessary(offsets));
    instrumentation.transaction?.('committed', seconds);
    instrumentation.recordsConsumed?.(topic, partition, messages.length);
    instrumentation.rowsWritten?.(writer.decoder.layout.table, outcome.rowsWritten);
    if (outcome.deadLetters.length > 0) {
      instrumentation.deadLettered?.(topic, outcome.deadLetters.length);
      this.#log('warn', `${outcome.deadLetters.length} record(s) of ${topic}-${partition} sent to ${(this.#deadLetters as DeadLetterProducer).topic}`, {
        offsets: outcome.deadLetters,
      });
    }
    if (decoded.nullValues > 0) instrumentation.nullValues?.(topic, decoded.nullValues);
    instrumentation.lag?.(topic, partition, Math.max(0, Number(BigInt(batch.highWatermark) - to)));
  }

  /**
   * A batch fetched beyond the position is legitimate only when retention
   * deleted the records in between (kafkajs then restarts from the log
   * start): those are gone, so the sink moves on past them.
   */
  async #checkGap(topic: string, partition: number, position: bigint, fetched: bigint): Promise<boolean> {
    const [start] = await this.#logStarts([{ topic, partition }]);
    const logStart = start?.logStart ?? 0n;
    if (logStart <= position || fetched > logStart) return false;
    this.#lost(topic, partition, position, logStart);
    this.#skipTo.set(tpKey(topic, partition), logStart);
    return true;
  }

  /** Another writer moved the partition's offset (we were a zombie, or it is rebalancing): continue from where it really stands. */
  async #fenced(topic: string, partition: number, position: bigint, stored: bigint | undefined): Promise<void> {
    const key = tpKey(topic, partition);
    let next = stored;
    if (next === undefined) {
      // Its row is gone (deleted by hand): start it again like a new partition.
      const [resumed] = await this.#offsets.resume(this.#pool as pg.Pool, await this.#logStarts([{ topic, partition }]));
      next = resumed?.next ?? 0n;
    }
    this.#log('warn', `${topic}-${partition}: stored offset is ${next}, not ${position}: another writer got there first; continuing from ${next}`, {
      topic,
      partition,
    });
    this.#positions.set(key, next);
    this.#skipTo.delete(key);
    this.#consumer?.seek({ topic, partition, offset: next.toString() });
  }

  /** Transient: pause the partition and retry from its position after a backoff. Anything else fails the sink. */
  #batchFailed(topic: string, partition: number, error: unknown): void {
    this.#instrumentation.transaction?.('failed', 0);
    if (!isTransient(error)) {
      this.#fail(error);
      return;
    }
    const key = tpKey(topic, partition);
    const attempts = (this.#attempts.get(key) ?? 0) + 1;
    this.#attempts.set(key, attempts);
    const delay = backoffMs(attempts);
    const generation = this.#generation;
    const consumer = this.#consumer as Consumer;
    consumer.pause([{ topic, partitions: [partition] }]);
    this.#log('warn', `${topic}-${partition}: batch failed (${errorMessage(error)}); retrying in ${Math.round(delay)} ms`, { attempts });
    clearTimeout(this.#waiting.get(key));
    const timer = setTimeout(() => {
      if (this.#waiting.get(key) !== timer) return;
      this.#waiting.delete(key);
      const position = this.#positions.get(key);
      // A newer assignment resumes its partitions itself.
      if (generation !== this.#generation || this.#stopping !== undefined || position === undefined) return;
      consumer.seek({ topic, partition, offset: position.toString() });
      consumer.resume([{ topic, partitions: [partition] }]);
    }, delay);
    timer.unref();
    this.#waiting.set(key, timer);
  }
}
