/**
 * The aggregate service: configuration from the environment → the windowed
 * aggregation over Avro serdes → a StreamsApp run by the service shell
 * (`/healthz`, `/readyz`, `/metrics`, `/stores/windows-1m/:containerId`).
 *
 *   node --import tsx --conditions=source services/aggregate/src/main.ts
 */
import { StreamsApp } from '@tributary/streams';
import { kafkaConfig, registryClient, runService, streamsOperator } from '@tributary/service';
import { loadConfig } from './config.js';
import { avroAggregateSerdes } from './serdes.js';
import { buildTopology } from './topology.js';

const config = loadConfig();

await runService({
  name: 'aggregate',
  http: config,
  build: async (ctx) => {
    const serdes = avroAggregateSerdes(registryClient(config), { autoRegister: config.SCHEMA_AUTO_REGISTER });
    // Registers (or, with SCHEMA_AUTO_REGISTER=false, looks up) the output schema now: a missing one fails the start, not the first window.
    await serdes.aggregate.prepare(config.OUTPUT_TOPIC);
    const topology = buildTopology({
      serdes,
      topics: { input: config.INPUT_TOPIC, output: config.OUTPUT_TOPIC },
      windowMs: config.WINDOW_MS,
      graceMs: config.GRACE_MS,
      ...(config.IDLE_ADVANCE_MS === undefined ? {} : { idleAdvanceMs: config.IDLE_ADVANCE_MS }),
    });
    ctx.log.info(
      { applicationId: config.APPLICATION_ID, windowMs: config.WINDOW_MS, graceMs: config.GRACE_MS, topology: topology.describe(config.APPLICATION_ID) },
      'topology',
    );
    const kafka = kafkaConfig(config, ctx.clientId);
    const app = new StreamsApp(topology, {
      applicationId: config.APPLICATION_ID,
      kafka,
      processingGuarantee: config.PROCESSING_GUARANTEE,
      commitIntervalMs: config.COMMIT_INTERVAL_MS,
      // Readings under the wrong key and undecodable records go to <APPLICATION_ID>.dlq.
      errorPolicy: 'dlq',
      instrumentation: ctx.instrumentation,
      log: ctx.streamsLog,
    });
    return streamsOperator(app, { registry: ctx.registry, kafka });
  },
});
