/**
 * The sink as a service: `node --import tsx --conditions=source services/sink/src/main.ts`.
 * Configuration from the environment (README, "Configuration").
 */
import { kafkaConfig, postgresConfig, redactUrl, registryClient, runService } from '@tributary/service';
import { errorMessage } from '@tributary/streams';
import { loadConfig, type SinkConfig } from './config.js';
import { sinkMetrics } from './metrics.js';
import { Sink } from './sink.js';

let config: SinkConfig;
try {
  config = loadConfig();
} catch (error) {
  console.error(JSON.stringify({ level: 'fatal', service: 'sink', msg: `invalid configuration: ${errorMessage(error)}` }));
  process.exit(2);
}

await runService({
  name: 'sink',
  http: config,
  build: (ctx) => {
    ctx.log.info(
      { groupId: config.GROUP_ID, topics: config.topics, database: redactUrl(config.DATABASE_URL), schema: config.DATABASE_SCHEMA, ssl: config.DATABASE_SSL },
      'configuration',
    );
    return new Sink({
      groupId: config.GROUP_ID,
      topics: config.topics,
      kafka: kafkaConfig(config, ctx.clientId),
      registry: registryClient(config),
      database: postgresConfig(config),
      databaseSchema: config.DATABASE_SCHEMA,
      sessionTimeoutMs: config.SESSION_TIMEOUT_MS,
      dlqReplicationFactor: config.DLQ_REPLICATION_FACTOR,
      instrumentation: sinkMetrics(ctx.registry, ctx.instrumentation),
      log: ctx.streamsLog,
    });
  },
});
