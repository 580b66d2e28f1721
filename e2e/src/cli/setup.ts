/**
 * `tributary setup` (one-shot): creates the pipeline's topics and registers
 * its schemas, then exits 0. Safe to run again: existing topics are kept
 * (a different partition count is an error: keys would move), identical
 * schemas are not registered twice. Retries while Kafka or the registry are
 * still starting, up to SETUP_TIMEOUT_MS.
 *
 *   KAFKA_BROKERS=kafka:9092 SCHEMA_REGISTRY_URL=http://registry:8080/apis/ccompat/v7 tributary setup
 *
 * PIPELINE=fraud creates the card-fraud pipeline's topics instead.
 */
import { Kafka, logLevel } from 'kafkajs';
import { createLogger, kafkaConfig, redactUrl, registryClient } from '@tributary/service';
import { errorMessage } from '@tributary/streams';
import { createPipelineTopics, registerPipelineSchemas, topicConfigsOf } from '../pipeline/topics.js';
import { readCommandConfig, setupEnv } from './config.js';
import { untilReady } from './retry.js';

const config = readCommandConfig('setup', setupEnv);
const log = createLogger('setup', config.LOG_LEVEL);

// Let pino write its last line before the process ends.
const exit = (code: number): void => void setImmediate(() => process.exit(code));

// As PID 1 in a container a signal without a handler is ignored: stop at once, nothing here needs finishing.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log.warn({ signal }, 'interrupted');
    exit(signal === 'SIGTERM' ? 143 : 130);
  });
}

try {
  const started = Date.now();
  const deadline = started + config.SETUP_TIMEOUT_MS;
  // kafkajs' own retries are kept short: untilReady is the one bounded wait, and it logs why it waits.
  const kafka = new Kafka({ ...kafkaConfig(config, 'tributary-setup'), logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  await untilReady(
    `Kafka (${config.KAFKA_BROKERS.join(',')})`,
    async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await createPipelineTopics(admin, config.PARTITIONS, config.REPLICATION_FACTOR, config.PIPELINE);
      } finally {
        await admin.disconnect();
      }
    },
    { deadline, log },
  );
  log.info({ pipeline: config.PIPELINE, topics: topicConfigsOf(config.PIPELINE, config.PARTITIONS).map((t) => t.topic), partitions: config.PARTITIONS, replicationFactor: config.REPLICATION_FACTOR }, 'topics ready');
  const registry = registryClient(config);
  const subjects = await untilReady(`the schema registry (${redactUrl(config.SCHEMA_REGISTRY_URL)})`, () => registerPipelineSchemas(registry), { deadline, log });
  log.info({ subjects, seconds: (Date.now() - started) / 1000 }, 'schemas registered; setup done');
  exit(0);
} catch (error) {
  log.fatal({ err: error }, `setup failed: ${errorMessage(error)}`);
  exit(1);
}
