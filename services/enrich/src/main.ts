/**
 * The enrich service: configuration from the environment → the cold-chain
 * readings ⟕ containers join (ENRICH_MODE=containers, default) or the
 * generic input ⟕ reference join over the registered schemas
 * (ENRICH_MODE=join) → a StreamsApp run by the service shell (`/healthz`,
 * `/readyz`, `/metrics`, `/stores/containers/:containerId` or
 * `/stores/reference/:key`).
 *
 *   node --import tsx --conditions=source services/enrich/src/main.ts
 */
import { Counter } from 'prom-client';
import { StreamsApp, type Topology } from '@tributary/streams';
import { kafkaConfig, registryClient, runService, streamsOperator, streamsSettings } from '@tributary/service';
import { loadConfig } from './config.js';
import { avroEnrichSerdes } from './serdes.js';
import { buildTopology } from './topology.js';
import { prepareJoin } from './join/start.js';

const config = loadConfig();

interface StartLog {
  info(fields: object, message: string): void;
}

type OnJoin = (matched: boolean) => void;

/** ENRICH_MODE=containers (default): the cold-chain readings ⟕ containers join. */
async function containersTopology(log: StartLog, onJoin: OnJoin): Promise<Topology> {
  const serdes = avroEnrichSerdes(registryClient(config), { autoRegister: config.SCHEMA_AUTO_REGISTER });
  // Registers (or, with SCHEMA_AUTO_REGISTER=false, looks up) the output schema now: a missing one fails the start, not the first record.
  await serdes.enriched.prepare(config.OUTPUT_TOPIC);
  const topology = buildTopology({
    serdes,
    topics: { input: config.INPUT_TOPIC, reference: config.REFERENCE_TOPIC, output: config.OUTPUT_TOPIC },
    unmatched: config.UNMATCHED,
    onJoin,
  });
  log.info({ applicationId: config.APPLICATION_ID, unmatched: config.UNMATCHED, topology: topology.describe(config.APPLICATION_ID) }, 'topology');
  return topology;
}

/** ENRICH_MODE=join: JOIN_KEY_FIELD and JOIN_FIELDS by configuration, over the registered schemas. */
async function joinTopology(log: StartLog, onJoin: OnJoin): Promise<Topology> {
  const prepared = await prepareJoin(config, registryClient(config), { onJoin });
  log.info(
    {
      applicationId: config.APPLICATION_ID,
      mode: 'join',
      keyField: config.JOIN_KEY_FIELD,
      fields: prepared.fields.map((f) => f.token),
      unmatched: config.UNMATCHED,
      schemas: prepared.schemas,
      topology: prepared.topology.describe(config.APPLICATION_ID),
    },
    'topology',
  );
  return prepared.topology;
}

await runService({
  name: 'enrich',
  http: config,
  build: async (ctx) => {
    const joins = new Counter({
      name: 'tributary_enrich_joins_total',
      help: 'Input records joined with the reference table, by result (matched, unmatched); a reprocessed batch counts again.',
      labelNames: ['result'],
      registers: [ctx.registry],
    });
    const onJoin: OnJoin = (matched) => joins.inc({ result: matched ? 'matched' : 'unmatched' });
    const topology = config.ENRICH_MODE === 'join' ? await joinTopology(ctx.log, onJoin) : await containersTopology(ctx.log, onJoin);
    const kafka = kafkaConfig(config, ctx.clientId);
    const app = new StreamsApp(topology, {
      applicationId: config.APPLICATION_ID,
      kafka,
      ...streamsSettings(config),
      // UNMATCHED=dlq relies on the dead-letter policy (UnmatchedReadingError, UnmatchedReferenceError); keep it explicit.
      errorPolicy: 'dlq',
      instrumentation: ctx.instrumentation,
      log: ctx.streamsLog,
    });
    return streamsOperator(app, { registry: ctx.registry, kafka });
  },
});
