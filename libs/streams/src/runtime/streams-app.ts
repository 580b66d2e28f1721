import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { TaskFailedError, TaskMigratedError, errorMessage, isProgrammerError, isRetriable } from '../errors.js';
import { kafkajs } from '../kafka/kafkajs.js';
import { PartitionReader } from '../kafka/partition-reader.js';
import type { StateStore } from '../state/state-store.js';
import { DLQ_HEADERS, deadLetterTopic } from '../task/dead-letter.js';
import { StreamTask } from '../task/stream-task.js';
import { resolveTopic, type Topology } from '../topology/topology.js';
import { restoreTask } from './changelog-restorer.js';
import { resolveConfig, type ResolvedStreamsConfig, type StreamsConfig } from './config.js';
import { GlobalStateManager } from './global-state-manager.js';
import type { StreamsState } from './instrumentation.js';
import { isFenced, isRetriableKafkaError } from './kafka-errors.js';
import { prepareTopics, type SubTopologyPartitions } from './topic-manager.js';
import { AtLeastOnceTaskWriter, TransactionalTaskWriter, type TaskWriter } from './task-writer.js';

type TaskStatus = 'restoring' | 'running' | 'suspended' | 'closed';

interface TaskEntry {
  readonly task: StreamTask;
  readonly writer: TaskWriter;
  status: TaskStatus;
  /** All work on a task (batches, commits, rebalance steps) runs through this chain, one at a time. */
  chain: Promise<void>;
  commitQueued: boolean;
  failures: number;
  /** Offset each source partition was last seeked to, until a batch fetched from it arrives. */
  readonly awaitingSeek: Map<string, bigint>;
  lastCommit: number;
}

const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * Runs a topology on Kafka: one consumer in the group `applicationId`, one
 * `StreamTask` per assigned sub-topology partition, one transactional
 * producer per task. See the package README for the exactly-once design.
 */
export class StreamsApp {
  readonly topology: Topology;
  readonly config: ResolvedStreamsConfig;
  readonly #kafka: Kafka;
  #admin: Admin | undefined;
  #consumer: Consumer | undefined;
  #reader: PartitionReader | undefined;
  #globals: GlobalStateManager | undefined;
  #partitions: SubTopologyPartitions = new Map();
  readonly #tasks = new Map<string, TaskEntry>();
  /** Source topic-partition → task id. */
  readonly #taskByPartition = new Map<string, string>();
  #assignment: Promise<void> = Promise.resolve();
  #generation = 0;
  #timer: NodeJS.Timeout | undefined;
  #state: StreamsState = 'created';
  #failure: unknown;
  #sourceTopics: string[] = [];
  /** Set once shutdown began; every later step sees it and does nothing new. */
  #stopping: Promise<void> | undefined;

  constructor(topology: Topology, config: StreamsConfig) {
    this.topology = topology;
    this.config = resolveConfig(config);
    const { Kafka, logLevel } = kafkajs();
    this.#kafka = new Kafka({ logLevel: logLevel.NOTHING, ...this.config.kafka });
  }

  get state(): StreamsState {
    return this.#state;
  }

  /** The error that failed the app, if it failed. */
  get failure(): unknown {
    return this.#failure;
  }

  /** True when running and every assigned task has restored its state. */
  get ready(): boolean {
    return this.#state === 'running' && [...this.#tasks.values()].every((t) => t.status === 'running');
  }

  #setState(state: StreamsState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.config.instrumentation.stateChanged?.(state);
    this.config.log('info', `state ${state}`, { applicationId: this.config.applicationId });
  }

  /** Partition count (number of tasks in the group) of each sub-topology. */
  get subTopologyPartitions(): ReadonlyMap<number, number> {
    return this.#partitions;
  }

  /** Task ids this instance runs, with their status. */
  tasks(): { id: string; status: TaskStatus; partition: number }[] {
    return [...this.#tasks.values()].map((t) => ({ id: t.task.id, status: t.status, partition: t.task.partition }));
  }

  /** Committed (read-only) views of a store on this instance, per partition; global stores under partition -1. */
  localStores(name: string): Map<number, StateStore> {
    const result = new Map<number, StateStore>();
    const global = this.#globals?.stores.get(name);
    if (global !== undefined) result.set(-1, global);
    for (const entry of this.#tasks.values()) {
      const store = entry.task.stores.get(name) as (StateStore & { readOnly?: () => StateStore }) | undefined;
      if (store !== undefined && entry.status === 'running') result.set(entry.task.partition, store.readOnly?.() ?? store);
    }
    return result;
  }

  /** Creates or checks topics, loads global tables, joins the group and starts processing. */
  async start(): Promise<void> {
    if (this.#state !== 'created') throw new Error(`start() called in state ${this.#state}`);
    this.#setState('starting');
    const { applicationId } = this.config;
    try {
      this.#admin = this.#kafka.admin();
      await this.#admin.connect();
      const admin = this.#admin;
      this.#partitions = await this.#retryStartStep('preparing topics', () => prepareTopics(admin, this.topology, this.config));
      this.#reader = new PartitionReader(this.#kafka);
      await this.#reader.connect();
      this.#globals = new GlobalStateManager(this.topology, this.#reader, this.config);
      await this.#globals.start(this.#admin);

      this.#sourceTopics = this.topology.subTopologies.flatMap((s) => s.sourceTopics.map((t) => resolveTopic(t, applicationId)));
      const consumer = this.#kafka.consumer({
        groupId: applicationId,
        readUncommitted: false,
        sessionTimeout: this.config.sessionTimeoutMs,
        heartbeatInterval: Math.max(500, Math.floor(this.config.sessionTimeoutMs / 10)),
        rebalanceTimeout: Math.max(30_000, this.config.sessionTimeoutMs * 3),
        maxWaitTimeInMs: 200,
        allowAutoTopicCreation: false,
        retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 5_000 },
      });
      this.#consumer = consumer;
      consumer.on(consumer.events.REBALANCING, () => this.#setState('rebalancing'));
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => this.#onAssignment(payload.memberAssignment));
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        this.config.log('warn', 'consumer crashed', { error: errorMessage(payload.error), restart: payload.restart });
        if (payload.restart) return;
        // kafkajs gives up for good on some errors that only mean the broker is away: a
        // rebalance that meets a stopping broker ends in KafkaJSGroupCoordinatorNotFound,
        // which it classes non-retriable. Those restart the consumer here instead of failing
        // the app; the rejoin rewinds every task to its last commit, as any rebalance does.
        if (isRetriableKafkaError(payload.error) && !isProgrammerError(payload.error)) void this.#restartConsumer();
        else void this.#fail(payload.error);
      });
      await consumer.connect();
      await consumer.subscribe({ topics: this.#sourceTopics, fromBeginning: true });
      await this.#runConsumer(consumer);
      this.#timer = setInterval(() => this.#tick(), this.#tickMs);
      this.#timer.unref();
    } catch (error) {
      await this.#shutdown();
      this.#setState('failed');
      this.#failure = error;
      throw error;
    }
  }

  async #runConsumer(consumer: Consumer): Promise<void> {
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async (payload) => await this.#onBatch(payload),
    });
  }

  /** Reconnects and reruns a consumer kafkajs stopped for good, with backoff, until it runs or the app stops. */
  async #restartConsumer(): Promise<void> {
    const consumer = this.#consumer;
    if (consumer === undefined) return;
    for (let attempt = 1; this.#stopping === undefined; attempt++) {
      const backoff = Math.min(5_000, 300 * 2 ** Math.min(attempt, 5)) * (0.8 + Math.random() * 0.4);
      await sleep(backoff);
      if (this.#stopping !== undefined) return;
      try {
        await consumer.connect();
        await this.#runConsumer(consumer);
        this.config.log('info', 'consumer restarted', { attempt });
        return;
      } catch (error) {
        this.config.log('warn', `consumer restart failed (${errorMessage(error)}); retrying`);
      }
    }
  }

  /**
   * Start steps meet the same transient broker states as processing does
   * (metadata of a topic created a moment ago, a leader election): retry
   * those with backoff for up to a minute; anything else fails the start.
   */
  async #retryStartStep<T>(what: string, step: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + 60_000;
    for (let attempt = 1; ; attempt++) {
      try {
        return await step();
      } catch (error) {
        const retriable = !isProgrammerError(error) && (isRetriable(error) || isRetriableKafkaError(error));
        if (!retriable || Date.now() > deadline || this.#state !== 'starting') throw error;
        const backoff = Math.min(5_000, 200 * 2 ** Math.min(attempt, 5)) * (0.8 + Math.random() * 0.4);
        this.config.log('warn', `${what} failed (${errorMessage(error)}); retrying in ${Math.round(backoff)} ms`);
        await sleep(backoff);
      }
    }
  }

  /** Stops fetching, commits what was processed, leaves the group and closes everything. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'stopping') return;
    this.#setState('stopping');
    await this.#shutdown();
    this.#setState('stopped');
  }

  #shutdown(): Promise<void> {
    this.#stopping ??= this.#closeAll();
    return this.#stopping;
  }

  async #closeAll(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#generation += 1;
    await this.#consumer?.stop().catch(() => undefined);
    await this.#assignment.catch(() => undefined);
    await Promise.all(
      [...this.#tasks.values()].map(async (entry) => {
        await this.#enqueue(entry, async () => {
          if (entry.status !== 'running' || !entry.task.hasPendingWork()) return;
          try {
            await this.#commit(entry);
          } catch (error) {
            // Fenced or unreachable at shutdown: the work is aborted and the task's next owner redoes it.
            entry.task.abort();
            this.config.instrumentation.aborted?.(entry.task.id, isFenced(error) ? 'fenced' : 'error');
            this.config.log('warn', `task ${entry.task.id}: final commit failed; its uncommitted work is left to the next owner`, {
              error: errorMessage(error),
            });
          }
        });
        await this.#closeTask(entry);
      }),
    );
    await this.#consumer?.disconnect().catch(() => undefined);
    await this.#globals?.stop();
    await this.#reader?.disconnect().catch(() => undefined);
    await this.#admin?.disconnect().catch(() => undefined);
  }

  async #fail(error: unknown): Promise<void> {
    if (this.#state === 'failed' || this.#state === 'stopped') return;
    if (this.#stopping !== undefined) {
      // Already shutting down (an assignment step can fail because the consumer stopped): nothing more to do.
      this.config.log('debug', 'error during shutdown', { error: errorMessage(error) });
      return;
    }
    this.#failure = error;
    this.config.log('error', 'stream processing failed', { error: errorMessage(error) });
    this.#setState('stopping');
    await this.#shutdown();
    this.#setState('failed');
  }

  #enqueue(entry: TaskEntry, work: () => Promise<void>): Promise<void> {
    const next = entry.chain.then(work);
    entry.chain = next.catch(() => undefined);
    return next;
  }

  // ---- assignment ------------------------------------------------------------

  #taskIdFor(topic: string, partition: number): string | undefined {
    const sub = this.topology.subTopologies.find((s) => s.sourceTopics.some((t) => resolveTopic(t, this.config.applicationId) === topic));
    return sub === undefined ? undefined : `${sub.id}_${partition}`;
  }

  /**
   * Called synchronously by kafkajs after every join+sync with this member's
   * new assignment. Every assigned partition is paused at once, before the
   * fetch loop sees it; then, one assignment at a time: tasks no longer
   * assigned are closed (their unfinished work aborted — fencing guarantees a
   * zombie commit cannot land), tasks kept are rewound to their last commit,
   * and new tasks fence the previous owner, restore their stores, seek to the
   * committed offsets and only then resume.
   */
  #onAssignment(assignment: Record<string, number[]>): void {
    const consumer = this.#consumer;
    if (consumer === undefined || this.#stopping !== undefined) return;
    const generation = ++this.#generation;
    const pairs = Object.entries(assignment).filter(([topic]) => this.#sourceTopics.includes(topic));
    if (pairs.length > 0) consumer.pause(pairs.map(([topic, partitions]) => ({ topic, partitions })));
    const wanted = new Map<string, { topic: string; partition: number }[]>();
    for (const [topic, partitions] of pairs) {
      for (const partition of partitions) {
        const id = this.#taskIdFor(topic, partition);
        if (id !== undefined) wanted.set(id, [...(wanted.get(id) ?? []), { topic, partition }]);
      }
    }
    this.config.instrumentation.tasksAssigned?.([...wanted.keys()]);
    this.#assignment = this.#assignment.then(async () => {
      try {
        await this.#applyAssignment(generation, wanted);
      } catch (error) {
        this.config.log('error', 'assignment failed', { error: errorMessage(error) });
        await this.#fail(error);
      }
    });
  }

  async #applyAssignment(generation: number, wanted: Map<string, { topic: string; partition: number }[]>): Promise<void> {
    const stale = (): boolean => generation !== this.#generation || this.#stopping !== undefined;
    for (const [id, entry] of [...this.#tasks]) {
      if (wanted.has(id)) continue;
      await this.#enqueue(entry, async () => {
        if (entry.task.hasPendingWork()) this.config.instrumentation.aborted?.(id, 'revoked');
        entry.task.abort();
      });
      await this.#closeTask(entry);
    }
    await Promise.all(
      [...wanted].map(async ([id, partitions]) => {
        if (stale()) return;
        const existing = this.#tasks.get(id);
        // A task still restoring (its creation was cut short by a newer
        // assignment) or backing off is rebuilt from scratch.
        if (existing !== undefined && existing.status !== 'running') await this.#closeTask(existing);
        else if (existing !== undefined) {
          await this.#enqueue(existing, async () => {
            existing.task.abort();
            this.#seekToCommitted(existing);
            this.#resume(existing);
          });
          return;
        }
        await this.#createTask(id, partitions, stale);
      }),
    );
    if (!stale()) this.#setState('running');
  }

  async #committedOffsets(partitions: { topic: string; partition: number }[]): Promise<Map<string, bigint>> {
    const result = new Map<string, bigint>();
    const topics = [...new Set(partitions.map((p) => p.topic))];
    if (topics.length === 0 || this.#admin === undefined) return result;
    const offsets = await this.#admin.fetchOffsets({ groupId: this.config.applicationId, topics });
    for (const { topic, partitions: ps } of offsets) {
      for (const { partition, offset } of ps) if (Number(offset) >= 0) result.set(tpKey(topic, partition), BigInt(offset));
    }
    return result;
  }

  async #createTask(id: string, partitions: { topic: string; partition: number }[], stale: () => boolean): Promise<void> {
    const subId = Number(id.split('_')[0]);
    const partition = Number(id.split('_')[1]);
    const sub = this.topology.subTopologies[subId];
    if (sub === undefined || this.#reader === undefined || this.#globals === undefined) return;
    const task = new StreamTask({
      applicationId: this.config.applicationId,
      topology: this.topology,
      subTopology: sub,
      partition,
      globalStores: this.#globals.stores,
      errorPolicy: this.config.errorPolicy,
      instrumentation: this.config.instrumentation,
    });
    const writer: TaskWriter =
      this.config.processingGuarantee === 'exactly_once'
        ? new TransactionalTaskWriter(this.#kafka, `${this.config.applicationId}-${id}`, this.config.applicationId, this.config.transactionTimeoutMs, this.config.compression)
        : new AtLeastOnceTaskWriter(
            this.#kafka,
            async (offsets) => {
              await this.#consumer?.commitOffsets(offsets);
            },
            this.config.compression,
          );
    const entry: TaskEntry = { task, writer, status: 'restoring', chain: Promise.resolve(), commitQueued: false, failures: 0, awaitingSeek: new Map(), lastCommit: Date.now() };
    this.#tasks.set(id, entry);
    for (const p of partitions) this.#taskByPartition.set(tpKey(p.topic, p.partition), id);
    await this.#enqueue(entry, async () => {
      // Fence first: once our producer is initialised, the old owner can no
      // longer commit, so the offsets and changelog read next are final.
      await writer.open();
      if (stale()) return;
      await restoreTask(task, this.#reader as PartitionReader, this.config.instrumentation, stale);
      if (stale()) return;
      const committed = await this.#committedOffsets(task.sourceTopics.map((topic) => ({ topic, partition })));
      const missing = task.sourceTopics.filter((t) => !committed.has(tpKey(t, partition)));
      if (missing.length > 0) {
        const earliest = await (this.#reader as PartitionReader).beginningOffsets(missing.map((topic) => ({ topic, partition })));
        for (const [k, v] of earliest) committed.set(k, v);
      }
      for (const topic of task.sourceTopics) task.setCommittedOffset(topic, committed.get(tpKey(topic, partition)) ?? 0n);
      this.#seekToCommitted(entry);
      entry.status = 'running';
      entry.lastCommit = Date.now();
      this.#resume(entry);
    });
  }

  #seekToCommitted(entry: TaskEntry): void {
    for (const topic of entry.task.sourceTopics) {
      const offset = entry.task.nextOffset(topic) ?? 0n;
      entry.awaitingSeek.set(topic, offset);
      this.#consumer?.seek({ topic, partition: entry.task.partition, offset: offset.toString() });
    }
  }

  #resume(entry: TaskEntry): void {
    if (entry.status !== 'running') return;
    this.#consumer?.resume(entry.task.sourceTopics.map((topic) => ({ topic, partitions: [entry.task.partition] })));
  }

  #pause(entry: TaskEntry): void {
    this.#consumer?.pause(entry.task.sourceTopics.map((topic) => ({ topic, partitions: [entry.task.partition] })));
  }

  async #closeTask(entry: TaskEntry): Promise<void> {
    if (entry.status === 'closed') return;
    entry.status = 'closed';
    this.#tasks.delete(entry.task.id);
    for (const topic of entry.task.sourceTopics) this.#taskByPartition.delete(tpKey(topic, entry.task.partition));
    entry.task.close();
    await entry.writer.close();
  }

  // ---- processing ------------------------------------------------------------

  async #onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const id = this.#taskByPartition.get(tpKey(batch.topic, batch.partition));
    const entry = id === undefined ? undefined : this.#tasks.get(id);
    if (entry === undefined || entry.status !== 'running' || !payload.isRunning() || payload.isStale()) return;
    await this.#enqueue(entry, async () => {
      if (entry.status !== 'running') return;
      const { task } = entry;
      const fetchedOffset = BigInt((batch as unknown as { fetchedOffset: string }).fetchedOffset);
      const seekedTo = entry.awaitingSeek.get(batch.topic);
      if (seekedTo !== undefined) {
        // A batch fetched before our seek took effect: not ours to process.
        if (fetchedOffset !== seekedTo) {
          this.#consumer?.seek({ topic: batch.topic, partition: batch.partition, offset: seekedTo.toString() });
          return;
        }
        entry.awaitingSeek.delete(batch.topic);
      }
      const next = task.nextOffset(batch.topic) ?? 0n;
      const started = performance.now();
      let processed = 0;
      try {
        const { messages } = batch;
        // Records before `next` were already processed (a batch fetched again); skip them once, not per record.
        let first = 0;
        while (first < messages.length && BigInt(messages[first]?.offset ?? '0') < next) first += 1;
        for (let i = first; i < messages.length; i++) {
          const message = messages[i] as (typeof messages)[number];
          const result = task.process(batch.topic, message);
          if (result !== undefined) await result;
          processed += 1;
        }
      } catch (error) {
        await this.#taskError(entry, error);
        return;
      }
      const last = batch.messages[batch.messages.length - 1];
      if (last !== undefined) payload.resolveOffset(last.offset);
      const instrumentation = this.config.instrumentation;
      instrumentation.recordsConsumed?.(batch.topic, batch.partition, processed);
      instrumentation.batchProcessed?.(task.id, processed, (performance.now() - started) / 1000);
      const lag = Number(BigInt(batch.highWatermark) - (task.nextOffset(batch.topic) ?? 0n));
      instrumentation.lag?.(batch.topic, batch.partition, Math.max(0, lag));
      if (task.pendingRecords >= this.config.commitEveryRecords) await this.#commitOrRecover(entry);
    });
    await payload.heartbeat().catch(() => undefined);
  }

  /** Wall-clock punctuation and commit checks run this often. */
  get #tickMs(): number {
    return Math.min(this.config.commitIntervalMs, 100);
  }

  #tick(): void {
    const now = Date.now();
    // Half a tick of slack: commits are measured start to start, and a tick that finds the interval 1 ms short
    // would otherwise put the commit off to the next tick (at 100 ms, a commit every 200 ms instead of 100).
    const dueAfter = this.config.commitIntervalMs - this.#tickMs / 2;
    for (const entry of this.#tasks.values()) {
      if (entry.status !== 'running' || entry.commitQueued) continue;
      const due = now - entry.lastCommit >= dueAfter;
      entry.commitQueued = true;
      void this.#enqueue(entry, async () => {
        entry.commitQueued = false;
        if (entry.status !== 'running') return;
        try {
          entry.task.punctuateWallClock(now);
        } catch (error) {
          await this.#taskError(entry, error);
          return;
        }
        if (due && entry.task.hasPendingWork()) await this.#commitOrRecover(entry);
        else if (due) entry.lastCommit = now;
      });
    }
  }

  async #commit(entry: TaskEntry): Promise<void> {
    const startedAt = Date.now();
    const started = performance.now();
    const batch = await entry.task.prepareCommit();
    await entry.writer.write(batch);
    entry.task.commitSucceeded();
    // Start to start: the interval is the cadence of commits, not the gap after one (which made it ~2× the setting).
    entry.lastCommit = startedAt;
    entry.failures = 0;
    const instrumentation = this.config.instrumentation;
    instrumentation.committed?.(entry.task.id, (performance.now() - started) / 1000, batch.messages.length);
    if (instrumentation.recordsProduced !== undefined || instrumentation.recordsDeadLettered !== undefined) {
      const counts = new Map<string, number>();
      // Dead letters count twice on purpose: as records produced to the DLQ topic and, by the topic they came from, as dead-lettered.
      const dead = new Map<string, number>();
      const dlqTopic = deadLetterTopic(this.config.applicationId);
      for (const m of batch.messages) {
        counts.set(m.topic, (counts.get(m.topic) ?? 0) + 1);
        if (m.topic !== dlqTopic) continue;
        const source = m.headers?.[DLQ_HEADERS.topic];
        const from = source === undefined ? 'unknown' : source.toString();
        dead.set(from, (dead.get(from) ?? 0) + 1);
      }
      for (const [topic, n] of counts) instrumentation.recordsProduced?.(topic, n);
      for (const [topic, n] of dead) instrumentation.recordsDeadLettered?.(topic, n);
    }
  }

  async #commitOrRecover(entry: TaskEntry): Promise<void> {
    try {
      await this.#commit(entry);
    } catch (error) {
      await this.#taskError(entry, error);
    }
  }

  /**
   * A task operation failed. Fenced: another instance owns the task now —
   * drop it and wait for the rebalance. Retriable (broker unreachable, registry
   * down…): abort, make a fresh producer, rewind to the last commit and retry
   * after a backoff. Anything else fails the app (policy `fail` or a bug).
   */
  async #taskError(entry: TaskEntry, error: unknown): Promise<void> {
    const { task } = entry;
    task.abort();
    if (isFenced(error)) {
      this.config.instrumentation.aborted?.(task.id, 'fenced');
      this.config.log('warn', `task ${task.id} fenced by another instance; dropping it`, { error: errorMessage(error) });
      entry.status = 'suspended';
      this.#pause(entry);
      await entry.writer.close();
      this.#tasks.delete(task.id);
      entry.status = 'closed';
      task.close();
      this.config.instrumentation.taskFailed?.(task.id, new TaskMigratedError(task.id, error));
      return;
    }
    const retriable = !isProgrammerError(error) && (isRetriable(error) || isRetriableKafkaError(error));
    this.config.instrumentation.aborted?.(task.id, retriable ? 'retriable-error' : 'error');
    if (!retriable || entry.failures >= this.config.maxTaskRetries) {
      this.config.instrumentation.taskFailed?.(task.id, error);
      void this.#fail(error instanceof TaskFailedError ? error : new TaskFailedError(task.id, error));
      return;
    }
    entry.failures += 1;
    const backoff = Math.min(30_000, 200 * 2 ** Math.min(entry.failures, 8)) * (0.8 + Math.random() * 0.4);
    this.config.log('warn', `task ${task.id} failed (${errorMessage(error)}); retrying in ${Math.round(backoff)} ms`);
    entry.status = 'suspended';
    this.#pause(entry);
    await sleep(backoff);
    if (this.#tasks.get(task.id) !== entry) return;
    try {
      await entry.writer.reset();
    } catch (resetError) {
      entry.status = 'running';
      await this.#taskError(entry, resetError);
      return;
    }
    entry.status = 'running';
    this.#seekToCommitted(entry);
    this.#resume(entry);
  }
}
