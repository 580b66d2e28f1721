import { isPromise, type Headers, type KeyValue, type Serdes } from '@tributary/streams';
import { DriverError } from './driver-error.js';

/** A record as the driver keeps it on a topic: bytes, partition and offset. */
export interface ProducedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: Headers;
}

/** A decoded output record. A null key or value (a tombstone) reads as null: declare `V | null` if the topic carries them. */
export interface TestRecord<K, V> {
  readonly key: K;
  readonly value: V;
  readonly timestamp: number;
  readonly headers: Headers;
  readonly partition: number;
}

/** How an input topic hands bytes to the driver. */
export type Pipe = (key: Buffer | null, value: Buffer | null, timestamp: number | undefined, headers: Headers | undefined) => Promise<void>;

/**
 * Writes records to a topic the topology reads. Each call serializes with the
 * topic's serdes and processes the record (and everything it causes, through
 * repartition topics) before its Promise resolves; calls run in call order.
 */
export class TestInputTopic<K, V> {
  readonly #topic: string;
  readonly #serdes: Serdes<K, V>;
  readonly #pipe: Pipe;

  constructor(topic: string, serdes: Serdes<K, V>, pipe: Pipe) {
    this.#topic = topic;
    this.#serdes = serdes;
    this.#pipe = pipe;
  }

  get topic(): string {
    return this.#topic;
  }

  /** One record; `timestamp` defaults to the driver's wall-clock time. A null value is a tombstone. */
  async pipeInput(key: K | null, value: V | null, timestamp?: number, headers?: Headers): Promise<void> {
    const topic = this.#topic;
    const keyBytes = key === null || key === undefined ? null : await this.#serdes.key.serialize(key, { topic, isKey: true });
    const valueBytes = value === null || value === undefined ? null : await this.#serdes.value.serialize(value, { topic, isKey: false });
    await this.#pipe(keyBytes, valueBytes, timestamp, headers);
  }

  /** Values with null keys, one record each. */
  async pipeValueList(values: readonly V[], startTimestamp?: number, advanceMs = 0): Promise<void> {
    for (let i = 0; i < values.length; i++) {
      await this.pipeInput(null, values[i] as V, startTimestamp === undefined ? undefined : startTimestamp + i * advanceMs);
    }
  }

  /** `[key, value]` pairs, one record each; timestamps start at `startTimestamp` and grow by `advanceMs`. */
  async pipeKeyValueList(records: readonly KeyValue<K, V>[], startTimestamp?: number, advanceMs = 0): Promise<void> {
    for (let i = 0; i < records.length; i++) {
      const [key, value] = records[i] as KeyValue<K, V>;
      await this.pipeInput(key, value, startTimestamp === undefined ? undefined : startTimestamp + i * advanceMs);
    }
  }

  /** Bytes as they are, unserialized: for poison pills and foreign producers. */
  async pipeRaw(key: Buffer | null, value: Buffer | null, timestamp?: number, headers?: Headers): Promise<void> {
    await this.#pipe(key, value, timestamp, headers);
  }
}

/**
 * Reads what the topology wrote to a topic, decoded with the given serdes.
 * Reading consumes, as in Kafka Streams: each record is read once, in the
 * order it was produced (across partitions: production order).
 */
export class TestOutputTopic<K, V> {
  readonly #topic: string;
  readonly #serdes: Serdes<K, V>;
  readonly #queue: ProducedRecord[];

  constructor(topic: string, serdes: Serdes<K, V>, queue: ProducedRecord[]) {
    this.#topic = topic;
    this.#serdes = serdes;
    this.#queue = queue;
  }

  get topic(): string {
    return this.#topic;
  }

  isEmpty(): boolean {
    return this.#queue.length === 0;
  }

  /** Records not yet read. */
  size(): number {
    return this.#queue.length;
  }

  readRecord(): TestRecord<K, V> {
    const record = this.#queue[0];
    if (record === undefined) throw new DriverError(`no record left to read on "${this.#topic}"`);
    const decoded = this.#decode(record);
    this.#queue.shift();
    return decoded;
  }

  readKeyValue(): KeyValue<K, V> {
    const { key, value } = this.readRecord();
    return [key, value];
  }

  readValue(): V {
    return this.readRecord().value;
  }

  readRecordsToList(): TestRecord<K, V>[] {
    const records: TestRecord<K, V>[] = [];
    while (!this.isEmpty()) records.push(this.readRecord());
    return records;
  }

  readKeyValuesToList(): KeyValue<K, V>[] {
    return this.readRecordsToList().map((r): KeyValue<K, V> => [r.key, r.value]);
  }

  readValuesToList(): V[] {
    return this.readRecordsToList().map((r) => r.value);
  }

  /** Like `readRecordsToList`, for serdes that answer asynchronously (a registry lookup). */
  async readRecordsToListAsync(): Promise<TestRecord<K, V>[]> {
    const records: TestRecord<K, V>[] = [];
    while (this.#queue.length > 0) {
      const record = this.#queue[0] as ProducedRecord;
      const topic = this.#topic;
      const key = record.key === null ? null : await this.#serdes.key.deserialize(record.key, { topic, isKey: true });
      const value = record.value === null ? null : await this.#serdes.value.deserialize(record.value, { topic, isKey: false });
      this.#queue.shift();
      records.push(testRecord(record, key as K, value as V));
    }
    return records;
  }

  #decode(record: ProducedRecord): TestRecord<K, V> {
    const topic = this.#topic;
    const key = record.key === null ? null : this.#serdes.key.deserialize(record.key, { topic, isKey: true });
    const value = record.value === null ? null : this.#serdes.value.deserialize(record.value, { topic, isKey: false });
    if (isPromise(key) || isPromise(value)) {
      void Promise.allSettled([key, value]);
      throw new DriverError(`a serde of "${topic}" answered asynchronously; use readRecordsToListAsync() (or warm the serde first)`);
    }
    return testRecord(record, key as K, value as V);
  }
}

function testRecord<K, V>(record: ProducedRecord, key: K, value: V): TestRecord<K, V> {
  return { key, value, timestamp: record.timestamp, headers: record.headers, partition: record.partition };
}
