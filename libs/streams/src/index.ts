export {
  TributaryError,
  ConfigError,
  TopologyError,
  DeserializationError,
  ProcessingError,
  TaskMigratedError,
  TaskFailedError,
  isRetriable,
  errorClass,
  errorMessage,
} from './errors.js';
export { string, json, bytes, float64, isPromise, type Serde, type Serdes, type SerdeContext } from './serde.js';
export type { StreamRecord, RecordMetadata, Headers } from './record.js';
export type { Processor, ProcessorContext, ProcessorSupplier, PunctuationType, Cancellable } from './processor/processor.js';
export type { KeyValue } from './processor/stateless.js';
export type { StateStore, ManagedStore, ChangelogRecord } from './state/state-store.js';
export type { KeyValueStore, ReadOnlyKeyValueStore } from './state/key-value-store.js';
export { TransactionalKeyValueStore } from './state/transactional-key-value-store.js';
export { GlobalKeyValueStore, type GlobalRecord } from './state/global-key-value-store.js';
export { keyValueStore, type KeyValueStoreOptions } from './state/stores.js';
export { keyId } from './state/key-id.js';
export { Topology, resolveTopic, changelogTopic, type SubTopology } from './topology/topology.js';
export { TopologyBuilder } from './topology/topology-builder.js';
export {
  INTERNAL_TOPIC_PREFIX,
  type TimestampExtractor,
  type StoreDefinition,
  type GlobalStoreDefinition,
  type SourceNode,
  type ProcessorNode,
  type SinkNode,
  type TopologyNode,
  type RepartitionTopic,
} from './topology/nodes.js';
export { StreamsBuilder, type StreamOptions } from './dsl/streams-builder.js';
export { KStream, type Named, type RepartitionOptions } from './dsl/kstream.js';
export { KTable } from './dsl/ktable.js';
export { KGroupedStream, type AggregateOptions } from './dsl/kgrouped-stream.js';
export { GlobalKTable } from './dsl/global-ktable.js';
export {
  TimeWindowedKStream,
  SessionWindowedKStream,
  type WindowedAggregateOptions,
  type WindowedKTable,
} from './dsl/windowed-kstream.js';
export {
  tumbling,
  hopping,
  sliding,
  session,
  toMs,
  TimeWindows,
  SlidingWindows,
  SessionWindows,
  type Window,
  type Windowed,
  type WindowSpec,
  type Duration,
} from './window/windows.js';
export { windowedSerde, encodeWindowedKey, decodeWindowedKey } from './window/windowed-serde.js';
export type { EmitMode, LatePolicy } from './window/window-operator.js';
export { LATE_HEADERS, lateTopic, type LateRecordInfo } from './window/late-records.js';
export { TransactionalWindowStore, type ReadOnlyWindowStore, type WindowEntry } from './state/window-store.js';
export { windowStore, OBSERVED_TIME, DEFAULT_RETENTION_MARGIN_MS, type WindowStoreOptions } from './state/window-stores.js';
export { StreamTask, type StreamTaskOptions, type CommitBatch, type ErrorPolicy } from './task/stream-task.js';
export type { OutputMessage, ConsumedOffset, ConsumedMessage } from './task/output-message.js';
export { DLQ_HEADERS, deadLetterTopic, deadLetter } from './task/dead-letter.js';
export { StreamsApp } from './runtime/streams-app.js';
export { resolveConfig, COMPRESSIONS, COMPRESSION_TYPES, type StreamsConfig, type ProcessingGuarantee, type Compression, type ResolvedStreamsConfig } from './runtime/config.js';
export type { StreamsInstrumentation, StreamsState } from './runtime/instrumentation.js';
export { PartitionReader, type TopicPartition, type PartitionFetch } from './kafka/partition-reader.js';
export type { FetchedRecord } from './kafka/record-batches.js';
export { prepareTopics } from './runtime/topic-manager.js';
export { kafkajs, filterAbortedMessages } from './kafka/kafkajs.js';
export { isRetriableKafkaError, isFenced } from './runtime/kafka-errors.js';
