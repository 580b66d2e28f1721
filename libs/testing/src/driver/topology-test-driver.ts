import {
  GlobalKeyValueStore,
  StreamTask,
  TransactionalKeyValueStore,
  TransactionalWindowStore,
  changelogTopic,
  deadLetterTopic,
  lateTopic,
  isPromise,
  resolveTopic,
  type ErrorPolicy,
  type Headers,
  type OutputMessage,
  type ReadOnlyKeyValueStore,
  type ReadOnlyWindowStore,
  type Serdes,
  type StateStore,
  type StreamsInstrumentation,
  type StoreDefinition,
  type SubTopology,
  type Topology,
} from '@tributary/streams';
import { DriverError } from './driver-error.js';
import { partitionForKey } from './partitioner.js';
import { TestInputTopic, TestOutputTopic, type ProducedRecord } from './test-topics.js';

export interface TopologyTestDriverOptions {
  /** Default `test-app`: internal topics are `test-app-<name>-repartition`, the DLQ `test-app.dlq`. */
  readonly applicationId?: string;
  /** What a record that cannot be decoded or processed does (default `dlq`). */
  readonly errorPolicy?: ErrorPolicy;
  /** Initial wall-clock time (ms, default 0): the default record timestamp and the clock of wall-clock punctuations. */
  readonly startTime?: number;
  /** Partitions of every topic without a fixed count (default 1). */
  readonly partitions?: number;
  /** Hooks the tasks call (`lateRecord`), as the runtime's instrumentation. */
  readonly instrumentation?: Pick<StreamsInstrumentation, 'lateRecord'>;
}

/** A changelog record as the driver recorded it, decoded with the store's serdes (`value: null` is a tombstone). */
export interface ChangelogEntry<K, V> {
  readonly key: K;
  readonly value: V | null;
  readonly partition: number;
  readonly timestamp: number;
}

/** Records one input may cause through fed-back topics before the driver calls it a loop. */
const MAX_CASCADE = 100_000;

interface Source {
  readonly subTopology: SubTopology;
  readonly partitions: number;
}

/**
 * Runs a topology in-process, deterministically, with no broker — Kafka
 * Streams' `TopologyTestDriver` for Tributary. It drives the same
 * `StreamTask`s the runtime does (one per sub-topology and partition) and
 * commits after every input record: outputs become readable, store writes
 * committed, records sent to repartition topics are processed by the tasks
 * that read them until nothing is left.
 *
 * ```ts
 * const driver = new TopologyTestDriver(topology);
 * const input = driver.createInputTopic('words', { key: string(), value: string() });
 * const output = driver.createOutputTopic('counts', { key: string(), value: float64() });
 * await input.pipeInput('a', 'x', 1_000);
 * output.readKeyValuesToList(); // [['a', 1]]
 * ```
 */
export class TopologyTestDriver {
  readonly applicationId: string;
  readonly topology: Topology;
  readonly #errorPolicy: ErrorPolicy;
  readonly #defaultPartitions: number;
  #wallClock: number;
  /** Resolved source topic → the sub-topology reading it and its partition count. */
  readonly #sources = new Map<string, Source>();
  /** Tasks by sub-topology id, indexed by partition. */
  readonly #tasks = new Map<number, StreamTask[]>();
  readonly #globalStores = new Map<string, GlobalKeyValueStore<unknown, unknown>>();
  /** Global topic → its store. */
  readonly #globalTopics = new Map<string, GlobalKeyValueStore<unknown, unknown>>();
  /** Changelog topic → store definition. */
  readonly #changelogs = new Map<string, StoreDefinition>();
  readonly #changelogRecords = new Map<string, ProducedRecord[]>();
  /** Unread records per output topic (sinks, the DLQ, repartition topics). */
  readonly #outputs = new Map<string, ProducedRecord[]>();
  readonly #offsets = new Map<string, number>();
  readonly #roundRobin = new Map<string, number>();
  readonly #repartitionTopics = new Set<string>();
  readonly #dlqTopic: string;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(topology: Topology, options: TopologyTestDriverOptions = {}) {
    this.topology = topology;
    this.applicationId = options.applicationId ?? 'test-app';
    this.#errorPolicy = options.errorPolicy ?? 'dlq';
    this.#wallClock = options.startTime ?? 0;
    this.#defaultPartitions = options.partitions ?? 1;
    if (!Number.isInteger(this.#defaultPartitions) || this.#defaultPartitions < 1) {
      throw new DriverError(`partitions must be a positive integer, got ${String(options.partitions)}`);
    }
    this.#dlqTopic = deadLetterTopic(this.applicationId);

    const fixedPartitions = new Map<string, number>();
    for (const t of topology.repartitionTopics) {
      const resolved = this.#resolve(t.topic);
      this.#repartitionTopics.add(resolved);
      if (t.partitions !== undefined) fixedPartitions.set(resolved, t.partitions);
    }
    for (const definition of topology.globalStores.values()) {
      const store = new GlobalKeyValueStore<unknown, unknown>(definition);
      this.#globalStores.set(definition.name, store);
      this.#globalTopics.set(definition.topic, store);
    }
    for (const definition of topology.stores.values()) {
      if (definition.logged) this.#changelogs.set(changelogTopic(this.applicationId, definition.name), definition);
    }
    for (const subTopology of topology.subTopologies) {
      const topics = subTopology.sourceTopics.map((t) => this.#resolve(t));
      const partitions = Math.max(...topics.map((t) => fixedPartitions.get(t) ?? this.#defaultPartitions));
      for (const topic of topics) this.#sources.set(topic, { subTopology, partitions });
      const tasks: StreamTask[] = [];
      for (let partition = 0; partition < partitions; partition++) {
        tasks.push(
          new StreamTask({
            applicationId: this.applicationId,
            topology,
            subTopology,
            partition,
            globalStores: this.#globalStores,
            errorPolicy: this.#errorPolicy,
            now: () => this.#wallClock,
            ...(options.instrumentation === undefined ? {} : { instrumentation: options.instrumentation }),
          }),
        );
      }
      this.#tasks.set(subTopology.id, tasks);
    }
  }

  /** The driver's wall-clock time (ms). */
  get wallClockTime(): number {
    return this.#wallClock;
  }

  /** An input for a topic the topology reads (a source or a global table's topic). */
  createInputTopic<K, V>(topic: string, serdes: Serdes<K, V>): TestInputTopic<K, V> {
    if (!this.#sources.has(topic) && !this.#globalTopics.has(topic)) {
      const known = [...this.#sources.keys(), ...this.#globalTopics.keys()].filter((t) => !this.#repartitionTopics.has(t));
      throw new DriverError(`the topology does not read topic "${topic}" (it reads: ${known.join(', ') || 'nothing'})`);
    }
    return new TestInputTopic<K, V>(topic, serdes, (key, value, timestamp, headers) =>
      this.#serialized(() => this.#pipe(topic, key, value, timestamp ?? this.#wallClock, headers)),
    );
  }

  /** An output for a topic the topology writes: a sink topic, a repartition topic, `<applicationId>.dlq`, or `<applicationId>.late` (topologies with window stores). */
  createOutputTopic<K, V>(topic: string, serdes: Serdes<K, V>): TestOutputTopic<K, V> {
    const windowed = [...this.topology.stores.values()].some((s) => s.kind === 'window' || s.kind === 'session');
    const written = new Set([this.#dlqTopic, ...(windowed ? [lateTopic(this.applicationId)] : []), ...this.#repartitionTopics]);
    for (const node of this.topology.nodes.values()) if (node.kind === 'sink') written.add(this.#resolve(node.topic));
    if (!written.has(topic)) {
      throw new DriverError(`the topology does not write topic "${topic}" (it writes: ${[...written].join(', ')})`);
    }
    return new TestOutputTopic<K, V>(topic, serdes, this.#outputQueue(topic));
  }

  /** Records the driver routed to `topic` and that no output topic has read yet. */
  unreadRecords(topic: string): readonly ProducedRecord[] {
    return this.#outputs.get(topic) ?? [];
  }

  /**
   * The committed contents of a store (a task store of `partition`, or a
   * global store): pending writes of an uncommitted record are not in it.
   */
  getKeyValueStore<K, V>(name: string, partition = 0): ReadOnlyKeyValueStore<K, V> {
    const global = this.#globalStores.get(name);
    if (global !== undefined) return global as unknown as ReadOnlyKeyValueStore<K, V>;
    const subTopology = this.topology.subTopologies.find((s) => s.stores.includes(name));
    if (subTopology === undefined) {
      throw new DriverError(`no store "${name}" (stores: ${[...this.topology.stores.keys(), ...this.#globalStores.keys()].join(', ') || 'none'})`);
    }
    const tasks = this.#tasks.get(subTopology.id) ?? [];
    const store = tasks[partition]?.stores.get(name);
    if (store === undefined) throw new DriverError(`store "${name}" has partitions 0..${tasks.length - 1}, not ${partition}`);
    if (!(store instanceof TransactionalKeyValueStore)) throw new DriverError(`store "${name}" is not a key-value store`);
    return (store as TransactionalKeyValueStore<K, V>).readOnly();
  }

  /** The committed contents of a window or session store of `partition` (windows closed and purged are gone). */
  getWindowStore<K, V>(name: string, partition = 0): ReadOnlyWindowStore<K, V> {
    const subTopology = this.topology.subTopologies.find((s) => s.stores.includes(name));
    if (subTopology === undefined) throw new DriverError(`no store "${name}" (stores: ${[...this.topology.stores.keys()].join(', ') || 'none'})`);
    const tasks = this.#tasks.get(subTopology.id) ?? [];
    const store = tasks[partition]?.stores.get(name);
    if (store === undefined) throw new DriverError(`store "${name}" has partitions 0..${tasks.length - 1}, not ${partition}`);
    if (!(store instanceof TransactionalWindowStore)) throw new DriverError(`store "${name}" is not a window or session store`);
    return (store as TransactionalWindowStore<K, V>).readOnly();
  }

  /** The same as `getWindowStore`: session stores are window stores whose windows are the sessions. */
  getSessionStore<K, V>(name: string, partition = 0): ReadOnlyWindowStore<K, V> {
    return this.getWindowStore(name, partition);
  }

  /** Committed views of every store of `partition`, and every global store, by name. */
  getAllStores(partition = 0): Map<string, StateStore> {
    const stores = new Map<string, StateStore>();
    for (const tasks of this.#tasks.values()) {
      const task = tasks[partition];
      if (task === undefined) continue;
      for (const [name, store] of task.stores) stores.set(name, store instanceof TransactionalKeyValueStore ? store.readOnly() : store);
    }
    for (const [name, store] of this.#globalStores) stores.set(name, store);
    return stores;
  }

  /** Every changelog record the store's tasks committed so far, oldest first (reading does not consume). */
  changelog<K, V>(storeName: string): ChangelogEntry<K, V>[] {
    const definition = this.topology.stores.get(storeName);
    if (definition === undefined) throw new DriverError(`no store "${storeName}"`);
    if (!definition.logged) throw new DriverError(`store "${storeName}" is not logged`);
    const topic = changelogTopic(this.applicationId, storeName);
    return (this.#changelogRecords.get(topic) ?? []).map((r) => {
      const key = r.key === null ? null : definition.keySerde.deserialize(r.key, { topic, isKey: true });
      const value = r.value === null ? null : definition.valueSerde.deserialize(r.value, { topic, isKey: false });
      if (isPromise(key) || isPromise(value)) throw new DriverError(`a serde of store "${storeName}" answered asynchronously`);
      return { key: key as K, value: value as V | null, partition: r.partition, timestamp: r.timestamp };
    });
  }

  /** Moves the wall clock forward, runs the wall-clock punctuations now due, and commits what they produced. */
  advanceWallClockTime(ms: number): Promise<void> {
    if (!(ms >= 0)) return Promise.reject(new RangeError(`advanceWallClockTime needs a duration ≥ 0, got ${ms}`));
    return this.#serialized(async () => {
      this.#wallClock += ms;
      for (const tasks of this.#tasks.values()) {
        for (const task of tasks) {
          task.punctuateWallClock(this.#wallClock);
          if (task.hasPendingWork()) await this.#commit(task);
        }
      }
    });
  }

  /** Closes every task (processors' `close`, stores dropped). The driver cannot be used afterwards. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const tasks of this.#tasks.values()) for (const task of tasks) task.close();
  }

  #resolve(topic: string): string {
    return resolveTopic(topic, this.applicationId);
  }

  /** Runs operations one at a time in call order, even if a caller does not await. */
  #serialized(operation: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(() => {
      if (this.#closed) throw new DriverError('the driver is closed');
      return operation();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #outputQueue(topic: string): ProducedRecord[] {
    let queue = this.#outputs.get(topic);
    if (queue === undefined) {
      queue = [];
      this.#outputs.set(topic, queue);
    }
    return queue;
  }

  #nextOffset(topic: string, partition: number): number {
    const key = `${topic}\u0000${partition}`;
    const offset = this.#offsets.get(key) ?? 0;
    this.#offsets.set(key, offset + 1);
    return offset;
  }

  /** The producer's choice: murmur2 of the key bytes, round-robin for null keys. */
  #partitionFor(topic: string, key: Buffer | null, partitions: number): number {
    if (key !== null) return partitionForKey(key, partitions);
    const next = this.#roundRobin.get(topic) ?? 0;
    this.#roundRobin.set(topic, next + 1);
    return next % partitions;
  }

  async #pipe(topic: string, key: Buffer | null, value: Buffer | null, timestamp: number, headers: Headers | undefined): Promise<void> {
    const input = this.#produce(headers === undefined ? { topic, key, value, timestamp } : { topic, key, value, timestamp, headers });
    await this.#globalTopics.get(topic)?.apply(input);
    if (!this.#sources.has(topic)) return;
    const pending = [input];
    // Breadth-first: records a commit feeds back are processed in the order they were produced.
    let processed = 0;
    for (let record = pending.shift(); record !== undefined; record = pending.shift()) {
      if (++processed > MAX_CASCADE) throw new DriverError(`one input record caused more than ${MAX_CASCADE} records: does the topology write a topic it reads?`);
      const task = this.#taskFor(record.topic, record.partition);
      await this.#process(task, record);
      pending.push(...(await this.#commit(task)));
    }
  }

  #taskFor(topic: string, partition: number): StreamTask {
    const source = this.#sources.get(topic);
    const task = source === undefined ? undefined : this.#tasks.get(source.subTopology.id)?.[partition];
    if (task === undefined) throw new DriverError(`no task reads ${topic}[${partition}]`);
    return task;
  }

  async #process(task: StreamTask, record: ProducedRecord): Promise<void> {
    const message = {
      key: record.key,
      value: record.value,
      timestamp: String(record.timestamp),
      offset: String(record.offset),
      headers: record.headers,
    };
    try {
      const done = task.process(record.topic, message);
      if (isPromise(done)) await done;
    } catch (error) {
      // As the runtime does before failing or retrying: the open transaction is dropped.
      task.abort();
      throw error;
    }
  }

  /**
   * One commit of one task: route its messages, then make its store writes
   * visible. Changelog records are kept for `changelog()`; everything else is
   * readable on its output topic, and records for a topic the topology reads
   * (a repartition topic, a source, a global table's topic) are fed back, as
   * a broker would deliver them.
   */
  async #commit(task: StreamTask): Promise<ProducedRecord[]> {
    const batch = await task.prepareCommit();
    const fedBack: ProducedRecord[] = [];
    for (const message of batch.messages) {
      const record = this.#produce(message);
      if (this.#changelogs.has(record.topic)) {
        let log = this.#changelogRecords.get(record.topic);
        if (log === undefined) this.#changelogRecords.set(record.topic, (log = []));
        log.push(record);
        continue;
      }
      this.#outputQueue(record.topic).push(record);
      const global = this.#globalTopics.get(record.topic);
      if (global !== undefined) await global.apply(record);
      if (this.#sources.has(record.topic)) fedBack.push(record);
    }
    task.commitSucceeded();
    return fedBack;
  }

  #produce(message: OutputMessage): ProducedRecord {
    const { topic } = message;
    const partitions = this.#sources.get(topic)?.partitions ?? this.#defaultPartitions;
    const partition = message.partition ?? this.#partitionFor(topic, message.key, partitions);
    return {
      topic,
      partition,
      offset: this.#nextOffset(topic, partition),
      key: message.key,
      value: message.value,
      timestamp: message.timestamp,
      headers: asBytes(message.headers),
    };
  }
}

/** Header values as a consumer receives them: bytes (a producer sends strings as UTF-8). */
function asBytes(headers: Headers | undefined): Headers {
  const bytes: Headers = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) bytes[name] = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  }
  return bytes;
}
