/**
 * AGGREGATE_MODE=lookback at start: the input and output schemas are the latest
 * registered under `<INPUT_TOPIC>-value` and `<OUTPUT_TOPIC>-value`, the
 * features are checked against them, and the serdes read and write with them.
 * The code is the same for every pipeline; only the configuration and the
 * registered schemas differ.
 */
import { avroSerde, type AvroSchema, type RegistryClient } from '@tributary/avro';
import { ConfigError, type Topology } from '@tributary/streams';
import type { AggregateConfig } from '../config.js';
import { parseLookbackFeatures, type LookbackFeature } from './features.js';
import { checkInputFields, checkOutputSchema } from './schema-check.js';
import { buildLookbackTopology, type GenericRecord } from './topology.js';

export interface PreparedLookback {
  readonly topology: Topology;
  readonly features: readonly LookbackFeature[];
  /** Subject and version of the schemas in use, for the start log. */
  readonly schemas: { readonly input: string; readonly output: string };
}

async function latestSchema(registry: RegistryClient, variable: string, topic: string): Promise<{ schema: AvroSchema; name: string }> {
  const subject = `${topic}-value`;
  const latest = await registry.latest(subject);
  if (latest === undefined) throw new ConfigError(`${variable}=${JSON.stringify(topic)}: no schema is registered under subject ${subject} (register it: npm run schemas -- register)`);
  return { schema: JSON.parse(latest.schema) as AvroSchema, name: `subject ${subject} v${latest.version}` };
}

/** Reads the schemas, checks LOOKBACK_FEATURES against them (ConfigError otherwise) and builds the topology. */
export async function prepareLookback(config: AggregateConfig, registry: RegistryClient): Promise<PreparedLookback> {
  const features = parseLookbackFeatures(config.LOOKBACK_FEATURES ?? '');
  const input = await latestSchema(registry, 'INPUT_TOPIC', config.INPUT_TOPIC);
  const output = await latestSchema(registry, 'OUTPUT_TOPIC', config.OUTPUT_TOPIC);
  const check = {
    features,
    inputSchema: input.schema,
    inputName: input.name,
    eventTimeField: config.EVENT_TIME_FIELD,
    ...(config.LOOKBACK_KEY_FIELD === undefined ? {} : { keyField: config.LOOKBACK_KEY_FIELD }),
  };
  checkInputFields(check);
  checkOutputSchema({ ...check, outputSchema: output.schema, outputName: output.name });
  const inputSerde = avroSerde<GenericRecord>(input.schema, { registry });
  // The output schema is the registered one: look it up, never register another.
  const outputSerde = avroSerde<GenericRecord>(output.schema, { registry, autoRegister: false });
  await outputSerde.prepare(config.OUTPUT_TOPIC);
  const topology = buildLookbackTopology({
    serdes: { input: inputSerde, output: outputSerde },
    topics: { input: config.INPUT_TOPIC, output: config.OUTPUT_TOPIC },
    features,
    eventTimeField: config.EVENT_TIME_FIELD,
    graceMs: config.LOOKBACK_GRACE_MS,
    ...(config.LOOKBACK_KEY_FIELD === undefined ? {} : { keyField: config.LOOKBACK_KEY_FIELD }),
  });
  return { topology, features, schemas: { input: input.name, output: output.name } };
}
