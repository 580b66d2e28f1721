export { StackError } from './stack/errors.js';
export { startLocalStack, type LocalStack, type LocalStackOptions, type StackEndpoints } from './stack/local-stack.js';
export { KafkaBroker, DEFAULT_KAFKA_VERSION, fetchKafka, waitForKafka, type KafkaBrokerOptions } from './stack/kafka-broker.js';
export {
  SchemaRegistry,
  APICURIO_LATEST,
  APICURIO_JAVA17,
  CCOMPAT_PATH,
  chooseApicurio,
  fetchApicurio,
  waitForRegistry,
  type SchemaRegistryOptions,
} from './stack/schema-registry.js';
export { createTestDatabase, checkPostgres, databaseUrlFromEnv, DEFAULT_DATABASE_URL, type TestDatabase } from './stack/postgres.js';
export { freePort, isListening } from './stack/ports.js';
export { ServerProcess, stopPid, isAlive, type Lifetime } from './stack/server-process.js';
export { cacheDir } from './stack/cache.js';
export { TopologyTestDriver, type TopologyTestDriverOptions, type ChangelogEntry } from './driver/topology-test-driver.js';
export { TestInputTopic, TestOutputTopic, type TestRecord, type ProducedRecord } from './driver/test-topics.js';
export { DriverError } from './driver/driver-error.js';
export { partitionForKey, murmur2 } from './driver/partitioner.js';
export { ServiceProcess, REPO_ROOT, type ServiceProcessOptions } from './process/service-process.js';
export { kafkaClient, createTopics, produce, readRecords, type ReadRecord } from './kafka/topic-io.js';
export { countGzipBatches, type GzipBatchCount } from './kafka/gzip-counter.js';
export * from './tools/index.js';
