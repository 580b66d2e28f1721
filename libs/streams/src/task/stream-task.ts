import { DeserializationError, ProcessingError, TaskFailedError, TopologyError, isRetriable } from '../errors.js';
import type { Cancellable, Processor, ProcessorContext, PunctuationType } from '../processor/processor.js';
import type { Headers, RecordMetadata, StreamRecord } from '../record.js';
import { isPromise } from '../serde.js';
import type { ManagedStore, StateStore } from '../state/state-store.js';
import type { SinkNode, SourceNode } from '../topology/nodes.js';
import { changelogTopic, resolveTopic, type SubTopology, type Topology } from '../topology/topology.js';
import { deadLetter, deadLetterTopic } from './dead-letter.js';
import type { ConsumedMessage, ConsumedOffset, OutputMessage } from './output-message.js';
import type { StreamsInstrumentation } from '../runtime/instrumentation.js';
import { lateRecord, lateTopic } from '../window/late-records.js';

/** What to do with a record that cannot be decoded or whose processing throws. */
export type ErrorPolicy = 'dlq' | 'fail';

export interface StreamTaskOptions {
  readonly applicationId: string;
  readonly topology: Topology;
  readonly subTopology: SubTopology;
  readonly partition: number;
  /** Read-only global stores, shared by all tasks. */
  readonly globalStores: ReadonlyMap<string, StateStore>;
  readonly errorPolicy: ErrorPolicy;
  /** Wall clock, injectable for the test driver. */
  readonly now?: () => number;
  /** Only `lateRecord` is called from the task (the runtime reports the rest). */
  readonly instrumentation?: Pick<StreamsInstrumentation, 'lateRecord'>;
}

/** Everything one commit must write atomically. */
export interface CommitBatch {
  readonly messages: OutputMessage[];
  readonly offsets: ConsumedOffset[];
}

interface Schedule {
  readonly node: string;
  readonly interval: number;
  readonly type: PunctuationType;
  next: number;
  readonly callback: (timestamp: number) => void;
  cancelled: boolean;
}

interface RuntimeNode {
  readonly name: string;
  readonly processor: Processor<unknown, unknown, unknown, unknown> | undefined;
  readonly sink: (SinkNode & { readonly resolvedTopic: string }) | undefined;
  readonly children: RuntimeNode[];
  readonly childByName: Map<string, RuntimeNode>;
}

const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * One partition of one sub-topology: its processors, its stores, the outputs
 * and offsets of the work done since the last commit. A task knows nothing of
 * Kafka clients; the runtime (or the test driver) feeds it records and writes
 * its `CommitBatch` — that is what lets one topology run both on a broker and
 * in the test driver.
 */
export class StreamTask {
  readonly id: string;
  readonly partition: number;
  readonly subTopology: SubTopology;
  readonly stores: ReadonlyMap<string, ManagedStore>;
  readonly #options: StreamTaskOptions;
  readonly #now: () => number;
  readonly #nodes = new Map<string, RuntimeNode>();
  readonly #sources = new Map<string, { node: SourceNode; runtime: RuntimeNode }>();
  readonly #dlqTopic: string;
  #outputs: (OutputMessage | Promise<OutputMessage>)[] = [];
  #asyncOutputs = false;
  #consumed = new Map<string, ConsumedOffset>();
  /** Last processed offset per source topic since `#consumed` was brought up to date (cheap per record). */
  #lastProcessed = new Map<string, string>();
  #committed = new Map<string, ConsumedOffset>();
  #streamTime = -1;
  #committedStreamTime = -1;
  #current: RecordMetadata | undefined;
  #currentMessage: ConsumedMessage | undefined;
  #currentNode: RuntimeNode | undefined;
  #schedules: Schedule[] = [];
  /** Processors with a `flush`, parents before children. */
  #flushing: RuntimeNode[] = [];
  #pendingRecords = 0;
  #closed = false;

  constructor(options: StreamTaskOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.subTopology = options.subTopology;
    this.partition = options.partition;
    this.id = `${options.subTopology.id}_${options.partition}`;
    this.#dlqTopic = deadLetterTopic(options.applicationId);
    const { topology, applicationId } = options;

    const stores = new Map<string, ManagedStore>();
    for (const name of options.subTopology.stores) {
      const definition = topology.stores.get(name);
      if (definition === undefined) throw new TopologyError(`store "${name}" is not defined`);
      stores.set(name, definition.create(definition.logged ? changelogTopic(applicationId, name) : undefined));
    }
    this.stores = stores;

    // Build runtime nodes children-first so every parent can point at its children.
    const build = (name: string): RuntimeNode => {
      const existing = this.#nodes.get(name);
      if (existing !== undefined) return existing;
      const node = topology.nodes.get(name);
      if (node === undefined) throw new TopologyError(`unknown node "${name}"`);
      const children = (topology.children.get(name) ?? []).map(build);
      const runtime: RuntimeNode = {
        name,
        processor: node.kind === 'processor' ? node.supplier() : undefined,
        sink: node.kind === 'sink' ? { ...node, resolvedTopic: resolveTopic(node.topic, applicationId) } : undefined,
        children,
        childByName: new Map(children.map((c) => [c.name, c])),
      };
      this.#nodes.set(name, runtime);
      return runtime;
    };
    for (const name of options.subTopology.nodes) {
      const runtime = build(name);
      const node = topology.nodes.get(name);
      if (node?.kind === 'source') {
        for (const topic of node.topics) this.#sources.set(resolveTopic(topic, applicationId), { node, runtime });
      }
    }
    for (const name of options.subTopology.nodes) {
      const runtime = this.#nodes.get(name);
      const node = topology.nodes.get(name);
      if (runtime?.processor?.init !== undefined && node?.kind === 'processor') {
        runtime.processor.init(this.#contextFor(runtime, node.stores));
      }
    }
    const seen = new Set<RuntimeNode>();
    const visit = (node: RuntimeNode): void => {
      if (seen.has(node)) return;
      seen.add(node);
      if (node.processor?.flush !== undefined) this.#flushing.push(node);
      node.children.forEach(visit);
    };
    for (const { runtime } of this.#sources.values()) visit(runtime);
  }

  #contextFor(runtime: RuntimeNode, storeNames: readonly string[]): ProcessorContext<unknown, unknown> {
    const allowed = new Set(storeNames);
    return {
      applicationId: this.#options.applicationId,
      taskId: this.id,
      forward: (record: StreamRecord<unknown, unknown>, childName?: string): void => {
        if (childName === undefined) {
          for (const child of runtime.children) this.#deliver(child, record);
          return;
        }
        const child = runtime.childByName.get(childName);
        if (child === undefined) throw new TopologyError(`"${runtime.name}" has no child "${childName}"`);
        this.#deliver(child, record);
      },
      getStateStore: <S extends StateStore>(name: string): S => {
        if (!allowed.has(name)) {
          throw new TopologyError(`processor "${runtime.name}" is not connected to store "${name}" (connect it when adding the processor)`);
        }
        const store = this.stores.get(name) ?? this.#options.globalStores.get(name);
        if (store === undefined) throw new TopologyError(`store "${name}" is not available in task ${this.id}`);
        return store as unknown as S;
      },
      schedule: (intervalMs: number, type: PunctuationType, callback: (timestamp: number) => void): Cancellable => {
        if (!(intervalMs >= 1)) throw new RangeError(`punctuation interval must be at least 1 ms, got ${intervalMs}`);
        const start = type === 'wall-clock' ? this.#now() : Math.max(this.#streamTime, 0);
        const schedule: Schedule = { node: runtime.name, interval: intervalMs, type, next: start + intervalMs, callback, cancelled: false };
        this.#schedules.push(schedule);
        return {
          cancel: () => {
            schedule.cancelled = true;
            this.#schedules = this.#schedules.filter((s) => s !== schedule);
          },
        };
      },
      recordMetadata: () => this.#current,
      currentStreamTime: () => this.#streamTime,
      currentSystemTime: () => this.#now(),
      lateRecord: (info) => {
        const current = this.#current;
        const message = this.#currentMessage;
        if (current === undefined || message === undefined) throw new TopologyError('lateRecord() is only valid while a record is processed');
        this.#options.instrumentation?.lateRecord?.(current.topic, info.store, info.drop);
        if (info.drop) return;
        this.#outputs.push(lateRecord(lateTopic(this.#options.applicationId), { topic: current.topic, partition: this.partition, taskId: this.id }, message, info));
      },
    };
  }

  #deliver(node: RuntimeNode, record: StreamRecord<unknown, unknown>): void {
    if (node.sink !== undefined) {
      this.#collect(node.sink, record);
      return;
    }
    const previous = this.#currentNode;
    this.#currentNode = node;
    try {
      node.processor?.process(record);
    } finally {
      this.#currentNode = previous;
    }
  }

  #collect(sink: SinkNode & { resolvedTopic: string }, record: StreamRecord<unknown, unknown>): void {
    const topic = sink.resolvedTopic;
    const key = record.key === null || record.key === undefined ? null : sink.serdes.key.serialize(record.key, { topic, isKey: true });
    const value =
      record.value === null || record.value === undefined ? null : sink.serdes.value.serialize(record.value, { topic, isKey: false });
    const headers = record.headers;
    if (isPromise(key) || isPromise(value)) {
      this.#asyncOutputs = true;
      const message = Promise.all([key, value]).then(([k, v]) => withHeaders({ topic, key: k, value: v, timestamp: record.timestamp }, headers));
      // Awaited in prepareCommit; until then a rejection must not go unhandled.
      message.catch(() => undefined);
      this.#outputs.push(message);
    } else {
      this.#outputs.push(withHeaders({ topic, key, value, timestamp: record.timestamp }, headers));
    }
  }

  /** Source topics (resolved names) this task reads, all on `partition`. */
  get sourceTopics(): string[] {
    return [...this.#sources.keys()];
  }

  /** Records processed since the last commit or abort. */
  get pendingRecords(): number {
    return this.#pendingRecords;
  }

  get streamTime(): number {
    return this.#streamTime;
  }

  /** Next offset to process for `topic` (undefined before the first record or seek). */
  nextOffset(topic: string): bigint | undefined {
    this.#settleOffsets();
    return this.#consumed.get(tpKey(topic, this.partition))?.offset;
  }

  /** Sets where processing of `topic` resumes: the committed offset, after an assign or an abort. */
  setCommittedOffset(topic: string, offset: bigint): void {
    const entry = { topic, partition: this.partition, offset };
    this.#committed.set(tpKey(topic, this.partition), entry);
    this.#lastProcessed.delete(topic);
    this.#consumed.set(tpKey(topic, this.partition), entry);
  }

  /**
   * Processes one consumed record: decode, extract event time, run it through
   * the processors. A record that cannot be decoded, or whose processing
   * throws, goes to the dead-letter topic (policy `dlq`) or fails the task
   * (`fail`); a retriable failure (e.g. registry unreachable) is thrown so the
   * runtime aborts and retries. Returns a Promise only when a serde was async.
   */
  process(topic: string, message: ConsumedMessage): void | Promise<void> {
    const source = this.#sources.get(topic);
    if (source === undefined) throw new TopologyError(`task ${this.id} does not read topic "${topic}"`);
    const { node } = source;
    let key: unknown = null;
    let value: unknown = null;
    try {
      key = message.key === null ? null : node.serdes.key.deserialize(message.key, { topic, isKey: true });
      value = message.value === null ? null : node.serdes.value.deserialize(message.value, { topic, isKey: false });
    } catch (error) {
      this.#failed(topic, message, new DeserializationError(`cannot decode ${topic}[${this.partition}]@${message.offset}: ${String((error as Error).message ?? error)}`, error));
      return;
    }
    if (isPromise(key) || isPromise(value)) {
      return Promise.all([key, value]).then(
        ([k, v]) => this.#run(topic, source, message, k, v),
        (error: unknown) =>
          this.#failed(topic, message, new DeserializationError(`cannot decode ${topic}[${this.partition}]@${message.offset}: ${(error as Error).message}`, error)),
      );
    }
    this.#run(topic, source, message, key, value);
  }

  #run(topic: string, source: { node: SourceNode; runtime: RuntimeNode }, message: ConsumedMessage, key: unknown, value: unknown): void {
    const kafkaTimestamp = Number(message.timestamp);
    let timestamp = kafkaTimestamp;
    const mark = this.#outputs.length;
    for (const store of this.stores.values()) store.savepoint();
    try {
      if (source.node.timestampExtractor !== undefined) timestamp = source.node.timestampExtractor({ key, value, timestamp: kafkaTimestamp });
      if (!Number.isFinite(timestamp) || timestamp < 0) {
        throw new ProcessingError(`invalid event timestamp ${String(timestamp)} (expected ms since the epoch, ≥ 0)`);
      }
      this.#current = { topic, partition: this.partition, offset: message.offset };
      this.#currentMessage = message;
      if (timestamp > this.#streamTime) this.#streamTime = timestamp;
      const headers = message.headers === undefined ? undefined : toHeaders(message.headers);
      const record: StreamRecord<unknown, unknown> = headers === undefined ? { key, value, timestamp } : { key, value, timestamp, headers };
      for (const child of source.runtime.children) this.#deliver(child, record);
      this.#advance(topic, message.offset);
      this.#punctuateStreamTime();
    } catch (error) {
      // A failed record leaves nothing behind: neither its outputs nor its store writes.
      this.#outputs.length = mark;
      for (const store of this.stores.values()) store.rollbackToSavepoint();
      this.#failed(topic, message, error instanceof ProcessingError ? error : new ProcessingError(`processing ${topic}[${this.partition}]@${message.offset} failed: ${(error as Error)?.message ?? String(error)}`, error));
    } finally {
      this.#current = undefined;
      this.#currentMessage = undefined;
    }
  }

  #advance(topic: string, offset: string): void {
    this.#lastProcessed.set(topic, offset);
    this.#pendingRecords += 1;
  }

  /** Turns the per-record offset strings into the next offsets to read (once per batch or commit, not per record). */
  #settleOffsets(): void {
    if (this.#lastProcessed.size === 0) return;
    for (const [topic, offset] of this.#lastProcessed) {
      this.#consumed.set(tpKey(topic, this.partition), { topic, partition: this.partition, offset: BigInt(offset) + 1n });
    }
    this.#lastProcessed.clear();
  }

  #failed(topic: string, message: ConsumedMessage, error: unknown): void {
    const cause = (error as { cause?: unknown }).cause;
    if (isRetriable(error) || isRetriable(cause)) throw error;
    if (this.#options.errorPolicy === 'fail') throw new TaskFailedError(this.id, error);
    this.#outputs.push(deadLetter(this.#dlqTopic, { topic, partition: this.partition, taskId: this.id }, message, error));
    this.#advance(topic, message.offset);
  }

  #punctuateStreamTime(): void {
    for (const schedule of this.#schedules) {
      if (schedule.type !== 'stream-time' || schedule.cancelled || this.#streamTime < schedule.next) continue;
      schedule.next = this.#streamTime + schedule.interval;
      this.#punctuate(schedule, this.#streamTime);
    }
  }

  #punctuate(schedule: Schedule, timestamp: number): void {
    const node = this.#nodes.get(schedule.node);
    const previous = this.#currentNode;
    this.#currentNode = node;
    try {
      schedule.callback(timestamp);
    } finally {
      this.#currentNode = previous;
    }
  }

  /** Runs wall-clock punctuations that are due; returns how many ran. */
  punctuateWallClock(now = this.#now()): number {
    let ran = 0;
    for (const schedule of this.#schedules) {
      if (schedule.type !== 'wall-clock' || schedule.cancelled || now < schedule.next) continue;
      schedule.next = now + schedule.interval;
      this.#punctuate(schedule, now);
      ran += 1;
    }
    return ran;
  }

  /** True when there is something to commit. */
  hasPendingWork(): boolean {
    if (this.#pendingRecords > 0 || this.#outputs.length > 0) return true;
    for (const store of this.stores.values()) if (store.hasPendingChanges()) return true;
    return false;
  }

  /**
   * Gathers what the next commit must write: outputs and dead letters in
   * processing order, then one changelog record per changed store key
   * (explicitly on this task's partition), and the consumed offsets.
   */
  async prepareCommit(): Promise<CommitBatch> {
    for (const node of this.#flushing) {
      const previous = this.#currentNode;
      this.#currentNode = node;
      try {
        await node.processor?.flush?.();
      } finally {
        this.#currentNode = previous;
      }
    }
    // A copy: changelog records are appended below, and a retried commit must not find them in #outputs.
    const messages = this.#asyncOutputs
      ? await Promise.all(this.#outputs as Promise<OutputMessage>[])
      : [...(this.#outputs as OutputMessage[])];
    for (const store of this.stores.values()) {
      if (store.changelogTopic === undefined || !store.hasPendingChanges()) continue;
      const records = await store.changelogRecords();
      const timestamp = Math.max(this.#streamTime, 0);
      for (const r of records) {
        messages.push({ topic: store.changelogTopic, partition: this.partition, key: r.key, value: r.value, timestamp: r.timestamp ?? timestamp });
      }
    }
    this.#settleOffsets();
    return { messages, offsets: [...this.#consumed.values()].filter((c) => this.#committed.get(tpKey(c.topic, c.partition))?.offset !== c.offset) };
  }

  /** The commit's transaction succeeded: pending state becomes committed. */
  commitSucceeded(): void {
    for (const store of this.stores.values()) store.commit();
    this.#settleOffsets();
    this.#committed = new Map(this.#consumed);
    this.#committedStreamTime = this.#streamTime;
    this.#outputs = [];
    this.#asyncOutputs = false;
    this.#pendingRecords = 0;
  }

  /**
   * The work since the last commit is dropped (abort, rebalance, error):
   * pending state, outputs and positions go back to the last commit. Returns
   * the offsets to seek the consumer to.
   */
  abort(): ConsumedOffset[] {
    for (const node of this.#nodes.values()) node.processor?.abort?.();
    for (const store of this.stores.values()) store.abort();
    this.#outputs = [];
    this.#asyncOutputs = false;
    this.#pendingRecords = 0;
    this.#lastProcessed.clear();
    this.#consumed = new Map(this.#committed);
    this.#streamTime = this.#committedStreamTime;
    return [...this.#committed.values()];
  }

  /** Sets stream time after a restore (e.g. from the changelog's latest timestamp). */
  restoreStreamTime(timestamp: number): void {
    if (timestamp > this.#streamTime) this.#streamTime = timestamp;
    this.#committedStreamTime = this.#streamTime;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const node of this.#nodes.values()) node.processor?.close?.();
    for (const store of this.stores.values()) store.close();
    this.#schedules = [];
  }
}

function withHeaders(message: OutputMessage, headers: Headers | undefined): OutputMessage {
  return headers === undefined ? message : { ...message, headers };
}

function toHeaders(raw: NonNullable<ConsumedMessage['headers']>): Headers | undefined {
  let headers: Headers | undefined;
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    headers ??= {};
    headers[name] = Array.isArray(value) ? value[value.length - 1] : value;
  }
  return headers;
}
