/**
 * The lag exporter as a service: `node --import tsx --conditions=source services/lag-exporter/src/main.ts`.
 * Configuration from the environment (README, "Configuration").
 */
import { kafkaConfig, runService } from '@tributary/service';
import { errorMessage } from '@tributary/streams';
import { loadConfig, type LagExporterConfig } from './config.js';
import { GroupLagPoller } from './poller.js';

let config: LagExporterConfig;
try {
  config = loadConfig();
} catch (error) {
  console.error(JSON.stringify({ level: 'fatal', service: 'lag-exporter', msg: `invalid configuration: ${errorMessage(error)}` }));
  process.exit(2);
}

await runService({
  name: 'lag-exporter',
  http: config,
  build: (ctx) => {
    ctx.log.info({ groups: config.GROUPS ?? 'all non-internal', pollIntervalMs: config.POLL_INTERVAL_MS, brokers: config.KAFKA_BROKERS }, 'configuration');
    return new GroupLagPoller({
      kafka: kafkaConfig(config, ctx.clientId),
      ...(config.GROUPS !== undefined ? { groups: config.GROUPS } : {}),
      pollIntervalMs: config.POLL_INTERVAL_MS,
      registry: ctx.registry,
      log: ctx.streamsLog,
    });
  },
});
