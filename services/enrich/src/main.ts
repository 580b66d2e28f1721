/**
 * The enrich service: configuration from the environment → the enrich
 * topology over Avro serdes → a StreamsApp run by the service shell
 * (`/healthz`, `/readyz`, `/metrics`, `/stores/containers/:containerId`).
 *
 *   node --import tsx --conditions=source services/enrich/src/main.ts
 */
import { Counter } from 'prom-client';
import { StreamsApp } from '@tributary/streams';
import { kafkaConfig, registryClient, runService, streamsOperator } from '@tributary/service';
import { loadConfig } from './config.js';
import { avroEnrichSerdes } from './serdes.js';
import { buildTopology } from './topology.js';

const config = loadConfig();

await runService({
  name: 'enrich',
  http: config,
  build: async (ctx) => {
    const serdes = avroEnrichSerdes(registryClient(config), { autoRegister: config.SCHEMA_AUTO_REGISTER });
    // Registers (or, with SCHEMA_AUTO_REGISTER=false, looks up) the output schema now: a missing one fails the start, not the first record.
    await serdes.enriched.prepare(config.OUTPUT_TOPIC);
    const joins = new Counter({
      name: 'tributary_enrich_joins_total',
      help: 'Readings joined with the container reference table, by result (matched, unmatched); a reprocessed batch counts again.',
      labelNames: ['result'],
      registers: [ctx.registry],
    });
    const topology = buildTopology({
      serdes,
      topics: { input: config.INPUT_TOPIC, reference: config.REFERENCE_TOPIC, output: config.OUTPUT_TOPIC },
      unmatched: config.UNMATCHED,
      onJoin: (matched) => joins.inc({ result: matched ? 'matched' : 'unmatched' }),
    });
    ctx.log.info({ applicationId: config.APPLICATION_ID, unmatched: config.UNMATCHED, topology: topology.describe(config.APPLICATION_ID) }, 'topology');
    const kafka = kafkaConfig(config, ctx.clientId);
    const app = new StreamsApp(topology, {
      applicationId: config.APPLICATION_ID,
      kafka,
      processingGuarantee: config.PROCESSING_GUARANTEE,
      commitIntervalMs: config.COMMIT_INTERVAL_MS,
      // UNMATCHED=dlq relies on the dead-letter policy (UnmatchedReadingError); keep it explicit.
      errorPolicy: 'dlq',
      instrumentation: ctx.instrumentation,
      log: ctx.streamsLog,
    });
    return streamsOperator(app, { registry: ctx.registry, kafka });
  },
});
