/**
 * The aggregate service: configuration from the environment → the windowed
 * aggregation (AGGREGATE_MODE=windows, default) or the look-back features
 * (AGGREGATE_MODE=lookback) over Avro serdes → a StreamsApp run by the service shell
 * (`/healthz`, `/readyz`, `/metrics`, `/stores/<store>/:key`).
 *
 *   node --import tsx --conditions=source services/aggregate/src/main.ts
 */
import { StreamsApp, type Topology } from '@tributary/streams';
import { kafkaConfig, registryClient, runService, streamsOperator, streamsSettings } from '@tributary/service';
import { loadConfig } from './config.js';
import { avroAggregateSerdes } from './serdes.js';
import { buildTopology } from './topology.js';
import { prepareLookback } from './lookback/start.js';

const config = loadConfig();

interface StartLog {
  info(fields: object, message: string): void;
}

/** AGGREGATE_MODE=windows (default): the cold-chain tumbling windows. */
async function windowsTopology(log: StartLog): Promise<Topology> {
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
  log.info({ applicationId: config.APPLICATION_ID, windowMs: config.WINDOW_MS, graceMs: config.GRACE_MS, topology: topology.describe(config.APPLICATION_ID) }, 'topology');
  return topology;
}

/** AGGREGATE_MODE=lookback: features by configuration, over the registered input and output schemas. */
async function lookbackTopology(log: StartLog): Promise<Topology> {
  const prepared = await prepareLookback(config, registryClient(config));
  log.info(
    {
      applicationId: config.APPLICATION_ID,
      mode: 'lookback',
      features: prepared.features.map((f) => f.token),
      graceMs: config.LOOKBACK_GRACE_MS,
      schemas: prepared.schemas,
      topology: prepared.topology.describe(config.APPLICATION_ID),
    },
    'topology',
  );
  return prepared.topology;
}

await runService({
  name: 'aggregate',
  http: config,
  build: async (ctx) => {
    const topology = config.AGGREGATE_MODE === 'lookback' ? await lookbackTopology(ctx.log) : await windowsTopology(ctx.log);
    const kafka = kafkaConfig(config, ctx.clientId);
    const app = new StreamsApp(topology, {
      applicationId: config.APPLICATION_ID,
      kafka,
      ...streamsSettings(config),
      // Readings under the wrong key and undecodable records go to <APPLICATION_ID>.dlq.
      errorPolicy: 'dlq',
      instrumentation: ctx.instrumentation,
      log: ctx.streamsLog,
    });
    return streamsOperator(app, { registry: ctx.registry, kafka });
  },
});
